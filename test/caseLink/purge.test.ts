import { claimIntake } from '../../src/caseLink/claimIntake';
import { closeIntake } from '../../src/caseLink/closeIntake';
import { handOffIntake } from '../../src/caseLink/handOffIntake';
import { purge } from '../../src/caseLink/purge';
import { recordOutcome } from '../../src/caseLink/recordOutcome';
import { openSession, toActor } from '../../src/desk/auth';
import { createLinkCode } from '../../src/desk/staffAccounts';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('purge', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50', AUDIT_RETENTION_DAYS: '30' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('destroys every sealed number exactly when it should, and prunes audit entries, sessions and link codes past retention', async () => {
    const ctx = t.server.desk.context;
    const staff = await makeStaff(t);
    const actor = toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staff.id } }));
    const sealed = async () =>
      Object.fromEntries((await t.server.prisma.intake.findMany({ select: { id: true, openContact: { select: { sealedContact: true } } } })).map((i) => [i.id, i.openContact !== null]));

    const waiting = await makeIntake(t); // never claimed: expires after 72 h
    const working = await makeIntake(t); // claimed and worked: keeps its number while claimed, for 72 h at most
    const closed = await makeIntake(t);
    const handed = await makeIntake(t);
    const leftover = await makeIntake(t); // ended by an older version without destroying its number
    for (const i of [working, closed, handed]) await claimIntake(ctx, { intakeId: i.id, actor });
    await closeIntake(ctx, { intakeId: closed.id, actor, reason: 'resolved' });
    await recordOutcome(ctx, { intakeId: handed.id, actor, outcome: 'reached' });
    // The person agreed to pass their number on, to an adapter that sends numbers (as Primero's does): it is held for the
    // hand-off, sealed under its id, until delivered or 72 h.
    const carrier = { name: 'carrier', carriesNumber: true };
    const { handoffId } = await handOffIntake(
      { ...ctx, handoffAdapter: carrier },
      { intakeId: handed.id, actor, adapter: carrier.name, consent: { services: true, shareWithOrganisations: false, shareNumber: true } },
    );
    await t.server.prisma.intake.update({ where: { id: leftover.id }, data: { status: 'cancelled' } });
    await openSession(t.server.prisma, staff.id, { now: t.clock.now(), hours: 8, randomBytes: ctx.randomBytes });
    await createLinkCode(ctx, staff.id);

    // Closing and handing off destroyed the number at once; the leftover waits for the purge.
    expect(await sealed()).toEqual({ [waiting.id]: true, [working.id]: true, [closed.id]: false, [handed.id]: false, [leftover.id]: true });

    t.clock.advance(HOUR);
    expect(await purge(ctx)).toEqual({ expired: 0, contactsDestroyed: 1, linkCodesCleared: 1 });
    expect(await sealed()).toEqual({ [waiting.id]: true, [working.id]: true, [closed.id]: false, [handed.id]: false, [leftover.id]: false });

    t.clock.advance(70 * HOUR); // 71 h after creation; the 8-hour console session has expired
    expect(await purge(ctx)).toEqual({ expired: 0, contactsDestroyed: 0, sessionsPruned: 1 });
    expect(await sealed()).toMatchObject({ [working.id]: true });
    t.clock.advance(HOUR); // 72 h: what the screens promised — the unclaimed and the claimed request both expire
    const told: string[] = [];
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId } })).toBe(1); // not delivered yet (no delivery ran)
    expect(await purge(ctx, { onExpiredClaims: (claims) => told.push(...claims.map((c) => c.label)) })).toEqual({ expired: 2, contactsDestroyed: 2, handoffNumbersDestroyed: 1 });
    expect(await t.server.prisma.handoffContact.count()).toBe(0);
    expect(await sealed()).toEqual({ [waiting.id]: false, [working.id]: false, [closed.id]: false, [handed.id]: false, [leftover.id]: false });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'expired', closeReason: 'retention', contactDestroyedAt: expect.any(Date) });
    // The claimed one keeps its caseworker, who is told why it is gone.
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: working.id } })).toMatchObject({
      status: 'expired',
      closeReason: 'retention',
      claimedById: staff.id,
      contactDestroyedAt: expect.any(Date),
    });
    expect(told).toEqual([working.label]);

    // Ended intakes keep no lookup hash either.
    expect(await t.server.prisma.openContact.count()).toBe(0);

    // Past the audit retention (30 days): audit entries and the delivered hand-off go.
    // That adapter is gone (the programme moved to the built-in queue), which delivers it.
    await t.server.prisma.handoff.update({ where: { id: handoffId }, data: { adapter: 'builtin' } });
    await t.server.desk.runMaintenance();
    t.clock.advance(31 * DAY);
    const result = await purge(ctx);
    expect(result).toMatchObject({ expired: 0, contactsDestroyed: 0, handoffsPruned: 1 });
    expect(result.auditPruned).toBeGreaterThan(5);
    expect(await t.server.prisma.auditEvent.count()).toBe(0);
    expect(await t.server.prisma.staffSession.count()).toBe(0);
  });

  it('runs through the server and counts no answer past the maximum as expired with the number destroyed', async () => {
    const ctx = t.server.desk.context;
    const staff = await makeStaff(t);
    const actor = toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staff.id } }));
    const intake = await makeIntake(t);
    for (let i = 0; i < 3; i += 1) {
      await claimIntake(ctx, { intakeId: intake.id, actor });
      await recordOutcome(ctx, { intakeId: intake.id, actor, outcome: 'no_answer' });
    }
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'expired', contactDestroyedAt: expect.any(Date), attempts: 3 });
    expect(await t.server.purge()).toMatchObject({ expired: 0, contactsDestroyed: 0 });
  });

  it('puts the intakes of a deactivated staff member back in the queue, where they expire as usual', async () => {
    const ctx = t.server.desk.context;
    const staff = await makeStaff(t);
    const actor = toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staff.id } }));
    const old = await makeIntake(t);
    t.clock.advance(70 * HOUR);
    const fresh = await makeIntake(t);
    for (const i of [fresh, old]) await claimIntake(ctx, { intakeId: i.id, actor });
    t.clock.advance(HOUR); // both are still within their 72 h
    await t.server.prisma.staff.update({ where: { id: staff.id }, data: { active: false } });
    expect(await purge(ctx)).toMatchObject({ claimsReleased: 2, expired: 0 });
    t.clock.advance(2 * HOUR); // `old` is now past its 72 h, back in the queue: it expires as usual
    expect(await purge(ctx)).toMatchObject({ expired: 1, contactsDestroyed: 1 });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: fresh.id } })).toMatchObject({ status: 'pending', claimedById: null });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ status: 'expired', contactDestroyedAt: expect.any(Date) });
    const audit = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: fresh.id, action: 'intake.released' } });
    expect(audit).toMatchObject({ actor: 'system', detail: '{"reason":"staff_inactive"}' });
    expect((await purge(ctx)).claimsReleased).toBeUndefined();
  });
});
