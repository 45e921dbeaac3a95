import fs from 'node:fs';
import Database from 'better-sqlite3';
import { eraseDestroyed } from '../../src/db';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Issue: after close and purge, the main database file held no copy of a closed
 * request's sealed number, but `-wal` held 9 copies of the ciphertext and 27 of its
 * lookup hash. Now, after any destruction, neither remains in the database file, its
 * `-wal` or its `-shm`: searched for here as bytes (the stored base64 text and the raw
 * ciphertext it encodes, and the hex hash).
 */
function filesOf(dbFile: string): Array<[string, Buffer]> {
  return ['', '-wal', '-shm', '-journal'].filter((s) => fs.existsSync(dbFile + s)).map((s) => [s || 'main', fs.readFileSync(dbFile + s)]);
}

/** Where each secret still appears, if anywhere: `[]` when it is gone from every file. */
function leftovers(dbFile: string, secrets: Record<string, string | Buffer>): string[] {
  const found: string[] = [];
  for (const [file, bytes] of filesOf(dbFile)) {
    for (const [name, secret] of Object.entries(secrets)) if (bytes.includes(typeof secret === 'string' ? Buffer.from(secret, 'latin1') : secret)) found.push(`${name} in ${file}`);
  }
  return found;
}

describe('a destroyed number leaves no bytes in any database file', () => {
  let t: TestServer;
  let staff: Awaited<ReturnType<typeof makeStaff>>;
  beforeEach(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50', MAX_CALL_ATTEMPTS: '2' });
    staff = await makeStaff(t);
  });
  afterEach(async () => {
    await t.close();
  });
  const api = (path: string, body?: object) =>
    t.http
      .post(path)
      .set(staff.auth)
      .send(body ?? {});

  /** A request made and its sealed values read back: the secrets to search for after destruction. */
  async function sealedRequest() {
    const { id } = await makeIntake(t);
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id }, include: { openContact: true } });
    const secrets = {
      ciphertext: row.openContact!.sealedContact,
      rawCiphertext: Buffer.from(row.openContact!.sealedContact, 'base64'),
      contactHash: row.openContact!.contactHash,
      requesterHash: row.openContact!.requesterHash,
    };
    expect(leftovers(t.dbFile, secrets).length).toBeGreaterThan(0);
    return { id, secrets };
  }

  it.each([
    [
      'closed',
      async (id: string) => {
        await api(`/api/v1/intakes/${id}/claim`);
        await api(`/api/v1/intakes/${id}/close`, { reason: 'resolved' });
      },
    ],
    [
      'handed off',
      async (id: string) => {
        await api(`/api/v1/intakes/${id}/claim`);
        await api(`/api/v1/intakes/${id}/outcome`, { outcome: 'reached' });
        await api(`/api/v1/intakes/${id}/handoff`, { consent: { services: true, shareWithOrganisations: false, shareNumber: false } });
      },
    ],
    [
      'expired after the last call attempt',
      async (id: string) => {
        for (let i = 0; i < 2; i += 1) {
          await api(`/api/v1/intakes/${id}/claim`);
          await api(`/api/v1/intakes/${id}/outcome`, { outcome: 'no_answer' });
        }
      },
    ],
    [
      'closed as a wrong number',
      async (id: string) => {
        await api(`/api/v1/intakes/${id}/claim`);
        await api(`/api/v1/intakes/${id}/outcome`, { outcome: 'wrong_number' });
      },
    ],
    [
      'expired by the purge',
      async () => {
        t.clock.advance((t.config.INTAKE_TTL_HOURS + 1) * 3_600_000);
        await t.server.purge();
      },
    ],
  ])('once %s', async (_label, destroy) => {
    const { id, secrets } = await sealedRequest();
    await destroy(id);
    expect(await t.server.prisma.openContact.count({ where: { intakeId: id } })).toBe(0);
    expect(leftovers(t.dbFile, secrets)).toEqual([]);
  });

  it('once cancelled by the person, and the requester hash once the purge has run', async () => {
    const phone = new UssdSession(t.server.app, '+221770000801');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const code = codeShownIn(await phone.send('1'));
    const row = await t.server.prisma.intake.findFirstOrThrow({ include: { openContact: true } });
    const secrets = {
      ciphertext: row.openContact!.sealedContact,
      rawCiphertext: Buffer.from(row.openContact!.sealedContact, 'base64'),
      contactHash: row.openContact!.contactHash,
      requesterHash: row.openContact!.requesterHash,
    };
    const cancel = new UssdSession(t.server.app, '+221770000801');
    await cancel.dial();
    expect(await cancel.send(`1*5*${code}`)).toMatch(/^END Demande annulée/);
    expect(leftovers(t.dbFile, secrets)).toEqual([]);
    await t.server.purge();
    expect(leftovers(t.dbFile, { ...secrets, referenceHash: row.referenceHash })).toEqual(['referenceHash in main']);
  });

  it('with hundreds of requests, whose indexes keep copies of keys in their inner pages', async () => {
    const made = [];
    for (let i = 0; i < 400; i += 1) made.push(await sealedRequest());
    // Every other one is closed, one by one, while the others stay open around them; then the rest expires together.
    const toClose = made.filter((_, i) => i % 2 === 0);
    for (const { id } of toClose) {
      await api(`/api/v1/intakes/${id}/claim`);
      expect((await api(`/api/v1/intakes/${id}/close`, { reason: 'resolved' })).status).toBe(200);
    }
    const closed = toClose.flatMap(({ secrets }) => [secrets.ciphertext, secrets.contactHash, secrets.requesterHash]);
    let bytes = filesOf(t.dbFile)
      .map(([, b]) => b.toString('latin1'))
      .join('');
    expect(closed.filter((s) => bytes.includes(s))).toEqual([]);
    t.clock.advance((t.config.INTAKE_TTL_HOURS + 1) * 3_600_000);
    await t.server.purge();
    bytes = filesOf(t.dbFile)
      .map(([, b]) => b.toString('latin1'))
      .join('');
    expect(made.flatMap(({ secrets }) => [secrets.ciphertext, secrets.contactHash, secrets.requesterHash]).filter((s) => bytes.includes(s))).toEqual([]);
  });

  it('never waits for another process holding the database: the purge erases what is left once it lets go', async () => {
    const { id, secrets } = await sealedRequest();
    // A reader in another process (the CLI, a backup) keeps a snapshot open.
    const reader = new Database(t.dbFile, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM "Intake"').get();
    await api(`/api/v1/intakes/${id}/claim`);
    await api(`/api/v1/intakes/${id}/close`, { reason: 'resolved' });
    // The checkpoint could not complete and did not wait (better-sqlite3 would hold up every request meanwhile).
    expect(await eraseDestroyed(t.server.prisma)).toBe(false);
    expect(await t.server.prisma.$queryRawUnsafe('PRAGMA busy_timeout')).toEqual([{ timeout: 5000n }]);
    reader.exec('COMMIT');
    reader.close();
    await t.server.purge();
    expect(leftovers(t.dbFile, secrets)).toEqual([]);
  });

  it('database files are the owner’s alone', async () => {
    await sealedRequest();
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(t.dbFile + suffix)) expect((fs.statSync(t.dbFile + suffix).mode & 0o777).toString(8)).toBe('600');
    }
  });
});
