import { createTestServer, type TestServer } from '../support/testServer';
import { makeIntake, makeStaff } from './deskFixtures';

type Staff = Awaited<ReturnType<typeof makeStaff>>;

/** What a person typically agrees to: services and sharing their case, not their number. */
const CONSENT = { services: true, shareWithOrganisations: true, shareNumber: false };

describe('staff REST API /api/v1', () => {
  let t: TestServer;
  let alice: Staff; // caseworker, gbv, fr, woman
  let bob: Staff; // caseworker, gbv, fr, woman
  let carol: Staff; // caseworker, child_protection, en, man
  let sam: Staff; // supervisor
  beforeAll(async () => {
    t = await createTestServer({ CASELOAD_LIMIT: '3', CASELOAD_WARNING: '2', REVEAL_RATE_LIMIT: '4', MAX_OPEN_REQUESTS: '50' });
    alice = await makeStaff(t);
    bob = await makeStaff(t);
    carol = await makeStaff(t, { queues: ['child_protection'], languages: ['en'], gender: 'm' });
    sam = await makeStaff(t, { role: 'supervisor', queues: ['gbv', 'child_protection'], languages: ['fr', 'en'] });
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, who?: Staff) => (who ? t.http.get(path).set(who.auth) : t.http.get(path));
  const post = (path: string, who?: Staff, body?: object) => {
    const req = t.http.post(path);
    if (who) req.set(who.auth);
    return body === undefined ? req : req.send(body);
  };
  /** Releases everything `who` holds, so each test starts from an empty caseload. */
  const releaseAll = async (who: Staff) => {
    const caseload = await get('/api/v1/caseload', who);
    for (const i of caseload.body.intakes) await post(`/api/v1/intakes/${i.id}/release`, who);
  };
  afterEach(async () => {
    for (const s of [alice, bob, carol, sam]) await releaseAll(s);
  });

  it('serves an OpenAPI document that lists every endpoint', async () => {
    const res = await t.http.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/api/v1/caseload',
        '/api/v1/intakes',
        '/api/v1/intakes/{id}',
        '/api/v1/intakes/{id}/claim',
        '/api/v1/intakes/{id}/close',
        '/api/v1/intakes/{id}/consent',
        '/api/v1/intakes/{id}/handoff',
        '/api/v1/intakes/{id}/outcome',
        '/api/v1/intakes/{id}/reassign',
        '/api/v1/intakes/{id}/release',
        '/api/v1/intakes/{id}/reveal',
        '/api/v1/me',
        '/api/v1/me/telegram-link-code',
        '/api/v1/staff',
        '/api/v1/staff/{id}/deactivate',
        '/api/v1/staff/{id}/password',
        '/api/v1/staff/{id}/reactivate',
        '/api/v1/staff/{id}/rotate-token',
        '/api/v1/staff/{id}/supervisor',
        '/api/v1/stats',
        '/api/v1/supervision',
      ].sort(),
    );
    expect(res.body.components.schemas.OutcomeBody.properties.outcome.enum).toEqual(['reached', 'no_answer', 'unsafe', 'wrong_number', 'declined']);
    expect(Object.keys(res.body.components.schemas.FeedbackStatistics.properties)).toEqual(['weeks', 'responses', 'byWeek', 'byChannel', 'questions']);
    // Every operation is named and lists every status it can answer; the document carries the licence.
    const operations = Object.values(res.body.paths as Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>).flatMap((p) => Object.entries(p));
    const ids = operations.map(([, op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [method, op] of operations) {
      for (const status of ['401', '403', '500', ...(method === 'post' ? ['400', '413'] : [])])
        expect({ op: op.operationId, status, listed: status in op.responses }).toEqual({ op: op.operationId, status, listed: true });
    }
    expect(res.body.info.license).toEqual({ name: 'AGPL-3.0-or-later', url: 'https://www.gnu.org/licenses/agpl-3.0.html' });
  });

  const id = '0123456789abcdef0123456789abcdef';
  const endpoints: Array<[string, string]> = [
    ['get', '/api/v1/me'],
    ['post', '/api/v1/me/telegram-link-code'],
    ['get', '/api/v1/intakes'],
    ['get', `/api/v1/intakes/${id}`],
    ['post', `/api/v1/intakes/${id}/claim`],
    ['post', `/api/v1/intakes/${id}/reveal`],
    ['post', `/api/v1/intakes/${id}/outcome`],
    ['post', `/api/v1/intakes/${id}/release`],
    ['post', `/api/v1/intakes/${id}/close`],
    ['post', `/api/v1/intakes/${id}/consent`],
    ['post', `/api/v1/intakes/${id}/handoff`],
    ['post', `/api/v1/intakes/${id}/reassign`],
    ['get', '/api/v1/caseload'],
    ['get', '/api/v1/stats'],
  ];
  it.each(endpoints)('%s %s refuses an unauthenticated request or a wrong token with 401', async (method, path) => {
    const anonymous = await (method === 'get' ? t.http.get(path) : t.http.post(path));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthenticated');
    const wrong = await (method === 'get' ? t.http.get(path) : t.http.post(path)).set('Authorization', 'Bearer psl_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it('refuses a deactivated account', async () => {
    const gone = await makeStaff(t);
    await t.server.prisma.staff.update({ where: { id: gone.id }, data: { active: false } });
    expect((await get('/api/v1/me', gone)).status).toBe(401);
  });

  it('GET /me tells who I am; unknown API paths are JSON 404s', async () => {
    expect((await get('/api/v1/me', alice)).body).toEqual({ id: alice.id, name: alice.name, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' });
    const res = await get('/api/v1/nothing-here', alice);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('lists only the intakes of my queues, languages and caller gender, by time window then age, without contact details', async () => {
    const evening = await makeIntake(t, { timeWindow: 'evening' });
    t.clock.advance(60_000);
    const morningNew = await makeIntake(t, { timeWindow: 'morning' });
    const child = await makeIntake(t, { subject: 'child', language: 'en' });
    const man = await makeIntake(t, { callerGender: 'male' });
    const morningOld = await makeIntake(t, { timeWindow: 'morning', cover: 'friend' });
    await t.server.prisma.intake.update({ where: { id: morningOld.id }, data: { createdAt: new Date(t.clock.ms - 3_600_000) } });

    const res = await get('/api/v1/intakes', alice);
    expect(res.status).toBe(200);
    const ids: string[] = res.body.intakes.map((i: { id: string }) => i.id);
    expect(ids).toContain(evening.id);
    expect(ids).not.toContain(child.id);
    expect(ids).not.toContain(man.id);
    expect(ids.indexOf(morningOld.id)).toBeLessThan(ids.indexOf(morningNew.id));
    expect(ids.indexOf(morningNew.id)).toBeLessThan(ids.indexOf(evening.id));
    const text = JSON.stringify(res.body);
    for (const secret of [evening.contact, evening.contact.slice(4), 'sealedContact', 'contactHash', 'requesterHash', 'sessionHash']) expect(text).not.toContain(secret);

    const carols: string[] = (await get('/api/v1/intakes', carol)).body.intakes.map((i: { id: string }) => i.id);
    expect(carols).toContain(child.id);
    expect(carols).not.toContain(evening.id);
    const sams: string[] = (await get('/api/v1/intakes', sam)).body.intakes.map((i: { id: string }) => i.id);
    expect(sams).toEqual(expect.arrayContaining([evening.id, child.id, man.id]));
  });

  it('GET /intakes/:id shows one intake; unknown, malformed and out-of-queue ids are 404', async () => {
    const intake = await makeIntake(t);
    const res = await get(`/api/v1/intakes/${intake.id}`, alice);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: intake.id, label: intake.label, status: 'pending', claimedByMe: false });
    // The person's code is theirs: staff never see it.
    expect(JSON.stringify(res.body)).not.toContain(intake.reference);
    expect(JSON.stringify(res.body)).not.toContain(intake.contact.slice(4));
    for (const path of [`/api/v1/intakes/${id}`, '/api/v1/intakes/nope', '/api/v1/intakes/..%2F..']) {
      const r = await get(path, alice);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    expect((await get(`/api/v1/intakes/${intake.id}`, carol)).status).toBe(404);
    expect((await post(`/api/v1/intakes/${intake.id}/claim`, carol)).status).toBe(404);
  });

  it('lets exactly one of two claims raced at once win; the other gets 409', async () => {
    const intake = await makeIntake(t);
    const [a, b] = await Promise.all([post(`/api/v1/intakes/${intake.id}/claim`, alice), post(`/api/v1/intakes/${intake.id}/claim`, bob)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('already_claimed');
    const winner = a.status === 200 ? alice : bob;
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    expect(row).toMatchObject({ status: 'claimed', claimedById: winner.id });
    expect(await t.server.prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'intake.claimed' } })).toBe(1);
    // Claiming again, even by the winner, is a conflict.
    expect((await post(`/api/v1/intakes/${intake.id}/claim`, winner)).status).toBe(409);
  });

  it('refuses a claim past the caseload limit, warns from the warning level; a supervisor may override, audited', async () => {
    const intakes = await Promise.all([1, 2, 3, 4].map(() => makeIntake(t)));
    const first = await post(`/api/v1/intakes/${intakes[0].id}/claim`, alice);
    expect(first.body).toMatchObject({ caseload: 1, warning: false, overridden: false, intake: { status: 'claimed', claimedByMe: true } });
    expect((await post(`/api/v1/intakes/${intakes[1].id}/claim`, alice)).body).toMatchObject({ caseload: 2, warning: true });
    expect((await post(`/api/v1/intakes/${intakes[2].id}/claim`, alice)).body).toMatchObject({ caseload: 3, warning: true });
    const refused = await post(`/api/v1/intakes/${intakes[3].id}/claim`, alice);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('caseload_limit');
    const caseload = await get('/api/v1/caseload', alice);
    expect(caseload.body).toMatchObject({ active: 3, limit: 3, warningFrom: 2, warning: true });
    expect(caseload.body.intakes).toHaveLength(3);

    // A caseworker cannot override.
    const notAllowed = await post(`/api/v1/intakes/${intakes[3].id}/claim`, alice, { override: true });
    expect(notAllowed.status).toBe(403);

    // A supervisor at the limit can, and it is audited.
    for (const extra of await Promise.all([1, 2, 3].map(() => makeIntake(t)))) expect((await post(`/api/v1/intakes/${extra.id}/claim`, sam)).status).toBe(200);
    expect((await post(`/api/v1/intakes/${intakes[3].id}/claim`, sam)).body.error.code).toBe('caseload_limit');
    const overridden = await post(`/api/v1/intakes/${intakes[3].id}/claim`, sam, { override: true });
    expect(overridden.status).toBe(200);
    expect(overridden.body).toMatchObject({ caseload: 4, overridden: true });
    const audit = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: intakes[3].id, action: 'intake.claimed_override' } });
    expect(audit.actor).toBe(`staff:${sam.id}`);
  });

  it('rejects invalid bodies with 400 and changes nothing', async () => {
    const intake = await makeIntake(t);
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    const cases: Array<[string, object | string, string]> = [
      ['outcome', { outcome: 'maybe' }, 'invalid_request'],
      ['outcome', {}, 'invalid_request'],
      ['outcome', { outcome: 'reached', note: 'free text' }, 'invalid_request'],
      ['close', { reason: 'because' }, 'invalid_request'],
      ['close', '{"reason":', 'malformed_json'],
      ['claim', { override: 'yes' }, 'invalid_request'],
      ['reassign', { staffId: 42 }, 'invalid_request'],
    ];
    for (const [action, body, code] of cases) {
      const req = t.http.post(`/api/v1/intakes/${intake.id}/${action}`).set(action === 'reassign' ? sam.auth : alice.auth);
      const res = typeof body === 'string' ? await req.set('Content-Type', 'application/json').send(body) : await req.send(body);
      expect({ action, body, status: res.status, code: res.body.error?.code }).toEqual({ action, body, status: 400, code });
    }
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', claimedById: alice.id, lastOutcome: null });
    for (const query of ['month=yesterday', 'month=2026-13', 'month=2026-11&month=2026-10', 'from=2026-11-20&to=2026-11-21', 'month=2026-11&to=2026-11-21']) {
      const stats = await t.http.get(`/api/v1/stats?${query}`).set(sam.auth);
      expect({ query, status: stats.status, code: stats.body.error?.code }).toEqual({ query, status: 400, code: expect.stringMatching(/^invalid_/) });
    }
  });

  it('reveals the number to the claimer only, audits each reveal and rate-limits them', async () => {
    const intake = await makeIntake(t, { cover: 'friend' });
    expect((await post(`/api/v1/intakes/${intake.id}/reveal`, alice)).body.error.code).toBe('not_claimed');
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    const byOther = await post(`/api/v1/intakes/${intake.id}/reveal`, bob);
    expect(byOther.status).toBe(403);
    expect(byOther.body.error.code).toBe('not_claimer');
    expect(JSON.stringify(byOther.body)).not.toContain(intake.contact.slice(4));
    // A supervisor is not the claimer either.
    expect((await post(`/api/v1/intakes/${intake.id}/reveal`, sam)).status).toBe(403);

    const res = await post(`/api/v1/intakes/${intake.id}/reveal`, alice);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ contact: intake.contact, cover: 'friend' });
    const audit = await t.server.prisma.auditEvent.findMany({ where: { intakeId: intake.id, action: 'contact.revealed' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: `staff:${alice.id}`, detail: '{"via":"api"}' });
    expect(audit[0].detail).not.toContain(intake.contact.slice(4));

    // REVEAL_RATE_LIMIT=4 an hour: three more pass, the fifth is refused; an hour later it passes again.
    for (let i = 0; i < 3; i += 1) expect((await post(`/api/v1/intakes/${intake.id}/reveal`, alice)).status).toBe(200);
    const limited = await post(`/api/v1/intakes/${intake.id}/reveal`, alice);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    t.clock.advance(3_600_001);
    expect((await post(`/api/v1/intakes/${intake.id}/reveal`, alice)).status).toBe(200);
  });

  it('no answer and unsafe to talk return the intake to the queue until the third attempt, which expires it', async () => {
    const intake = await makeIntake(t);
    const outcomes = ['no_answer', 'unsafe', 'no_answer'];
    for (const [i, outcome] of outcomes.entries()) {
      expect((await post(`/api/v1/intakes/${intake.id}/claim`, i % 2 ? bob : alice)).status).toBe(200);
      const res = await post(`/api/v1/intakes/${intake.id}/outcome`, i % 2 ? bob : alice, { outcome });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: i < 2 ? 'pending' : 'expired', attempts: i + 1 });
    }
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    expect(row).toMatchObject({ status: 'expired', attempts: 3, contactDestroyedAt: expect.any(Date), lastOutcome: 'no_answer' });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    expect(row.firstCallAt).not.toBeNull();
    expect((await post(`/api/v1/intakes/${intake.id}/claim`, alice)).status).toBe(409);
  });

  it('records reached, wrong number and declined; only the claimer may record an outcome', async () => {
    const reached = await makeIntake(t);
    await post(`/api/v1/intakes/${reached.id}/claim`, alice);
    expect((await post(`/api/v1/intakes/${reached.id}/outcome`, bob, { outcome: 'reached' })).status).toBe(403);
    expect((await post(`/api/v1/intakes/${reached.id}/outcome`, alice, { outcome: 'reached' })).body).toEqual({ status: 'claimed', attempts: 0 });
    for (const outcome of ['wrong_number', 'declined']) {
      const intake = await makeIntake(t);
      await post(`/api/v1/intakes/${intake.id}/claim`, alice);
      expect((await post(`/api/v1/intakes/${intake.id}/outcome`, alice, { outcome })).body).toEqual({ status: 'closed', attempts: 0 });
      expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'closed', closeReason: outcome, contactDestroyedAt: expect.any(Date) });
    }
  });

  it('releases back to the queue (claimer or supervisor only)', async () => {
    const intake = await makeIntake(t);
    expect((await post(`/api/v1/intakes/${intake.id}/release`, alice)).status).toBe(409);
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    expect((await post(`/api/v1/intakes/${intake.id}/release`, bob)).status).toBe(403);
    const res = await post(`/api/v1/intakes/${intake.id}/release`, alice);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', claimedByMe: false, attempts: 0 });
    await post(`/api/v1/intakes/${intake.id}/claim`, bob);
    expect((await post(`/api/v1/intakes/${intake.id}/release`, sam)).body.status).toBe('pending');
  });

  it('closes with a reason code and destroys the sealed number at once', async () => {
    const intake = await makeIntake(t);
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    expect((await post(`/api/v1/intakes/${intake.id}/close`, bob, { reason: 'resolved' })).status).toBe(403);
    const res = await post(`/api/v1/intakes/${intake.id}/close`, alice, { reason: 'resolved' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'closed', closeReason: 'resolved' });
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    expect(row).toMatchObject({ contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    expect(row.contactDestroyedAt).toEqual(t.clock.now());
    expect((await post(`/api/v1/intakes/${intake.id}/reveal`, alice)).status).toBe(409);
    expect((await post(`/api/v1/intakes/${intake.id}/close`, alice, { reason: 'resolved' })).status).toBe(409);
  });

  it('hands off after a reached outcome only, with a de-identified payload, and forgets the number', async () => {
    const intake = await makeIntake(t, { cover: 'customer_service' });
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    const early = await post(`/api/v1/intakes/${intake.id}/handoff`, alice, { consent: CONSENT });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('not_reached');
    await post(`/api/v1/intakes/${intake.id}/outcome`, alice, { outcome: 'reached' });
    expect((await post(`/api/v1/intakes/${intake.id}/handoff`, bob, { consent: CONSENT })).status).toBe(403);
    const res = await post(`/api/v1/intakes/${intake.id}/handoff`, alice, { consent: CONSENT });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'handed_off', consent: { ...CONSENT, recordedAt: t.clock.now().toISOString() } });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    const handoff = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id }, include: { contact: true } });
    expect(handoff.adapter).toBe('builtin');
    expect(handoff.contact).toBeNull();
    expect(Object.keys(JSON.parse(handoff.payload)).sort()).toEqual(['claimedAt', 'consent', 'createdAt', 'firstCallAt', 'handedOffAt', 'label', 'language', 'outcome', 'queue'].sort());
    expect(JSON.parse(handoff.payload).consent).toEqual({ ...CONSENT, recordedAt: t.clock.now().toISOString() });
    for (const secret of [intake.contact, intake.contact.slice(4), 'customer_service']) expect(handoff.payload).not.toContain(secret);
  });

  describe('consent to refer', () => {
    const reached = async () => {
      const intake = await makeIntake(t);
      await post(`/api/v1/intakes/${intake.id}/claim`, alice);
      await post(`/api/v1/intakes/${intake.id}/outcome`, alice, { outcome: 'reached' });
      return intake;
    };
    const unchanged = async (id: string) => {
      const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ status: 'claimed', contactDestroyedAt: null });
      expect(await t.server.prisma.openContact.count({ where: { intakeId: id } })).toBe(1);
      expect(await t.server.prisma.handoff.count({ where: { intakeId: id } })).toBe(0);
      return row;
    };

    it('refuses a hand-off without consent to services (409, clear message) and changes nothing', async () => {
      const intake = await reached();
      const none = await post(`/api/v1/intakes/${intake.id}/handoff`, alice);
      expect(none.status).toBe(409);
      expect(none.body.error).toEqual({ code: 'consent_required', message: expect.stringMatching(/consent/) });
      const refused = await post(`/api/v1/intakes/${intake.id}/handoff`, alice, { consent: { ...CONSENT, services: false } });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('consent_required');
      // Refused: not even the consent sent with it was recorded.
      expect((await unchanged(intake.id)).consentRecordedAt).toBeNull();
      expect(await t.server.prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'intake.consent' } })).toBe(0);
    });

    it('records consent apart (claimer only, after reaching the person, audited), then hands off with it', async () => {
      const intake = await reached();
      const refusedAll = { services: false, shareWithOrganisations: false, shareNumber: false };
      expect((await post(`/api/v1/intakes/${intake.id}/consent`, bob, refusedAll)).status).toBe(403);
      const first = await post(`/api/v1/intakes/${intake.id}/consent`, alice, refusedAll);
      expect(first.status).toBe(200);
      expect(first.body.consent).toEqual({ ...refusedAll, recordedAt: t.clock.now().toISOString() });
      expect((await post(`/api/v1/intakes/${intake.id}/handoff`, alice)).body.error.code).toBe('consent_required');
      await unchanged(intake.id);

      t.clock.advance(60_000);
      const agreed = { services: true, shareWithOrganisations: true, shareNumber: true };
      expect((await post(`/api/v1/intakes/${intake.id}/consent`, alice, agreed)).body.consent).toEqual({ ...agreed, recordedAt: t.clock.now().toISOString() });
      const audit = await t.server.prisma.auditEvent.findMany({ where: { intakeId: intake.id, action: 'intake.consent' }, orderBy: { id: 'asc' } });
      expect(audit.map((a) => [a.actor, JSON.parse(a.detail!)])).toEqual([
        [`staff:${alice.id}`, refusedAll],
        [`staff:${alice.id}`, agreed],
      ]);

      const res = await post(`/api/v1/intakes/${intake.id}/handoff`, alice);
      expect(res.status).toBe(200);
      const handoff = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
      expect(JSON.parse(handoff.payload).consent).toEqual({ ...agreed, recordedAt: t.clock.now().toISOString() });
      const handedOff = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: intake.id, action: 'intake.handed_off' } });
      // The built-in queue sends no number: none is kept for it, whatever the consent (Primero's adapter does carry it).
      expect(JSON.parse(handedOff.detail!)).toMatchObject({ consent: agreed, numberPassedOn: false });
      expect(await t.server.prisma.handoffContact.count({ where: { handoffId: handoff.id } })).toBe(0);
      // The number itself never enters the payload or the audit.
      for (const text of [handoff.payload, handedOff.detail!]) expect(text).not.toContain(intake.contact.slice(4));
    });

    it('asks again after the claim changed hands: an earlier caseworker’s call and consent do not count', async () => {
      const intake = await reached();
      await post(`/api/v1/intakes/${intake.id}/consent`, alice, { services: true, shareWithOrganisations: true, shareNumber: true });
      await post(`/api/v1/intakes/${intake.id}/release`, alice);
      t.clock.advance(60_000);
      expect((await post(`/api/v1/intakes/${intake.id}/claim`, bob)).status).toBe(200);
      // Bob has not called: not reached in his claim, so neither consent nor a hand-off.
      expect((await post(`/api/v1/intakes/${intake.id}/handoff`, bob)).body.error.code).toBe('not_reached');
      expect((await post(`/api/v1/intakes/${intake.id}/consent`, bob, CONSENT)).body.error.code).toBe('not_reached');
      await post(`/api/v1/intakes/${intake.id}/outcome`, bob, { outcome: 'reached' });
      // Alice's answers are not Bob's: the intake shows none, and a hand-off on them is refused.
      expect((await get(`/api/v1/intakes/${intake.id}`, bob)).body.consent).toBeNull();
      expect((await post(`/api/v1/intakes/${intake.id}/handoff`, bob)).body.error.code).toBe('consent_required');
      expect((await post(`/api/v1/intakes/${intake.id}/handoff`, bob, { consent: CONSENT })).status).toBe(200);
      await releaseAll(bob);
    });

    it('refuses consent before the person was reached (409) and malformed consent (400), changing nothing', async () => {
      const intake = await makeIntake(t);
      await post(`/api/v1/intakes/${intake.id}/claim`, alice);
      const early = await post(`/api/v1/intakes/${intake.id}/consent`, alice, CONSENT);
      expect([early.status, early.body.error.code]).toEqual([409, 'not_reached']);
      await post(`/api/v1/intakes/${intake.id}/outcome`, alice, { outcome: 'reached' });
      for (const body of [{}, { services: 'yes', shareWithOrganisations: false, shareNumber: false }, { ...CONSENT, story: 'what happened' }]) {
        const bad = await post(`/api/v1/intakes/${intake.id}/consent`, alice, body);
        expect(bad.status).toBe(400);
        expect(JSON.stringify(bad.body)).not.toContain('what happened');
      }
      expect((await post(`/api/v1/intakes/${intake.id}/handoff`, alice, { consent: { services: true } })).status).toBe(400);
      expect((await unchanged(intake.id)).consentRecordedAt).toBeNull();
    });
  });

  it('lets a supervisor reassign, within the target caseload unless overridden; others get 403', async () => {
    const intake = await makeIntake(t);
    await post(`/api/v1/intakes/${intake.id}/claim`, alice);
    expect((await post(`/api/v1/intakes/${intake.id}/reassign`, alice, { staffId: bob.id })).status).toBe(403);
    expect((await post(`/api/v1/intakes/${intake.id}/reassign`, sam, { staffId: 'nobody' })).status).toBe(404);
    expect((await post(`/api/v1/intakes/${id}/reassign`, sam, { staffId: bob.id })).status).toBe(404);
    // Carol works another queue and language: the person's choices hold.
    const wrongPerson = await post(`/api/v1/intakes/${intake.id}/reassign`, sam, { staffId: carol.id });
    expect(wrongPerson.status).toBe(409);
    expect(wrongPerson.body.error.code).toBe('not_their_queue');
    const res = await post(`/api/v1/intakes/${intake.id}/reassign`, sam, { staffId: bob.id });
    expect(res.status).toBe(200);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', claimedById: bob.id });
    expect((await get(`/api/v1/intakes/${intake.id}`, bob)).body.claimedByMe).toBe(true);

    // Bob at his limit: refused, then overridden (audited).
    for (const extra of await Promise.all([1, 2].map(() => makeIntake(t)))) await post(`/api/v1/intakes/${extra.id}/claim`, bob);
    const other = await makeIntake(t);
    expect((await post(`/api/v1/intakes/${other.id}/reassign`, sam, { staffId: bob.id })).body.error.code).toBe('caseload_limit');
    expect((await post(`/api/v1/intakes/${other.id}/reassign`, sam, { staffId: bob.id, override: true })).status).toBe(200);
    expect(await t.server.prisma.auditEvent.count({ where: { intakeId: other.id, action: 'intake.reassigned_override' } })).toBe(1);
  });

  it('gives statistics to supervisors only, counts only, with small cells suppressed', async () => {
    expect((await get('/api/v1/stats', alice)).status).toBe(403);
    const res = await get('/api/v1/stats', sam);
    expect(res.status).toBe(200);
    expect(res.body.minCell).toBe(5);
    expect(res.body).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', rounding: 5 });
    expect(res.body.byDay.map((c: { key: string }) => c.key)).toHaveLength(31);
    const ranges = await get('/api/v1/stats?from=2026-11-01&to=2026-11-20', sam);
    expect(ranges.status).toBe(400);
    expect(ranges.body.error.message).toMatch(/whole calendar months only: use \?month=YYYY-MM/);
    expect((await get('/api/v1/stats?month=2026-10', sam)).body.from).toBe('2026-10-01T00:00:00.000Z');
    const channel = res.body.byChannel.find((c: { key: string }) => c.key === 'ussd');
    expect(channel.count).toBeGreaterThanOrEqual(5);
    const child = res.body.byQueue.find((c: { key: string }) => c.key === 'child_protection');
    expect(child).toEqual({ key: 'child_protection', count: null });
    expect(JSON.stringify(res.body)).not.toMatch(/reference|staff|\+221/);
    // The feedback of the weeks whose Thursday is in November, in the same shape, suppressed like the rest.
    expect(res.body.feedback).toMatchObject({ weeks: ['2026-W45', '2026-W46', '2026-W47', '2026-W48'], responses: null });
    expect(res.body.feedback.questions.map((q: { question: string }) => q.question)).toEqual(['useful', 'respectful']);
  });

  it('answers an unexpected error with a 500 that says nothing more, logs it without its message, and keeps serving', async () => {
    const leak = 'database said +221770001122';
    const spy = jest.spyOn(t.server.prisma.intake, 'findMany').mockRejectedValueOnce(new Error(leak));
    try {
      const res = await get('/api/v1/intakes', alice);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal', message: 'Internal error' } });
      expect(t.logs.join('')).toContain('api: unexpected error');
      expect(t.logs.join('')).not.toContain('770001122');
    } finally {
      spy.mockRestore();
    }
    expect((await get('/api/v1/intakes', alice)).status).toBe(200);
  });

  it('gives a one-time Telegram link code', async () => {
    const res = await post('/api/v1/me/telegram-link-code', alice);
    expect(res.status).toBe(200);
    expect(res.body.code).toMatch(/^\d{8}$/);
    const row = await t.server.prisma.staff.findUniqueOrThrow({ where: { id: alice.id } });
    expect(row.linkCodeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.linkCodeHash).not.toContain(res.body.code);
    expect(row.linkCodeExpiresAt).toEqual(new Date(t.clock.ms + 15 * 60_000));
    expect(res.body.expiresAt).toBe(new Date(t.clock.ms + 15 * 60_000).toISOString());
  });
});
