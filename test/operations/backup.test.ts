import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { adminQuery, onScaleStorage, postgresUrlOf } from '../support/scale';
import { childEnv, createTestServer, testKeyring, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const BIN = path.join(__dirname, '..', '..', 'bin', 'passerelle.js');
const run = promisify(execFile);

/** `passerelle backup`: a consistent copy of the live database, taken while people keep making requests. */
describe('passerelle backup', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** One whole callback request over USSD, from its own number. */
  async function request(n: number) {
    const phone = new UssdSession(t.server.app, `+2217799905${String(n).padStart(2, '0')}`);
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    return phone.send('1');
  }

  it('copies a live database while requests are being made, and the copy opens and reads', async () => {
    for (let i = 0; i < 5; i += 1) await request(i);
    const output = path.join(t.dir, 'backups', 'passerelle-backup.db');
    let done = false;
    let made = 5;
    // Requests go on, as on a live server, until the backup has finished.
    const traffic = (async () => {
      while (!done) expect(await request(made++)).toMatch(/^END Demande enregistrée/);
    })();
    const backup = run(process.execPath, [BIN, 'backup', '--output', output], { env: childEnv(t) }).finally(() => (done = true));
    const { stdout, stderr } = await backup;
    await traffic;
    // Requests were answered while the copy was being taken.
    expect(made).toBeGreaterThan(6);
    expect(stdout).toMatch(/^backup written: .*passerelle-backup\.db \((sqlite|postgresql), \d+ bytes, \d+ tables.*, checked\)$/m);
    expect(stderr).toMatch(/keep it no longer than INTAKE_TTL_HOURS \(72 h\)/);
    expect((fs.statSync(output).mode & 0o777).toString(8)).toBe('600');
    const total = await t.server.prisma.intake.count();

    if (onScaleStorage()) {
      // PostgreSQL: the dump restores into a new database, which holds the requests made before it.
      const restored = `restored_${process.pid}`;
      await adminQuery(`CREATE DATABASE "${restored}"`);
      try {
        await run('pg_restore', ['--no-owner', `--dbname=${postgresUrlOf(restored)}`, output]);
        const [{ n }] = await adminQuery<{ n: string }>('SELECT COUNT(*) AS n FROM "Intake"', [], restored);
        expect(Number(n)).toBeGreaterThanOrEqual(5);
        expect(Number(n)).toBeLessThanOrEqual(total);
      } finally {
        await adminQuery(`DROP DATABASE "${restored}" WITH (FORCE)`);
      }
      return;
    }
    const copy = new Database(output, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const n = (copy.prepare('SELECT COUNT(*) AS n FROM "Intake"').get() as { n: number }).n;
      expect(n).toBeGreaterThanOrEqual(5);
      expect(n).toBeLessThanOrEqual(total);
      // A restore works: the copy's sealed numbers open with the keys.
      const row = copy.prepare('SELECT "intakeId", "sealedContact", "contactNonce", "contactKeyId" FROM "OpenContact" LIMIT 1').get() as Record<string, string>;
      expect(testKeyring().unseal({ ciphertext: row.sealedContact, nonce: row.contactNonce, keyId: row.contactKeyId }, row.intakeId)).toMatch(/^\+2217799905\d\d$/);
    } finally {
      copy.close();
    }
  });

  it('never overwrites a file, and says so', async () => {
    const existing = path.join(t.dir, 'already-there.db');
    fs.writeFileSync(existing, 'not a backup');
    await expect(run(process.execPath, [BIN, 'backup', '--output', existing], { env: childEnv(t) })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists/) });
    expect(fs.readFileSync(existing, 'utf8')).toBe('not a backup');
  });
});
