import { createIntake, type CreateIntakeOptions } from '../../src/caseLink/createIntake';
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
});
