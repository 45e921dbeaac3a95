/**
 * The storage-dependent tests again, on PostgreSQL + Redis (`npm run test:scale` starts
 * both and sets PASSERELLE_TEST_POSTGRES_URL, PASSERELLE_TEST_REDIS_URL and
 * PASSERELLE_TEST_POSTGRES_DATA): every file that starts a test server, plus test/scale
 * (the Redis stores, PostgreSQL's erasure and schema, three instances behind haproxy).
 * Files about SQLite's own files and migrations stay in the SQLite run.
 */
const fs = require('node:fs');
const path = require('node:path');
const base = require('./jest.config');

const SQLITE_ONLY = ['test/prisma/', 'test/security/destroyedBytes.test.ts'];

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? testFiles(file) : entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

const root = __dirname;
const files = testFiles(path.join(root, 'test'))
  .map((file) => path.relative(root, file))
  .filter((file) => file.startsWith('test/scale/') || fs.readFileSync(path.join(root, file), 'utf8').includes('createTestServer('))
  .filter((file) => !SQLITE_ONLY.some((prefix) => file.startsWith(prefix)));

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: files.map((file) => `<rootDir>/${file}`),
};
