import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { DEFAULT_DATABASE_URL, isPostgresUrl, sqliteFileFromUrl } from './src/databaseUrl';
import { postgresAdapterFactory } from './src/dbPostgres';

// The schema reads DATABASE_URL; without a value the CLI cannot read the schema and
// falls back to a native engine that it would try to download.
process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
const url = process.env.DATABASE_URL;

// One schema source, two engines: SQLite (the embedded default) and PostgreSQL (at
// scale), each with its generated client and its migrations folder. The engine is the
// DATABASE_URL's. The JS schema engine with a driver adapter works offline; it never
// falls back to a native engine it would download.
export default isPostgresUrl(url)
  ? defineConfig({
      experimental: { adapter: true },
      engine: 'js',
      schema: path.join('prisma', 'postgresql', 'schema.prisma'),
      migrations: { path: path.join('prisma', 'postgresql', 'migrations') },
      async adapter() {
        return postgresAdapterFactory(url);
      },
    })
  : defineConfig({
      experimental: { adapter: true },
      engine: 'js',
      schema: path.join('prisma', 'schema.prisma'),
      migrations: { path: path.join('prisma', 'migrations') },
      async adapter() {
        const file = sqliteFileFromUrl(url);
        if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
        return new PrismaBetterSQLite3({ url: file });
      },
    });
