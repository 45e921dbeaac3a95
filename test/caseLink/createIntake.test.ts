import { createIntake, OPEN_COUNT_SQL, type CreateIntakeOptions } from '../../src/caseLink/createIntake';
import { sqliteConnection } from '../../src/db';
import { onScaleStorage } from '../support/scale';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { createTestServer, seededRandomBytes, TEST_ENV, type TestServer } from '../support/testServer';

const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));

describe('createIntake', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  const options = (session: string, contact = '+221770001111'): CreateIntakeOptions => ({
    channel: 'ussd',
    sessionHash: keyring.hash(session),
    requesterHash: keyring.hash(contact),
    contact,
    subject: 'self',
    language: 'fr',
    callerGender: 'any',
    timeWindow: 'any',
    cover: 'friend',
  });

  it('is idempotent for a session, even when two retries race', async () => {
    const deps = { prisma: t.server.prisma, keyring, config: t.config, clock: t.clock.now, randomBytes: seededRandomBytes(7) };
    const results = await Promise.all([createIntake(deps, options('s1')), createIntake(deps, options('s1')), createIntake(deps, options('s1'))]);
    expect(await t.server.prisma.intake.count()).toBe(1);
    // One creates it; the others find it and learn nothing of its code.
    expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'exists')).toHaveLength(2);
    expect(new Set(results.map((r) => (r.outcome === 'limit' ? 'limit' : r.intakeId))).size).toBe(1);
  });

  it('draws another reference code when one collides', async () => {
    const deps = { prisma: t.server.prisma, keyring, config: { ...t.config, MAX_OPEN_REQUESTS: 10 }, clock: t.clock.now };
    const a = await createIntake({ ...deps, randomBytes: seededRandomBytes(3) }, options('a', '+221770001112'));
    // The second intake's first draw gives a new id but the reference code the first one holds.
    const same = seededRandomBytes(3);
    same(16);
    const fresh = seededRandomBytes(11);
    const draws: number[] = [];
    const randomBytes = (n: number) => {
      draws.push(n);
      if (draws.length === 1) return Buffer.alloc(16, 1);
      return draws.length === 2 ? same(n) : fresh(n);
    };
    const b = await createIntake({ ...deps, randomBytes }, options('b', '+221770001113'));
    expect(draws).toEqual([16, 8, 6, 16, 8, 6]);
    expect(a.outcome === 'ok' && b.outcome === 'ok' && a.reference !== b.reference).toBe(true);
    expect(await t.server.prisma.intake.count()).toBe(2);
  });

  it('counts open requests by the callback number too, not only the requester', async () => {
    const deps = { prisma: t.server.prisma, keyring, config: t.config, clock: t.clock.now, randomBytes: seededRandomBytes(9) };
    await createIntake(deps, { ...options('x1', '+221770002221'), requesterHash: keyring.hash('+221770009991') });
    await createIntake(deps, { ...options('x2', '+221770002221'), requesterHash: keyring.hash('+221770009992') });
    const third = await createIntake(deps, { ...options('x3', '+221770002221'), requesterHash: keyring.hash('+221770009993') });
    expect(third).toEqual({ outcome: 'limit' });
    const refused = await t.server.prisma.auditEvent.findMany({ where: { action: 'intake.refused' } });
    expect(refused).toHaveLength(1);
    expect(refused[0].detail).not.toMatch(/2221/);
  });

  // SQLite's own path and query plan (the PostgreSQL run of `npm run test:scale` has only Prisma's).
  const onSqlite = onScaleStorage() ? it.skip : it;

  onSqlite('writes the same rows on the direct SQLite path as through Prisma', async () => {
    const deps = { prisma: t.server.prisma, keyring, config: t.config, clock: t.clock.now, randomBytes: seededRandomBytes(21) };
    const connection = sqliteConnection(t.server.prisma);
    expect(connection).toBeDefined();
    const direct = await createIntake(deps, { ...options('d1', '+221770003331'), topic: 'health' });
    // While one of Prisma's transactions holds the connection, the intake goes through Prisma.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const outer = t.server.prisma.$transaction(async () => held, { timeout: 10_000 });
    while (!connection!.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    expect(sqliteConnection(t.server.prisma)).toBeUndefined();
    const viaPrisma = createIntake(deps, { ...options('d2', '+221770003332'), topic: 'health' });
    release();
    await outer;
    const other = await viaPrisma;
    expect(direct.outcome).toBe('ok');
    expect(other.outcome).toBe('ok');

    const read = (id: string) => t.server.prisma.intake.findUniqueOrThrow({ where: { id }, include: { openContact: true, events: { select: { action: true, actor: true, detail: true, at: true } } } });
    const strip = ({ id: _id, referenceHash: _r, label: _l, sessionHash: _s, openContact, events, ...rest }: Awaited<ReturnType<typeof read>>) => ({
      ...rest,
      contactKeyId: openContact?.contactKeyId,
      events,
    });
    const a = await read((direct as { intakeId: string }).intakeId);
    const b = await read((other as { intakeId: string }).intakeId);
    expect(strip(a)).toEqual(strip(b));
    expect(a.createdAt).toEqual(t.clock.now());
    expect(a.updatedAt).toEqual(t.clock.now());
    expect(a.expiresAt.getTime() - a.createdAt.getTime()).toBe(t.config.INTAKE_TTL_HOURS * 3_600_000);
    expect(keyring.unseal({ ciphertext: a.openContact!.sealedContact, nonce: a.openContact!.contactNonce, keyId: a.openContact!.contactKeyId }, a.id)).toBe('+221770003331');
    // Stored alike, column by column (types and the adapter's date format).
    const raw = connection!.prepare('SELECT typeof("createdAt") AS t, "createdAt" AS c, typeof("topic") AS tt FROM "Intake" ORDER BY "rowid"').all();
    expect(raw[0]).toEqual(raw[1]);
  });

  onSqlite('finds the open requests of a number through its indexes, never by reading every pending request', () => {
    const connection = sqliteConnection(t.server.prisma)!;
    const plan = (connection.prepare(`EXPLAIN QUERY PLAN ${OPEN_COUNT_SQL}`).all('a', 'b', 'c') as Array<{ detail: string }>).map((r) => r.detail);
    expect(plan).toEqual(expect.arrayContaining([expect.stringMatching(/OpenContact_requesterHash_idx/), expect.stringMatching(/OpenContact_contactHash_idx/)]));
    expect(plan.filter((d) => /^SCAN (i|"?Intake"?)\b|USING INDEX Intake_status/.test(d))).toEqual([]);
  });
});
