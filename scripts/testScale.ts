/**
 * `npm run test:scale`: the storage-dependent tests on PostgreSQL + Redis, and three
 * instances behind haproxy (jest.scale.config.js). Starts Debian's PostgreSQL and Redis
 * in a temporary folder on loopback (or uses PASSERELLE_TEST_POSTGRES_URL,
 * PASSERELLE_TEST_REDIS_URL and PASSERELLE_TEST_POSTGRES_DATA when they are set), runs
 * Jest with any arguments given, stops them and removes the folder.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingPackages, startPostgres, startRedis, type Service } from './scale/services';

async function main(): Promise<number> {
  const env = { ...process.env };
  const started: Service[] = [];
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-scale-'));
  try {
    if (!env.PASSERELLE_TEST_POSTGRES_URL || !env.PASSERELLE_TEST_REDIS_URL) {
      const missing = missingPackages();
      if (missing.length > 0) {
        process.stderr.write(`test:scale needs Debian's ${missing.join(', ')}: apt-get install -y ${missing.join(' ')}\n`);
        return 1;
      }
      const postgres = await startPostgres(path.join(folder, 'postgres'));
      started.push(postgres);
      const redis = await startRedis(path.join(folder, 'redis'));
      started.push(redis);
      Object.assign(env, { PASSERELLE_TEST_POSTGRES_URL: postgres.url, PASSERELLE_TEST_POSTGRES_DATA: postgres.dataDir, PASSERELLE_TEST_REDIS_URL: redis.url });
      process.stdout.write(`PostgreSQL ${postgres.url}, Redis ${redis.url} (in ${folder})\n`);
    }
    const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
    const result = spawnSync(process.execPath, [jest, '-c', 'jest.scale.config.js', ...process.argv.slice(2)], { cwd: path.join(__dirname, '..'), env, stdio: 'inherit' });
    return result.status ?? 1;
  } finally {
    for (const service of started.reverse()) await service.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`test:scale: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
