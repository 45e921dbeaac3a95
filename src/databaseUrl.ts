import path from 'node:path';

/** The default database: a file under `data/`, relative to the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./data/passerelle.db';

/** The two engines a DATABASE_URL can name. */
export type DatabaseEngine = 'sqlite' | 'postgresql';

/** Whether a DATABASE_URL names PostgreSQL (`postgresql://` or `postgres://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The engine of a DATABASE_URL: `file:` is SQLite, `postgresql://` PostgreSQL. */
export function engineOf(url: string): DatabaseEngine {
  if (isPostgresUrl(url)) return 'postgresql';
  if (url.startsWith('file:')) return 'sqlite';
  throw new Error('DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL');
}

/**
 * Turns a `file:` URL into an absolute file path, so that the CLI (which resolves
 * paths from the schema's folder) and the server (from the working directory) agree.
 */
export function sqliteFileFromUrl(url: string): string {
  if (!url.startsWith('file:')) throw new Error('DATABASE_URL must be a file: URL for SQLite');
  const file = url.slice('file:'.length).split('?')[0];
  return file === ':memory:' ? file : path.resolve(file);
}
