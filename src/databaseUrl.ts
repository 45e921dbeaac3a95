import path from 'node:path';

/** The default database: a file under `data/`, relative to the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./data/passerelle.db';

/**
 * Turns a `file:` URL into an absolute file path, so that the CLI (which resolves
 * paths from the schema's folder) and the server (from the working directory) agree.
 */
export function sqliteFileFromUrl(url: string): string {
  if (!url.startsWith('file:')) throw new Error('DATABASE_URL must be a file: URL for SQLite');
  const file = url.slice('file:'.length).split('?')[0];
  return file === ':memory:' ? file : path.resolve(file);
}
