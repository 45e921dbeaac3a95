import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { postgresqlSchema } from '../../scripts/prismaSchemas';

const ROOT = path.join(__dirname, '..', '..');
const PRISMA_CLI = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

/** Every table's columns, indexes and foreign keys, order-independent (ALTER TABLE appends columns). */
function shape(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations' ORDER BY name")
      .all() as Array<{ name: string }>;
    return Object.fromEntries(
      tables.map(({ name }) => {
        const columns = (db.prepare(`PRAGMA table_info("${name}")`).all() as Array<Record<string, unknown>>)
          .map(({ name: column, type, notnull, dflt_value, pk }) => ({ column, type, notnull, dflt_value, pk }))
          .sort((a, b) => String(a.column).localeCompare(String(b.column)));
        const indexes = (db.prepare(`PRAGMA index_list("${name}")`).all() as Array<{ name: string; unique: number }>)
          .map((index) => ({ name: index.name, unique: index.unique, columns: (db.prepare(`PRAGMA index_info("${index.name}")`).all() as Array<{ name: string }>).map((c) => c.name) }))
          .sort((a, b) => a.name.localeCompare(b.name));
        const foreignKeys = (db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as Array<Record<string, unknown>>)
          .map(({ table, from, to, on_update, on_delete }) => ({ table, from, to, on_update, on_delete }))
          .sort((a, b) => String(a.from).localeCompare(String(b.from)));
        return [name, { columns, indexes, foreignKeys }];
      }),
    );
  } finally {
    db.close();
  }
}

describe('the migrations', () => {
  it('build exactly the schema of prisma/schema.prisma (they cannot drift apart)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-drift-'));
    const fresh = path.join(dir, 'fresh.db');
    const { stdout: script } = await promisify(execFile)(process.execPath, [PRISMA_CLI, 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `file:${path.join(dir, 'unused.db')}`, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    const db = new Database(fresh);
    db.exec(script);
    db.close();
    const migrated = process.env.PASSERELLE_TEST_TEMPLATE!;
    expect(shape(migrated)).toEqual(shape(fresh));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('for PostgreSQL use the schema generated from prisma/schema.prisma, the one source (npm run schemas; their migrations: npm run test:scale)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'prisma', 'postgresql', 'schema.prisma'), 'utf8')).toBe(postgresqlSchema());
    expect(fs.readFileSync(path.join(ROOT, 'prisma', 'postgresql', 'migrations', 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
  });
});
