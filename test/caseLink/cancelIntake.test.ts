import { cancelIntake } from '../../src/caseLink/cancelIntake';
import { createIntake } from '../../src/caseLink/createIntake';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import type { PrismaClient } from '../../src/db';
import { createTestServer, seededRandomBytes, TEST_ENV, type TestServer } from '../support/testServer';

const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));

describe('cancelIntake', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  async function open(): Promise<string> {
    const deps = { prisma: t.server.prisma, keyring, config: t.config, clock: t.clock.now, randomBytes: seededRandomBytes(5) };
    const result = await createIntake(deps, {
      channel: 'ussd',
      sessionHash: keyring.hash('cancel-session'),
      requesterHash: keyring.hash('+221770003331'),
      contact: '+221770003331',
      subject: 'self',
      language: 'fr',
      callerGender: 'any',
      timeWindow: 'any',
      cover: 'friend',
    });
    if (result.outcome !== 'ok') throw new Error('no intake');
    return result.reference;
  }

  it('cancels an open intake, destroys its number and writes one audit entry', async () => {
    const reference = await open();
    expect(await cancelIntake({ prisma: t.server.prisma, clock: t.clock.now, keyring }, { reference })).toBe('ok');
    const intake = await t.server.prisma.intake.findFirstOrThrow({ include: { events: true } });
    expect(intake).toMatchObject({ status: 'cancelled', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    expect(intake.events.map((e) => e.action)).toEqual(['intake.created', 'intake.cancelled']);
    expect(await cancelIntake({ prisma: t.server.prisma, clock: t.clock.now, keyring }, { reference })).toBe('notFound');
  });

  it('an intake closed between the lookup and the update is not cancelled, and the audit log does not say it was', async () => {
    const reference = await open();
    const prisma = t.server.prisma;
    // The desk closes the intake right after cancelIntake found it.
    const intake = new Proxy(prisma.intake, {
      get(delegate, name) {
        if (name === 'findFirst') {
          return async (args: Parameters<PrismaClient['intake']['findFirst']>[0]) => {
            const found = await delegate.findFirst(args);
            if (found) await delegate.update({ where: { id: found.id }, data: { status: 'closed' } });
            return found;
          };
        }
        const value = Reflect.get(delegate, name);
        return typeof value === 'function' ? value.bind(delegate) : value;
      },
    });
    const racing = new Proxy(prisma, {
      get(client, name) {
        if (name === 'intake') return intake;
        const value = Reflect.get(client, name);
        return typeof value === 'function' ? value.bind(client) : value;
      },
    });
    expect(await cancelIntake({ prisma: racing, clock: t.clock.now, keyring }, { reference })).toBe('notFound');
    const events = await prisma.auditEvent.findMany({ where: { action: 'intake.cancelled' } });
    expect(events).toHaveLength(0);
    expect((await prisma.intake.findFirstOrThrow()).status).toBe('closed');
  });
});
