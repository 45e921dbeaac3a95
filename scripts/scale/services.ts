/**
 * Debian's PostgreSQL, Redis and haproxy, started without systemd on loopback in a
 * temporary folder, and Passerelle instances behind them: what `npm run test:scale`, the
 * scale tests and `npm run bench` run on. Nothing here is used by the product itself.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a program is installed (on PATH, or at an absolute path). */
export function installed(program: string): boolean {
  if (path.isAbsolute(program)) return fs.existsSync(program);
  return (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, program)));
}

/** The newest PostgreSQL server binaries Debian installed (`/usr/lib/postgresql/<version>/bin`). */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  const bin = versions.map((v) => path.join(base, v, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  return bin;
}

/** What is missing for the scale tests, as the apt packages to install. */
export function missingPackages(): string[] {
  return [...(postgresBin() ? [] : ['postgresql']), ...(installed('redis-server') ? [] : ['redis-server']), ...(installed('haproxy') || installed('/usr/sbin/haproxy') ? [] : ['haproxy'])];
}

export interface Service {
  stop(): Promise<void>;
}

/**
 * A PostgreSQL cluster in `folder` on a free loopback port, trust authentication for the
 * `postgres` user. PostgreSQL refuses to run as root: as root, it runs as `postgres` on a
 * folder that user owns.
 */
export async function startPostgres(folder: string, { durable = false }: { durable?: boolean } = {}): Promise<Service & { url: string; dataDir: string }> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const asRoot = process.getuid?.() === 0;
  const asPostgres = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args));
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (asRoot) {
    // The postgres user must reach its folder: the folders above it let it pass (not read).
    for (let dir = path.dirname(folder); dir !== path.dirname(dir) && dir !== os.tmpdir(); dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) fs.chmodSync(dir, fs.statSync(dir).mode | 0o011);
    }
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    fs.chownSync(folder, Number(stdout.trim()), Number(gid.trim()));
  }
  const dataDir = path.join(folder, 'data');
  const port = await freePort();
  await asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  // Tests need no crash safety; a benchmark does (durable: the settings of a real server).
  const settings = [
    '-c listen_addresses=127.0.0.1',
    `-p ${port}`,
    `-k ${folder}`,
    '-c max_connections=200',
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ];
  await asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(folder, 'postgres.log'), '-o', settings.join(' '), '-w', 'start']);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: async () => {
      await asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    },
  };
}

/** A Redis on a free loopback port, nothing saved to disk. */
export async function startRedis(folder: string, port?: number): Promise<Service & { url: string; port: number }> {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  port ??= await freePort();
  const pidfile = path.join(folder, 'redis.pid');
  await run('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--dir',
    folder,
    '--logfile',
    path.join(folder, 'redis.log'),
  ]);
  for (let i = 0; i < 100 && !fs.existsSync(pidfile); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
    },
  };
}

/**
 * haproxy in front of `backends`: round robin, each instance checked on `GET /healthz`
 * every 500 ms and taken out after two failures; a request that found its instance
 * dead (refused, or no answer) is sent again to another one. That is safe here because
 * every provider webhook is idempotent: a retry never makes a second request. The
 * answering instance is named in `X-Backend` (tests see where each hop went).
 */
export async function startHaproxy(folder: string, backends: number[]): Promise<Service & { port: number; url: string }> {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const pidfile = path.join(folder, 'haproxy.pid');
  const config = [
    'global',
    '  maxconn 4096',
    `  pidfile ${pidfile}`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout check 2s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    '  option http-buffer-request',
    'frontend passerelle',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    '  http-response set-header X-Backend %s',
    ...backends.map((backend, i) => `  server i${i + 1} 127.0.0.1:${backend} check inter 500 fall 2 rise 2`),
    '',
  ].join('\n');
  const file = path.join(folder, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const haproxy = installed('haproxy') ? 'haproxy' : '/usr/sbin/haproxy';
  await run(haproxy, ['-D', '-f', file]);
  for (let i = 0; i < 100 && !fs.existsSync(pidfile); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

export interface Instance extends Service {
  port: number;
  url: string;
  process: ChildProcess;
  /** Everything it logged (pino JSON lines) and wrote to stderr. */
  output(): string;
  /** Kills it at once (SIGKILL): no goodbye, no cleanup, as a failing machine. */
  kill(): void;
}

/**
 * One Passerelle (`npm start`'s entry point, TypeScript loaded by tsx) on a free port with `env`
 * (DATABASE_URL, REDIS_URL, keys, clock...); resolves once /healthz answers.
 */
export async function startInstance(env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  // tsx as a loader of this very process (its CLI would run the server in a child, which a kill would orphan).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance exited (${child.exitCode}): ${output.slice(-2000)}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() - started > 60_000) throw new Error(`instance did not start: ${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    url,
    process: child,
    output: () => output,
    kill: () => {
      child.kill('SIGKILL');
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
