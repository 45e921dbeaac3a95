import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { openMigratedDatabase } from '../../src/db';
import { createServer } from '../../src/server';
import { loadConfig } from '../../src/config';
import { seededRandomBytes } from '../../src/clock';
import { referenceHash } from '../../src/caseLink/referenceCode';
import { TEST_ENV, TestClock } from '../support/testServer';

const MIGRATIONS = path.join(__dirname, '..', '..', 'prisma', 'migrations');

/** A database as an older version left it: the migrations up to `last` applied, recorded as Prisma records them. */
function databaseAt(file: string, last: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL,
    "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
  for (const name of fs.readdirSync(MIGRATIONS).filter((n) => n <= last && fs.statSync(path.join(MIGRATIONS, n)).isDirectory()).sort()) {
    const sql = fs.readFileSync(path.join(MIGRATIONS, name, 'migration.sql'), 'utf8');
    db.exec(sql);
    db.prepare('INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count") VALUES (?, ?, ?, ?, 1)').run(
      crypto.randomUUID(),
      crypto.createHash('sha256').update(sql).digest('hex'),
      new Date().toISOString(),
      name,
    );
  }
  return db;
}

describe('upgrading a database made before reference codes were hashed', () => {
  it('keeps no clear code, and once destroyed no sealed number, in any database file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-upgrade-'));
    const file = path.join(dir, 'passerelle.db');
    const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));
    const db = databaseAt(file, '20261124010000_desk_and_outbox');
    const insert = db.prepare(`INSERT INTO "Intake" ("id", "reference", "status", "queue", "channel", "subject", "language", "callerGender", "timeWindow", "cover",
      "sessionHash", "requesterHash", "contactHash", "sealedContact", "contactNonce", "contactKeyId", "createdAt", "updatedAt", "expiresAt")
      VALUES (?, ?, 'pending', 'gbv', 'ussd', 'self', 'fr', 'any', 'any', 'friend', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const now = Date.parse('2026-11-24T09:00:00Z');
    const rows: Array<{ id: string; code: string; ciphertext: string; hash: string }> = [];
    for (let i = 0; i < 300; i += 1) {
      const id = crypto.randomBytes(16).toString('hex');
      const code = String(22_345_678 + i * 97).replace(/[01]/g, '9');
      const number = `+22177${String(5_000_000 + i)}`;
      const sealed = keyring.seal(number, id);
      const hash = keyring.hash(number);
      insert.run(id, code, keyring.hash(`session-${i}`), hash, hash, sealed.ciphertext, sealed.nonce, sealed.keyId, now, now, now + 72 * 3_600_000);
      rows.push({ id, code, ciphertext: sealed.ciphertext, hash });
    }
    db.prepare(`INSERT INTO "Handoff" ("id", "intakeId", "adapter", "payload", "status", "nextAttemptAt", "createdAt") VALUES ('h1', ?, 'webhook', ?, 'pending', ?, ?)`).run(
      rows[0].id,
      JSON.stringify({ reference: rows[0].code, queue: 'gbv', language: 'fr' }),
      now,
      now,
    );
    db.close();

    const prisma = await openMigratedDatabase(`file:${file}`);
    const clock = new TestClock();
    const config = loadConfig({ ...TEST_ENV, DATA_DIR: dir, DATABASE_URL: `file:${file}` });
    const server = await createServer({ config, logger: pino({ level: 'silent' }), keyring, prisma, clock: clock.now, randomBytes: seededRandomBytes(3) });
    try {
      const bytes = () => ['', '-wal', '-shm'].filter((s) => fs.existsSync(file + s)).map((s) => fs.readFileSync(file + s).toString('latin1')).join('\n');
      // The codes are now keyed hashes, and the queued hand-off carries the label.
      const first = await prisma.intake.findUniqueOrThrow({ where: { id: rows[0].id } });
      expect(first.referenceHash).toBe(referenceHash(keyring, rows[0].code));
      expect(first.label).toMatch(/^OLD-[0-9A-F]{8}$/);
      expect(JSON.parse((await prisma.handoff.findUniqueOrThrow({ where: { id: 'h1' } })).payload)).toEqual({ label: first.label, queue: 'gbv', language: 'fr' });
      const all = bytes();
      expect(rows.filter((r) => all.includes(r.code)).map((r) => r.code)).toEqual([]);

      // Their time runs out: no sealed number and no hash of one is left anywhere, the old table's pages included.
      clock.advance(73 * 3_600_000);
      await server.purge();
      const after = bytes();
      expect(rows.filter((r) => after.includes(r.ciphertext)).length).toBe(0);
      expect(rows.filter((r) => after.includes(r.hash)).length).toBe(0);
    } finally {
      await server.close();
      await prisma.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
