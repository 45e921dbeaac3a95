import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { createLogger } from '../../src/logger';
import { seededRandomBytes } from '../../src/clock';
import { createPrisma } from '../../src/db';
import { DEMO_DIRECTORY_FILE, DirectoryFile, replaceDirectory } from '../../src/directory/directory';
import { createServer, type PasserelleServer, type ServerOptions } from '../../src/server';
import { MemorySessionStore } from '../../src/store/sessionStore';
import { clearRedisPrefix, createTestDatabase, onScaleStorage, postgresTableBytes, redisContents, scaleEnv } from './scale';

export { seededRandomBytes };

/** Fixed test keys: never used outside tests. */
export const TEST_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'trace',
  // The golden conversations are recorded with two languages on the welcome screen.
  LANGUAGES: 'fr,en',
  DATA_KEYS: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
  HASH_KEY: Buffer.alloc(32, 9).toString('base64'),
};

/** The keyring of TEST_ENV (what every test server seals and hashes with). */
export function testKeyring(): Keyring {
  return new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));
}

/** The number an open request will be called on, unsealed as the desk's reveal does (`aad`: another intake's id must fail). */
export async function unsealNumber(t: Pick<TestServer, 'server'>, intakeId: string, aad = intakeId): Promise<string> {
  const row = await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId } });
  return testKeyring().unseal({ ciphertext: row.sealedContact, nonce: row.contactNonce, keyId: row.contactKeyId }, aad);
}

/** The code shown on a final screen (`4827 5936`), bare; the database only holds its keyed hash. */
export function codeShownIn(screen: string): string {
  const shown = /\b([2-9]{4}) ([2-9]{4})\b/.exec(screen);
  if (!shown) throw new Error('no reference code on this screen');
  return shown[1] + shown[2];
}

/** A settable clock, starting on a fixed date. */
export class TestClock {
  constructor(public ms = Date.parse('2026-11-24T09:00:00Z')) {}
  now = () => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestServer {
  server: PasserelleServer;
  config: Config;
  clock: TestClock;
  /** Every log line written, as raw JSON text. */
  logs: string[];
  /** Its database: `file:` (SQLite) or `postgresql://` (npm run test:scale). */
  databaseUrl: string;
  /** SQLite: the database file; PostgreSQL: empty. */
  dbFile: string;
  /** The settings that point a child process (the CLI, a server) at this server's database and Redis. */
  storageEnv: Record<string, string>;
  dir: string;
  http: ReturnType<typeof request>;
  /** How many conversation records the gateway holds (memory or Redis). */
  sessionCount(): Promise<number>;
  /** What the gateway's conversation records say, unsealed (Redis seals them), as JSON text. */
  sessionContents(): Promise<string>;
  /**
   * Every byte this server keeps, as one latin1 string, for canary searches: the database
   * files (SQLite: main file, WAL; PostgreSQL: this database's table files after a
   * checkpoint) and, on Redis, every value under this server's prefix.
   */
  storedBytes(): Promise<string>;
  /** Stops this server and starts a new one on the same database, clock and logs: what a restart keeps. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A whole Passerelle on a fresh copy of the migrated template database, logs captured. */
export async function createTestServer(
  env: Record<string, string> = {},
  options: { seed?: number; desk?: ServerOptions['desk']; channels?: ServerOptions['channels']; /** Production only: import no directory first. */ emptyDirectory?: boolean } = {},
): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-case-'));
  let dbFile = '';
  let storageEnv: Record<string, string>;
  let dropDatabase = async () => undefined as void;
  let databaseName = '';
  let redisPrefix = '';
  if (onScaleStorage()) {
    databaseName = `t_${process.pid}_${path.basename(dir).replace(/\W/g, '').toLowerCase()}`;
    const database = await createTestDatabase(databaseName);
    dropDatabase = database.drop;
    redisPrefix = `test:${databaseName}:`;
    storageEnv = { DATABASE_URL: database.url, REDIS_URL: scaleEnv.redisUrl!, REDIS_PREFIX: redisPrefix };
  } else {
    const template = process.env.PASSERELLE_TEST_TEMPLATE;
    if (!template) throw new Error('globalSetup did not run');
    dbFile = path.join(dir, 'passerelle.db');
    fs.copyFileSync(template, dbFile);
    storageEnv = { DATABASE_URL: `file:${dbFile}` };
  }
  const config = loadConfig({ ...TEST_ENV, DATA_DIR: dir, ...storageEnv, ...env });
  if (config.NODE_ENV === 'production' && !options.emptyDirectory) {
    // Production never starts without a directory: import one first, as a programme does.
    const prisma = await createPrisma(config.DATABASE_URL);
    await replaceDirectory(prisma, DirectoryFile.parse(JSON.parse(fs.readFileSync(DEMO_DIRECTORY_FILE, 'utf8'))));
    await prisma.$disconnect();
  }
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: config.LOG_LEVEL, destination });
  const keyring = new Keyring(parseDataKeys(config.DATA_KEYS!), Buffer.from(config.HASH_KEY!, 'base64'));
  const clock = new TestClock();
  let starts = 0;
  // Each start draws from its own seed: a restarted server must not draw the ids it drew before.
  const start = () =>
    createServer({ config, logger, keyring, clock: clock.now, randomBytes: seededRandomBytes((options.seed ?? 42) + 1000 * starts++), desk: options.desk, channels: options.channels });
  const t: TestServer = {
    server: await start(),
    config,
    clock,
    logs,
    databaseUrl: storageEnv.DATABASE_URL,
    dbFile,
    storageEnv,
    dir,
    http: undefined as unknown as ReturnType<typeof request>,
    async sessionCount() {
      if (!redisPrefix) return (t.server.store as MemorySessionStore<unknown>).size;
      return [...(await redisContents(`${redisPrefix}session:gateway:`)).keys()].length;
    },
    async sessionContents() {
      if (!redisPrefix) return JSON.stringify([...(t.server.store as unknown as { entries: Map<string, unknown> }).entries]);
      const entries = [...(await redisContents(`${redisPrefix}session:gateway:`)).entries()];
      return JSON.stringify(entries.map(([key, value]) => [key, keyring.unseal(JSON.parse(value), key)]));
    },
    async storedBytes() {
      if (!redisPrefix) return databaseBytes(dbFile);
      const values = [...(await redisContents(redisPrefix)).entries()].map(([key, value]) => `${key}\n${value}`);
      return `${(await postgresTableBytes(databaseName)).toString('latin1')}\n${values.join('\n')}`;
    },
    async restart() {
      await t.server.close();
      t.server = await start();
      t.http = request(t.server.app);
    },
    async close() {
      await t.server.close();
      fs.rmSync(dir, { recursive: true, force: true });
      if (redisPrefix) await clearRedisPrefix(redisPrefix);
      await dropDatabase();
    },
  };
  t.http = request(t.server.app);
  return t;
}

/** Every byte of the database files (main file, WAL, journal) as one latin1 string, for canary searches. */
export function databaseBytes(dbFile: string): string {
  return ['', '-wal', '-shm', '-journal']
    .map((suffix) => dbFile + suffix)
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file).toString('latin1'))
    .join('\n');
}

/**
 * The environment of a child process (the CLI, a server) that works on this test
 * server's database with this test's clock: its clock starts where the test clock
 * stands now, whatever the system clock says.
 */
export function childEnv(t: Pick<TestServer, 'storageEnv' | 'dir' | 'clock'>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...TEST_ENV, ...t.storageEnv, DATA_DIR: t.dir, PASSERELLE_TEST_NOW: t.clock.now().toISOString(), ...extra };
}
