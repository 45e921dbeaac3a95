import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/prisma/client';
import { engineOf, sqliteFileFromUrl, type DatabaseEngine } from './databaseUrl';
import type Database from 'better-sqlite3';

export type { PrismaClient };

/** Which engine each open client talks to (the client types are the same; SQL differs). */
const engines = new WeakMap<object, DatabaseEngine>();

/** The URL of each PostgreSQL client (the purge's VACUUM runs on a connection of its own). */
const postgresUrls = new WeakMap<object, string>();

/** The engine behind a client opened by `createPrisma`. */
export function engineOfClient(prisma: object): DatabaseEngine {
  return engines.get(prisma) ?? 'sqlite';
}

/** How long a statement waits for another process's write lock (the CLI beside the server). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database through the better-sqlite3 driver adapter (no native Prisma engine).
 * The folder and the file are the owner's alone (0700, 0600): they hold sealed numbers,
 * and SQLite gives its -wal and -shm files the database file's permissions.
 */
export async function createPrisma(databaseUrl: string): Promise<PrismaClient> {
  if (engineOf(databaseUrl) === 'postgresql') {
    // The PostgreSQL client is generated from the same models (prisma/postgresql/schema.prisma):
    // its API is the SQLite client's, so the rest of the code sees one type.
    // Loaded only here: an embedded (SQLite) instance never holds PostgreSQL's client, driver and adapter in memory.
    const { PrismaClient: PostgresPrismaClient } = require('./generated/postgresql/client') as typeof import('./generated/postgresql/client');
    const { postgresAdapterFactory } = require('./dbPostgres') as typeof import('./dbPostgres');
    const prisma = new PostgresPrismaClient({ adapter: postgresAdapterFactory(databaseUrl) }) as unknown as PrismaClient;
    engines.set(prisma, 'postgresql');
    postgresUrls.set(prisma, databaseUrl);
    return prisma;
  }
  const file = sqliteFileFromUrl(databaseUrl);
  if (file !== ':memory:') ownerOnly(file);
  const factory = new SqliteAdapterFactory({ url: file });
  const prisma = new PrismaClient({ adapter: factory });
  sqliteFactories.set(prisma, factory);
  // WAL lets readers work while an intake is written; secure_delete overwrites
  // freed pages so a destroyed sealed contact does not linger in the file.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$executeRawUnsafe('PRAGMA secure_delete = ON');
  await prisma.$executeRawUnsafe(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  engines.set(prisma, 'sqlite');
  return prisma;
}

/**
 * The driver adapter's factory, keeping the better-sqlite3 connection it opens: the hottest
 * statement (creating an intake) runs on that very connection, synchronously, instead of
 * through Prisma's query compiler (see sqliteConnection).
 */
class SqliteAdapterFactory extends PrismaBetterSQLite3 {
  connection?: Database.Database;
  override async connect() {
    const adapter = await super.connect();
    this.connection = (adapter as unknown as { client: Database.Database }).client;
    return adapter;
  }
}

const sqliteFactories = new WeakMap<object, SqliteAdapterFactory>();

/**
 * The open better-sqlite3 connection under a SQLite client, when no transaction of Prisma's
 * is open on it (an interactive transaction holds it across awaits: a statement run now
 * would join that transaction). Statements run on it synchronously, in one turn of the
 * event loop, so nothing of Prisma's can interleave with them. Undefined otherwise
 * (PostgreSQL, not connected yet, or busy): use Prisma.
 */
export function sqliteConnection(prisma: object): Database.Database | undefined {
  const connection = sqliteFactories.get(prisma)?.connection;
  return connection?.open && !connection.inTransaction ? connection : undefined;
}

/** Creates the database's folder (0700) and file (0600), or narrows them if they are wider. */
function ownerOnly(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const target of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(target).mode & 0o077) !== 0) fs.chmodSync(target, 0o600);
    } catch {
      // Not there yet, or not ours to change (a shared folder): SQLite copies the file's mode to it.
    }
  }
}

/**
 * Called after a sealed number (or its hash) was destroyed: no copy of its bytes may
 * stay in any database file. `secure_delete` has zeroed it in the main file's pages; the
 * indexes of the lookup hashes are rebuilt; older page images stay in the write-ahead log until a checkpoint copies the pages
 * back and truncates the log. Returns false when a reader kept the log busy (the
 * purge tries again).
 */
export async function eraseDestroyed(prisma: PrismaClient): Promise<boolean> {
  // PostgreSQL: the purge rewrites the tables that held the bytes (rewriteDestroyed); rewriting
  // them after every close would take their lock from every instance many times a minute.
  if (engineOfClient(prisma) === 'postgresql') return true;
  try {
    // better-sqlite3 waits for a busy database synchronously, holding up every request: here
    // it does not wait at all. A reader in another process (the CLI, a backup) keeps the log
    // busy for a moment; the purge's own pass erases what is left then.
    await prisma.$executeRawUnsafe('PRAGMA busy_timeout = 0');
    // Second line of defence: the small table of open requests' lookup hashes gets fresh index
    // pages, so no page of its indexes keeps a stale copy of a deleted hash (cheap: it only
    // holds open requests).
    await prisma.$executeRawUnsafe('REINDEX "OpenContact"');
    await prisma.$executeRawUnsafe('REINDEX "HandoffContact"');
    const [row] = await prisma.$queryRawUnsafe<Array<{ busy: number | bigint }>>('PRAGMA wal_checkpoint(TRUNCATE)');
    return Number(row?.busy ?? 0) === 0;
  } catch {
    // The destruction itself is committed; the purge's own pass erases what is left.
    return false;
  } finally {
    await prisma.$executeRawUnsafe(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).catch(() => undefined);
  }
}

