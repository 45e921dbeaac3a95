import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { sqliteFileFromUrl, DEFAULT_DATABASE_URL } from './src/databaseUrl';

// The schema reads DATABASE_URL; without a value the CLI cannot read the schema and
// falls back to a native engine that it would try to download.
process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;

// The JS schema engine with the better-sqlite3 adapter works offline; the default
// URL keeps the CLI from falling back to the native engine it would download.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const file = sqliteFileFromUrl(process.env.DATABASE_URL!);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    return new PrismaBetterSQLite3({ url: file });
  },
});
