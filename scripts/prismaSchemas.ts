/**
 * One source of truth for the database schema: `prisma/schema.prisma` (SQLite, the
 * embedded default). The PostgreSQL schema is generated from it — same models, another
 * provider and client — and a test checks that the generated file is current, so the two
 * never drift. Run `npm run schemas` after changing the source schema, then write the
 * PostgreSQL migration (see the README's "Running at scale").
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
export const SOURCE = path.join(ROOT, 'prisma', 'schema.prisma');
export const POSTGRESQL = path.join(ROOT, 'prisma', 'postgresql', 'schema.prisma');

/** The PostgreSQL schema, as generated from the source schema. */
export function postgresqlSchema(source = fs.readFileSync(SOURCE, 'utf8')): string {
  const replaced = source.replace('output       = "../src/generated/prisma"', 'output       = "../../src/generated/postgresql"').replace('provider = "sqlite"', 'provider = "postgresql"');
  if (!replaced.includes('"../../src/generated/postgresql"') || !replaced.includes('provider = "postgresql"')) {
    throw new Error('prisma/schema.prisma: the generator output or the datasource provider line changed; update scripts/prismaSchemas.ts');
  }
  return `// GENERATED from prisma/schema.prisma by \`npm run schemas\`: do not edit (a test checks it is current).\n${replaced}`;
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(POSTGRESQL), { recursive: true });
  fs.writeFileSync(POSTGRESQL, postgresqlSchema());
  process.stdout.write(`wrote ${path.relative(ROOT, POSTGRESQL)}\n`);
}