/**
 * After a migration: a migration that rebuilds a table (SQLite copies it into a new one)
 * runs on the migrator's own connection, without `secure_delete`, so the old table's pages
 * keep their bytes (sealed numbers, hashes) in the free list. VACUUM rewrites the file from
 * the live rows only; the checkpoint then empties the write-ahead log.
 */
export async function compactAfterMigration(prisma: PrismaClient): Promise<void> {
  if (engineOfClient(prisma) === 'postgresql') return;
  await prisma.$executeRawUnsafe('VACUUM');
  await eraseDestroyed(prisma);
}

/** Tables whose deleted rows held sealed numbers or their hashes (small: open requests, unsent SMS). */
const SEALED_TABLES = ['"OpenContact"', '"OutboxMessage"', '"HandoffContact"'];

/**
 * The purge's erasure. SQLite: as after every destruction (eraseDestroyed). PostgreSQL:
 * a deleted row stays in its table file as a dead tuple, and VACUUM marks its space free
 * without overwriting it; VACUUM FULL writes the small tables that held sealed numbers
 * (and their indexes, and TOAST) into new files, and the old ones are emptied at once.
 * Planner statistics never sample those columns (the migration sets their statistics
 * target to 0). The write-ahead log keeps older page images until PostgreSQL recycles
 * its segments. Returns false when the tables were busy (the next purge tries again).
 */
export async function rewriteDestroyed(prisma: PrismaClient): Promise<boolean> {
  if (engineOfClient(prisma) === 'sqlite') return eraseDestroyed(prisma);
  const url = postgresUrls.get(prisma);
  if (!url) return false;
  // Its own connection: VACUUM cannot run in a transaction, and its lock timeout is this
  // connection's alone. VACUUM FULL takes the tables' exclusive lock: it never waits for it
  // long (the requests come first), nor holds up the requests behind it for long.
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({ connectionString: url, options: '-c lock_timeout=2000 -c statement_timeout=60000' });
  try {
    await client.connect();
    await client.query(`VACUUM (FULL) ${SEALED_TABLES.join(', ')}`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Each engine's migrations folder: a folder is tied to one provider. */
function migrationsDir(engine: DatabaseEngine): string {
  return engine === 'postgresql' ? path.join(__dirname, '..', 'prisma', 'postgresql', 'migrations') : path.join(__dirname, '..', 'prisma', 'migrations');
}

/** Migration folders not yet applied to the database (all of them for a new file). */
export async function pendingMigrations(prisma: PrismaClient): Promise<string[]> {
  const wanted = fs
    .readdirSync(migrationsDir(engineOfClient(prisma)), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  let applied: string[] = [];
  try {
    const rows = await prisma.$queryRawUnsafe<Array<{ migration_name: string }>>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    applied = rows.map((r) => r.migration_name);
  } catch {
    // No migrations table yet: a new database.
  }
  return wanted.filter((name) => !applied.includes(name));
}

/**
 * Opens the database, first applying migrations if any are pending. A database
 * already up to date is not touched, so the CLI works beside a running server.
 */
export async function openMigratedDatabase(databaseUrl: string): Promise<PrismaClient> {
  const prisma = await createPrisma(databaseUrl);
  if ((await pendingMigrations(prisma)).length === 0) return prisma;
  await prisma.$disconnect();
  await migrateDatabase(databaseUrl);
  const migrated = await createPrisma(databaseUrl);
  await compactAfterMigration(migrated);
  return migrated;
}

const PRISMA_CLI = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

/** Migrations could not be applied: the message names DATABASE_URL and gives Prisma's reason (never the URL). */
export class MigrationError extends Error {
  constructor(reason: string) {
    super(`DATABASE_URL: the database's migrations could not be applied: ${reason}`);
    this.name = 'MigrationError';
  }
}

/** Applies pending migrations (`prisma migrate deploy`) to the database at `databaseUrl`. */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  // prisma.config.ts picks the engine's schema, migrations folder and driver adapter from DATABASE_URL.
  const url = engineOf(databaseUrl) === 'postgresql' ? databaseUrl : `file:${sqliteFileFromUrl(databaseUrl)}`;
  try {
    await promisify(execFile)(process.execPath, [PRISMA_CLI, 'migrate', 'deploy'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
  } catch (err) {
    const output = String((err as { stderr?: string }).stderr ?? '');
    const reason = /^Error: (.+)$/m.exec(output)?.[1] ?? output.trim().split('\n').pop() ?? 'unknown error';
    throw new MigrationError(reason.split(url).join('<DATABASE_URL>'));
  }
}
