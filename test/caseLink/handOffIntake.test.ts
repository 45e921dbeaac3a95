import { claimIntake } from '../../src/caseLink/claimIntake';
import { handOffIntake } from '../../src/caseLink/handOffIntake';
import { recordConsent } from '../../src/caseLink/recordConsent';
import { recordOutcome } from '../../src/caseLink/recordOutcome';
import { toActor } from '../../src/desk/auth';
import type { PrismaClient } from '../../src/db';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

describe('handOffIntake', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses (409 consent_changed) when the consent recorded earlier changes while it hands off, and keeps nothing for the adapter', async () => {
    const ctx = t.server.desk.context;
    const staff = await makeStaff(t);
    const actor = toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staff.id } }));
    const intake = await makeIntake(t);
    await claimIntake(ctx, { intakeId: intake.id, actor });
    await recordOutcome(ctx, { intakeId: intake.id, actor, outcome: 'reached' });
    await recordConsent(ctx, { intakeId: intake.id, actor, consent: { services: true, shareWithOrganisations: true, shareNumber: true } });

    // The person takes back their consent to share the number (another tap, another screen) between the
    // hand-off's read and its commit: the hand-off must not go on with the answers it read.
    const withdrawn = { services: true, shareWithOrganisations: true, shareNumber: false };
    const racing = new Proxy(t.server.prisma, {
      get(target, prop) {
        if (prop === '$transaction') {
          return async (...args: Parameters<PrismaClient['$transaction']>) => {
            t.clock.advance(1000);
            await recordConsent(ctx, { intakeId: intake.id, actor, consent: withdrawn });
            return (target.$transaction as (...a: unknown[]) => unknown)(...args);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const carrier = { name: 'carrier', carriesNumber: true };
    await expect(handOffIntake({ ...ctx, prisma: racing as PrismaClient, handoffAdapter: carrier }, { intakeId: intake.id, actor, adapter: carrier.name })).rejects.toMatchObject({
      code: 'consent_changed',
      status: 409,
    });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', consentShareNumber: false, contactDestroyedAt: null });
    expect(await t.server.prisma.handoff.count({ where: { intakeId: intake.id } })).toBe(0);
    expect(await t.server.prisma.handoffContact.count()).toBe(0);

    // Handed off again, on the answers as they are now: no number is kept.
    const { handoffId } = await handOffIntake({ ...ctx, handoffAdapter: carrier }, { intakeId: intake.id, actor, adapter: carrier.name });
    const handoff = await t.server.prisma.handoff.findUniqueOrThrow({ where: { id: handoffId }, include: { contact: true } });
    expect(JSON.parse(handoff.payload).consent).toMatchObject(withdrawn);
    expect(handoff.contact).toBeNull();
  });

  it('keeps the number only for an adapter that sends it, and only with consent to share it', async () => {
    const ctx = t.server.desk.context;
    const staff = await makeStaff(t);
    const actor = toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staff.id } }));
    const cases = [
      { adapter: { name: 'carrier', carriesNumber: true }, shareNumber: true, kept: true },
      { adapter: { name: 'carrier', carriesNumber: true }, shareNumber: false, kept: false },
      { adapter: { name: 'webhook' }, shareNumber: true, kept: false },
    ];
    for (const { adapter, shareNumber, kept } of cases) {
      const intake = await makeIntake(t);
      await claimIntake(ctx, { intakeId: intake.id, actor });
      await recordOutcome(ctx, { intakeId: intake.id, actor, outcome: 'reached' });
      const { handoffId } = await handOffIntake(
        { ...ctx, handoffAdapter: adapter },
        { intakeId: intake.id, actor, adapter: adapter.name, consent: { services: true, shareWithOrganisations: false, shareNumber } },
      );
      expect({ adapter: adapter.name, shareNumber, kept: (await t.server.prisma.handoffContact.count({ where: { handoffId } })) === 1 }).toEqual({ adapter: adapter.name, shareNumber, kept });
    }
  });
});
