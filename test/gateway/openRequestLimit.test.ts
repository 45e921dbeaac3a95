import { createIntake, type CreateIntakeOptions } from '../../src/caseLink/createIntake';
import { createTestServer, seededRandomBytes, testKeyring, type TestServer } from '../support/testServer';

const keyring = testKeyring();

/**
 * The open-request limit is kept by the database, not by a lock of one process: the
 * count and the insert are one transaction, serialised per number (SQLite's one writer;
 * PostgreSQL's advisory locks). Many requests for one number at the same moment never
 * pass it together. (Across instances: test/scale.)
 */
describe('the open-request limit under concurrency', () => {
  let t: TestServer;
  let randomBytes: (n: number) => Buffer;
  beforeEach(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '2' });
    randomBytes = seededRandomBytes(21);
  });
  afterEach(async () => {
    await t.close();
  });
  const deps = () => ({ prisma: t.server.prisma, keyring, config: t.config, clock: t.clock.now, randomBytes });
  const request = (session: string, requester: string, contact = requester): CreateIntakeOptions => ({
    channel: 'ussd',
    sessionHash: keyring.hash(session),
    requesterHash: keyring.hash(requester),
    contact,
    subject: 'self',
    language: 'fr',
    callerGender: 'any',
    timeWindow: 'any',
    cover: 'friend',
  });

  it('twelve sessions of one number confirming at once make exactly the limit of requests', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => createIntake(deps(), request(`s${i}`, '+221770000081'))));
    expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(2);
    expect(results.filter((r) => r.outcome === 'limit')).toHaveLength(10);
    expect(await t.server.prisma.intake.count()).toBe(2);
  });

  it('numbers naming the same callback number at once are held to the limit too', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => createIntake(deps(), request(`n${i}`, `+22177000009${i}`, '+221770000084'))));
    expect(results.filter((r) => r.outcome === 'ok')).toHaveLength(2);
    expect(await t.server.prisma.openContact.count({ where: { contactHash: keyring.hash('+221770000084') } })).toBe(2);
  });

  it('different numbers are not held to each other', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => createIntake(deps(), request(`d${i}`, `+22177000010${i}`))));
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
  });
});
