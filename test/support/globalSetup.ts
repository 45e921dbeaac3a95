import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../src/db';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuilt } = require('../../scripts/build') as { ensureBuilt(): void };
import { ensurePackages } from './ensurePackages';
import { adminQuery, onScaleStorage, postgresUrlOf } from './scale';

/**
 * Before any test: the Debian packages this run's tests need (Chromium, nginx, systemd's
 * tools: installed here when it can be, or one line saying what to run), and one migrated template database
 * that each test file copies (fast, isolated).
 */
export default async function globalSetup(globalConfig: { testPathPatterns?: { patterns?: string[] } }): Promise<void> {
  ensurePackages(path.join(__dirname, '..'), globalConfig.testPathPatterns?.patterns ?? []);
  // The compiled server (dist/), as `npm start` runs it: rebuilt here, before any test, if the sources changed.
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-test-'));
  const file = path.join(dir, 'template.db');
  await migrateDatabase(`file:${file}`);
  process.env.PASSERELLE_TEST_TEMPLATE = file;
  if (onScaleStorage()) {
    // PostgreSQL: one migrated template database per run, which each test server copies.
    const template = `passerelle_template_${process.pid}`;
    await adminQuery(`DROP DATABASE IF EXISTS "${template}"`);
    await adminQuery(`CREATE DATABASE "${template}"`);
    await migrateDatabase(postgresUrlOf(template));
    process.env.PASSERELLE_TEST_POSTGRES_TEMPLATE = template;
  }
}
