import { claimIntake } from '../../src/caseLink/claimIntake';
import { revealContact } from '../../src/caseLink/revealContact';
import type { PrismaClient } from '../../src/db';
import { toActor } from '../../src/desk/auth';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

/** A database client on which `hook` runs just before the reveal-limit count (between the claim check and the read of the number). */
function withHookBeforeCount(prisma: PrismaClient, hook: () => Promise<unknown>): PrismaClient {
  const bind = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const audit = new Proxy(prisma.auditEvent, {
    get: (target, prop) => (prop === 'count' ? async (args: never) => (await hook(), target.count(args)) : bind(target, prop)),
  });
  return new Proxy(prisma, { get: (target, prop) => (prop === 'auditEvent' ? audit : bind(target, prop)) });
}

describe('revealContact', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
  });
  afterAll(async () => {
    await t.close();
  });
  const actorOf = async (id: string) => toActor(await t.server.prisma.staff.findUniqueOrThrow({ where: { id } }));

  it('reveals nothing to a claimer whose claim was released or reassigned meanwhile', async () => {
    const ctx = t.server.desk.context;
    const awa = await actorOf((await makeStaff(t)).id);
    const intake = await makeIntake(t);
    await claimIntake(ctx, { intakeId: intake.id, actor: awa });
    // A supervisor releases it right after the claimer's check passed.
    const prisma = withHookBeforeCount(t.server.prisma, () => t.server.prisma.intake.update({ where: { id: intake.id }, data: { status: 'pending', claimedById: null } }));
    await expect(revealContact({ ...ctx, prisma }, { intakeId: intake.id, actor: awa, via: 'api' })).rejects.toMatchObject({ code: 'not_claimer' });
    expect(await t.server.prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'contact.revealed' } })).toBe(0);
    expect(await t.server.prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'contact.reveal_refused' } })).toBe(1);
  });

  it('audits refused attempts by someone who is not the claimer', async () => {
    const ctx = t.server.desk.context;
    const awa = await actorOf((await makeStaff(t)).id);
    const binta = await actorOf((await makeStaff(t)).id);
    const intake = await makeIntake(t);
    await claimIntake(ctx, { intakeId: intake.id, actor: awa });
    await expect(revealContact(ctx, { intakeId: intake.id, actor: binta, via: 'console' })).rejects.toMatchObject({ code: 'not_claimer', status: 403 });
    const refused = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: intake.id, action: 'contact.reveal_refused' } });
    expect(refused).toMatchObject({ actor: `staff:${binta.id}`, detail: JSON.stringify({ reason: 'not_claimer', via: 'console' }) });
    expect(await revealContact(ctx, { intakeId: intake.id, actor: awa, via: 'api' })).toEqual({ contact: intake.contact, cover: 'health_centre' });
  });
});
