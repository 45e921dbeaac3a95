import { claimIntake } from '../../src/caseLink/claimIntake';
import { recordOutcome } from '../../src/caseLink/recordOutcome';
import { SupervisionView } from '../../src/desk/api/schemas';
import { createTestServer, type TestServer } from '../support/testServer';
import { makeIntake, makeStaff } from './deskFixtures';

type Staff = Awaited<ReturnType<typeof makeStaff>>;
const HOUR = 3_600_000;

describe('GET /api/v1/supervision and supervisors on accounts', () => {
  let t: TestServer;
  let sam: Staff; // supervisor
  let ada: Staff; // admin
  let workers: Staff[];
  const contacts: string[] = [];
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    sam = await makeStaff(t, { name: 'Sam Superviseur', role: 'supervisor', queues: ['gbv', 'child_protection'], languages: ['fr', 'en'] });
    ada = await makeStaff(t, { name: 'Ada Admin', role: 'admin', queues: ['gbv'], languages: ['fr'] });
    workers = [];
    for (let i = 0; i < 9; i += 1) workers.push(await makeStaff(t, { name: `Intervenante ${i + 1}` }));
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, who: Staff) => t.http.get(path).set(who.auth);
  const post = (path: string, who: Staff, body: object) => t.http.post(path).set(who.auth).send(body);
  const claimFor = async (who: Staff, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const intake = await makeIntake(t);
      contacts.push(intake.contact);
      await claimIntake(t.server.desk.context, { intakeId: intake.id, actor: { id: who.id, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' } });
      ids.push(intake.id);
    }
    return ids;
  };

  it('is refused to caseworkers (403) and to anyone without a token (401)', async () => {
    expect((await get('/api/v1/supervision', workers[0])).status).toBe(403);
    expect((await t.http.get('/api/v1/supervision')).status).toBe(401);
    expect((await post(`/api/v1/staff/${workers[0].id}/supervisor`, sam, { supervisorId: sam.id })).status).toBe(403);
  });

  it('sets supervisors (admins only), refuses past SUPERVISION_LIMIT unless overridden, and audits it', async () => {
    for (const w of workers.slice(0, 8)) {
      const res = await post(`/api/v1/staff/${w.id}/supervisor`, ada, { supervisorId: sam.id });
      expect(res.status).toBe(200);
    }
    const ninth = await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisorId: sam.id });
    expect(ninth.status).toBe(409);
    expect(ninth.body.error.code).toBe('supervision_limit');
    const forced = await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisorId: sam.id, override: true });
    expect(forced.body).toMatchObject({ id: workers[8].id, supervisorId: sam.id, caseworkers: 9, overridden: true, changed: true });
    // Back to 8, by removing one.
    expect((await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisorId: null })).body).toMatchObject({ supervisorId: null, changed: true });
    // Only caseworkers have a supervisor; only supervisors and admins supervise.
    expect((await post(`/api/v1/staff/${sam.id}/supervisor`, ada, { supervisorId: ada.id })).body.error.code).toBe('not_caseworker');
    expect((await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisorId: workers[0].id })).body.error.code).toBe('not_supervisor');
    expect((await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisorId: 'nope' })).status).toBe(404);
    expect((await post(`/api/v1/staff/${workers[8].id}/supervisor`, ada, { supervisor: sam.id })).status).toBe(400);

    const audit = await t.server.prisma.auditEvent.findMany({ where: { action: { startsWith: 'staff.supervisor_set' } }, orderBy: { id: 'asc' } });
    expect(audit).toHaveLength(10);
    expect(audit.map((a) => a.action).filter((a) => a.endsWith('_override'))).toHaveLength(1);
    expect(JSON.parse(audit[0].detail!)).toEqual({ staffId: workers[0].id, supervisorId: sam.id, previous: null });
    expect(audit.every((a) => a.actor === `staff:${ada.id}`)).toBe(true);

    const list = await get('/api/v1/staff', ada);
    expect(list.body.staff.find((s: { id: string }) => s.id === workers[0].id)).toMatchObject({ supervisorId: sam.id, supervisor: 'Sam Superviseur' });
    // A new caseworker cannot join a supervisor at the limit.
    const created = await post('/api/v1/staff', ada, { name: 'Nouvelle', role: 'caseworker', queues: ['gbv'], languages: ['fr'], supervisorId: sam.id });
    expect(created.status).toBe(409);
    expect(created.body.error.code).toBe('supervision_limit');
    expect(await t.server.prisma.staff.count({ where: { name: 'Nouvelle' } })).toBe(0);
  });

  it('gives caseloads against 15 / 20, caseworkers per supervisor against 5 / 8, queue health and stale claims, and never a number', async () => {
    const start = t.clock.now();
    // The oldest pending request: made now, destroyed 72 h later.
    const oldest = await makeIntake(t);
    contacts.push(oldest.contact);
    await claimFor(workers[0], 16); // warning
    t.clock.advance(10 * HOUR);
    const stale = await claimFor(workers[1], 2);
    await recordOutcome(t.server.desk.context, { intakeId: stale[1], actor: { id: workers[1].id, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' }, outcome: 'reached' });
    t.clock.advance(57 * HOUR); // 67 h after the first request: it is destroyed within 5 h
    const english = await makeIntake(t, { language: 'en' });
    contacts.push(english.contact);
    // workers[0]'s 16 claims are 67 h old: stale too (but expire in 5 h); workers[1]'s first is 57 h old.

    const res = await get('/api/v1/supervision', sam);
    expect(res.status).toBe(200);
    const o = res.body;
    // The answer is what the OpenAPI document says (the same zod schema).
    expect(SupervisionView.strict().safeParse(o).success).toBe(true);
    expect(o.marks).toEqual({ caseloadWarning: 15, caseloadLimit: 20, supervisionWarning: 5, supervisionLimit: 8, staleClaimHours: 24, nearExpiryHours: 6 });
    expect(o.caseloads[0]).toMatchObject({ staffId: workers[0].id, active: 16, level: 'warning', stale: 16, supervisorName: 'Sam Superviseur' });
    expect(o.caseloads.find((c: { staffId: string }) => c.staffId === workers[1].id)).toMatchObject({ active: 2, level: 'ok', stale: 1 });
    expect(o.caseloads.find((c: { staffId: string }) => c.staffId === workers[8].id)).toMatchObject({ active: 0, supervisorId: null });
    // The supervisor and the admin hold nothing and are not caseworkers: not in the caseload table.
    expect(o.caseloads.map((c: { staffId: string }) => c.staffId)).not.toContain(sam.id);
    expect(o.supervisors).toEqual([{ staffId: sam.id, name: 'Sam Superviseur', role: 'supervisor', caseworkers: 8, level: 'limit' }]);
    expect(o.unsupervised).toEqual([{ staffId: workers[8].id, name: 'Intervenante 9' }]);
    expect(o.queue).toMatchObject({ pending: 2, oldestPendingAt: start.toISOString(), nearExpiry: 1 });
    expect(o.queue.byQueue).toEqual([
      { queue: 'gbv', language: 'en', pending: 1, oldestCreatedAt: t.clock.now().toISOString(), nearExpiry: 0 },
      { queue: 'gbv', language: 'fr', pending: 1, oldestCreatedAt: start.toISOString(), nearExpiry: 1 },
    ]);
    expect(o.queue.nearExpiryIntakes).toEqual([expect.objectContaining({ intakeId: oldest.id, label: oldest.label })]);
    expect(o.staleCount).toBe(17);
    expect(o.staleClaims[16]).toMatchObject({ intakeId: stale[0], staffId: workers[1].id, staffName: 'Intervenante 2', hours: 57, lastOutcome: null, announcedAt: null });

    const text = JSON.stringify(o);
    for (const contact of contacts) {
      expect(text).not.toContain(contact);
      expect(text).not.toContain(contact.slice(4));
    }
    expect(text).not.toMatch(/cover|health_centre|reference/);
  });

  it('starts a reassigned claim afresh: no longer stale until STALE_CLAIM_HOURS after the reassignment', async () => {
    const before = (await get('/api/v1/supervision', sam)).body;
    const claim = before.staleClaims.find((s: { staffId: string }) => s.staffId === workers[1].id);
    const moved = await post(`/api/v1/intakes/${claim.intakeId}/reassign`, sam, { staffId: workers[2].id });
    expect(moved.status).toBe(200);
    const after = (await get('/api/v1/supervision', sam)).body;
    expect(after.staleClaims.map((s: { intakeId: string }) => s.intakeId)).not.toContain(claim.intakeId);
    expect(after.caseloads.find((c: { staffId: string }) => c.staffId === workers[2].id)).toMatchObject({ active: 1, stale: 0 });
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.http.get('/api/v1/openapi.json')).body;
    expect(doc.paths['/api/v1/supervision'].get.operationId).toBe('getSupervision');
    expect(doc.paths['/api/v1/staff/{id}/supervisor'].post.operationId).toBe('setStaffSupervisor');
    expect(doc.components.schemas.Supervision.properties).toHaveProperty('staleClaims');
  });
});
