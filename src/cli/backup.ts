import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { engineOf, sqliteFileFromUrl } from '../databaseUrl';

export interface BackupResult {
  file: string;
  engine: 'sqlite' | 'postgresql';
  bytes: number;
  /** Tables in the copy (the check that it opens and reads it), and on SQLite the requests in it. */
  tables: number;
  intakes?: number;
}

/** Raised when the copy could not be made or does not check out; the message says why. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/**
 * A consistent copy of the live database in `output` (never over an existing file),
 * readable by its owner only: it holds sealed numbers, like the database.
 *
 * SQLite: SQLite's online backup API (through better-sqlite3), page by page, while the
 * server goes on writing; the copy is then opened, its integrity checked and its tables
 * read. PostgreSQL: `pg_dump --format=custom` (PostgreSQL's own client tools), checked by
 * `pg_restore --list`.
 */
export async function backupDatabase(databaseUrl: string, output: string): Promise<BackupResult> {
  const file = path.resolve(output);
  if (fs.existsSync(file)) throw new BackupError(`${output} already exists: choose a new file (a backup never overwrites one)`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.partial`;
  try {
    const result = engineOf(databaseUrl) === 'postgresql' ? await dumpPostgres(databaseUrl, partial) : await copySqlite(sqliteFileFromUrl(databaseUrl), partial);
    fs.renameSync(partial, file);
    return { file, ...result, bytes: fs.statSync(file).size };
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err instanceof BackupError ? err : new BackupError(`the backup failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function copySqlite(source: string, target: string): Promise<Omit<BackupResult, 'file' | 'bytes'>> {
  if (!fs.existsSync(source)) throw new BackupError(`no database at ${source} (DATABASE_URL)`);
  // Created empty and owner-only first: the backup writes into it and keeps its mode.
  fs.closeSync(fs.openSync(target, 'wx', 0o600));
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copy does not check out: ${String(check)}`);
    const tables = (copy.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    const intakes = (copy.prepare('SELECT COUNT(*) AS n FROM "Intake"').get() as { n: number }).n;
    return { engine: 'sqlite', tables, intakes };
  } finally {
    copy.close();
  }
}

async function dumpPostgres(url: string, target: string): Promise<Omit<BackupResult, 'file' | 'bytes'>> {
  const run = promisify(execFile);
  fs.closeSync(fs.openSync(target, 'wx', 0o600));
  try {
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${target}`, `--dbname=${url}`]);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new BackupError('pg_dump is not installed (apt-get install -y postgresql-client)');
    // pg_dump's own message; the URL (with its password) is never repeated.
    throw new BackupError(
      `pg_dump failed: ${String((err as { stderr?: string }).stderr ?? '')
        .split(url)
        .join('<DATABASE_URL>')
        .trim()}`,
    );
  }
  const { stdout } = await run('pg_restore', ['--list', target]);
  const tables = stdout.split('\n').filter((l) => / TABLE public /.test(l)).length;
  if (tables === 0 || !/ TABLE DATA public Intake /.test(stdout)) throw new BackupError('the dump lists no Intake table: it does not check out');
  return { engine: 'postgresql', tables };
}
