import { claimIntake } from '../../src/caseLink/claimIntake';
import { listQueue } from '../../src/caseLink/listQueue';
import { reassignIntake } from '../../src/caseLink/reassignIntake';
import type { Actor } from '../../src/caseLink/types';
import { makeIntake } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

describe('claimIntake', () => {
  let t: TestServer;
  let n = 0;
  /** A staff row and its actor. */
  async function actor(overrides: Partial<Actor> = {}): Promise<Actor> {
    n += 1;
    const a: Actor = { id: `staff${n}`, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f', ...overrides };
    await t.server.prisma.staff.create({
      data: { id: a.id, name: a.id, role: a.role, queues: a.queues.join(','), languages: a.languages.join(','), gender: a.gender, tokenHash: `hash-${a.id}`, createdAt: t.clock.now() },
    });
    return a;
  }
  beforeAll(async () => {
    t = await createTestServer({ CASELOAD_LIMIT: '2', CASELOAD_WARNING: '2', MAX_OPEN_REQUESTS: '50' });
  });
  afterAll(async () => {
    await t.close();
  });
  const deps = () => t.server.desk.context;

  it('refuses an intake outside my queues or languages, or asking for a caller of another gender (invisible: 404)', async () => {
    const man = await actor({ gender: 'm' });
    const english = await actor({ languages: ['en'] });
    const womanAsked = await makeIntake(t, { callerGender: 'female' });
    await expect(claimIntake(deps(), { intakeId: womanAsked.id, actor: man })).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(claimIntake(deps(), { intakeId: womanAsked.id, actor: english })).rejects.toMatchObject({ code: 'not_found', status: 404 });
    // A supervisor sees it, but claiming still needs the queue, language and gender match.
    const supervisor = await actor({ role: 'supervisor', gender: 'm' });
    await expect(claimIntake(deps(), { intakeId: womanAsked.id, actor: supervisor })).rejects.toMatchObject({ code: 'not_your_queue', status: 403 });
    expect(await claimIntake(deps(), { intakeId: womanAsked.id, actor: await actor() })).toMatchObject({ caseload: 1, warning: false });
  });

  it('never lets one person pass the caseload limit, even with two claims raced at once', async () => {
    const a = await actor();
    const first = await makeIntake(t);
    await claimIntake(deps(), { intakeId: first.id, actor: a });
    const [x, y] = await Promise.all([makeIntake(t), makeIntake(t)]);
    const results = await Promise.allSettled([claimIntake(deps(), { intakeId: x.id, actor: a }), claimIntake(deps(), { intakeId: y.id, actor: a })]);
    const held = await t.server.prisma.intake.count({ where: { status: 'claimed', claimedById: a.id } });
    expect(held).toBeLessThanOrEqual(2);
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'caseload_limit' });
    // Refused claims went back to the queue.
    expect(await t.server.prisma.intake.count({ where: { id: { in: [x.id, y.id] }, status: 'pending' } })).toBe(3 - held);
  });

  it('neither offers nor hands out an intake past its time that the purge has not swept yet', async () => {
    const a = await actor();
    const supervisor = await actor({ role: 'supervisor' });
    const intake = await makeIntake(t);
    t.clock.advance(t.config.INTAKE_TTL_HOURS * 3_600_000);
    expect((await listQueue(deps(), { actor: a })).map((i) => i.id)).not.toContain(intake.id);
    await expect(claimIntake(deps(), { intakeId: intake.id, actor: a })).rejects.toMatchObject({ code: 'expired', status: 409 });
    await expect(reassignIntake(deps(), { intakeId: intake.id, actor: supervisor, toStaffId: a.id })).rejects.toMatchObject({ code: 'expired', status: 409 });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'pending', claimedById: null });
  });
});
