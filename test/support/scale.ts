import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';

/**
 * The storage the suite runs on. By default SQLite and memory. With
 * PASSERELLE_TEST_POSTGRES_URL (a server's admin URL) and PASSERELLE_TEST_REDIS_URL set
 * (`npm run test:scale` sets them after starting both), every test server gets a database
 * of its own, copied from a migrated template, and a Redis key prefix of its own.
 */
export const scaleEnv = {
  postgresUrl: process.env.PASSERELLE_TEST_POSTGRES_URL,
  redisUrl: process.env.PASSERELLE_TEST_REDIS_URL,
  /** The PostgreSQL data directory (byte searches of the table files). */
  postgresData: process.env.PASSERELLE_TEST_POSTGRES_DATA,
};

/** Whether this run is on PostgreSQL + Redis. */
export function onScaleStorage(): boolean {
  return Boolean(scaleEnv.postgresUrl && scaleEnv.redisUrl);
}

/** The URL of database `name` on the test PostgreSQL server. */
export function postgresUrlOf(name: string): string {
  const url = new URL(scaleEnv.postgresUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `sql` statements on the server's admin database. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database ? postgresUrlOf(database) : scaleEnv.postgresUrl });
  await client.connect();
  try {
    // Without parameters, the simple protocol: a script of several statements runs whole.
    return (params.length > 0 ? await client.query<T>(sql, params) : await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database copied from the migrated template; `drop` removes it. */
export async function createTestDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const template = process.env.PASSERELLE_TEST_POSTGRES_TEMPLATE;
  if (!template) throw new Error('globalSetup did not create the PostgreSQL template');
  for (let attempt = 0; ; attempt += 1) {
    try {
      await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      break;
    } catch (err) {
      // Two copies of one template at the same moment: PostgreSQL refuses the second; it waits its turn.
      if (attempt >= 50 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url: postgresUrlOf(name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/**
 * Every byte of a database's table files (heap, indexes, TOAST, free space maps) and of
 * the cluster's shared catalogs, after a checkpoint wrote every page to disk. The
 * write-ahead log is not searched: it keeps older page images until its segments are
 * recycled (README, "Running at scale").
 */
export async function postgresTableBytes(name: string): Promise<Buffer> {
  if (!scaleEnv.postgresData) throw new Error('PASSERELLE_TEST_POSTGRES_DATA is not set');
  await adminQuery('CHECKPOINT');
  const [{ oid }] = await adminQuery<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [name]);
  const folders = [path.join(scaleEnv.postgresData, 'base', String(oid)), path.join(scaleEnv.postgresData, 'global')];
  return Buffer.concat(folders.flatMap((folder) => fs.readdirSync(folder).map((file) => fs.readFileSync(path.join(folder, file)))));
}

/** A Redis client for a test's own inspection (keys, values), closed by the caller. */
export async function redisInspector() {
  const client = createClient({ url: scaleEnv.redisUrl });
  await client.connect();
  return client;
}

/** Every key under `prefix` and its value (strings, hashes, sets, sorted sets), as text. */
export async function redisContents(prefix: string): Promise<Map<string, string>> {
  const client = await redisInspector();
  try {
    const out = new Map<string, string>();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string'
            ? await client.get(key)
            : type === 'hash'
              ? JSON.stringify(await client.hGetAll(key))
              : type === 'zset'
                ? JSON.stringify(await client.zRangeWithScores(key, 0, -1))
                : type === 'set'
                  ? JSON.stringify(await client.sMembers(key))
                  : type === 'list'
                    ? JSON.stringify(await client.lRange(key, 0, -1))
                    : '';
        out.set(key, value ?? '');
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

/** Deletes every key under `prefix` (a test server's own). */
export async function clearRedisPrefix(prefix: string): Promise<void> {
  const client = await redisInspector();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length > 0) await client.del(keys);
  } finally {
    await client.close();
  }
}
