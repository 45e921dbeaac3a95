import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../src/db';

/** Migrates one template database per run; each test file copies it (fast, isolated). */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-test-'));
  const file = path.join(dir, 'template.db');
  await migrateDatabase(`file:${file}`);
  process.env.PASSERELLE_TEST_TEMPLATE = file;
}
