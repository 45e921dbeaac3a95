import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/prisma/client';
import { sqliteFileFromUrl } from './databaseUrl';

export type { PrismaClient };

/** Opens the database through the better-sqlite3 driver adapter (no native Prisma engine). */
export async function createPrisma(databaseUrl: string): Promise<PrismaClient> {
  const file = sqliteFileFromUrl(databaseUrl);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: file }) });
  // WAL lets readers work while an intake is written; secure_delete overwrites
  // freed pages so a destroyed sealed contact does not linger in the file.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$executeRawUnsafe('PRAGMA secure_delete = ON');
  await prisma.$executeRawUnsafe('PRAGMA busy_timeout = 5000');
  return prisma;
}

const PRISMA_CLI = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

/** Applies pending migrations (`prisma migrate deploy`) to the database at `databaseUrl`. */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  await promisify(execFile)(process.execPath, [PRISMA_CLI, 'migrate', 'deploy'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, DATABASE_URL: `file:${sqliteFileFromUrl(databaseUrl)}`, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
}
