import { HANDOFF_BACKOFF } from '../../src/caseLink/deliverHandoffs';
import { HandoffRefused, HandoffRetry, HandoffRetryAt, type HandoffDelivery } from '../../src/caseLink/handoff/adapter';
import { answerFor, dayIn, primeroCase, primeroCaseId, primeroHandoffAdapter, refusedPointers, retryAfter } from '../../src/caseLink/handoff/primeroAdapter';
import { consoleLogin, makeIntake, makeStaff } from '../desk/deskFixtures';
import { FakePrimero, type PrimeroScript } from '../support/fakePrimero';
import { createTestServer, type TestServer } from '../support/testServer';

const PASSWORD = 'console-password-for-tests-0123';
const QUEUES = ['gbv', 'child_protection', 'migrant_protection', 'legacy_queue'];
/** The forms a number can take in text (as in test/privacy.test.ts). */
const forms = (e164: string) => [e164, e164.slice(1), e164.slice(4), `${e164.slice(4, 6)} ${e164.slice(6, 9)} ${e164.slice(9, 11)} ${e164.slice(11)}`];

type Consent = { services: boolean; shareWithOrganisations: boolean; shareNumber: boolean };
const NO_NUMBER: Consent = { services: true, shareWithOrganisations: false, shareNumber: false };
const WITH_NUMBER: Consent = { services: true, shareWithOrganisations: true, shareNumber: true };

function primeroEnv(fake: FakePrimero, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HANDOFF_ADAPTER: 'primero',
    PRIMERO_URL: fake.url,
    PRIMERO_USERNAME: fake.username,
    PRIMERO_PASSWORD: fake.password,
    PRIMERO_MODULES: 'migrant_protection=primeromodule-cp',
    PRIMERO_FIELDS: 'label=passerelle_reference,queue=passerelle_queue',
    PRIMERO_TIMEOUT_SECONDS: '1',
    LOG_LEVEL: 'trace',
    ...extra,
  };
}

/** A request claimed by a caseworker who reached the person; `handOff` records the consent and hands it off, and waits for the first attempt. */
async function reachedIntake(t: TestServer, options: Parameters<typeof makeIntake>[1] = {}) {
  const staff = await makeStaff(t, { queues: QUEUES, languages: ['fr', 'en'], password: PASSWORD });
  const intake = await makeIntake(t, { cover: 'customer_service', timeWindow: 'evening', callerGender: 'female', ...options });
  const post = (path: string, body?: object) =>
    t.http
      .post(path)
      .set(staff.auth)
      .send(body ?? {});
  expect((await post(`/api/v1/intakes/${intake.id}/claim`)).status).toBe(200);
  expect((await post(`/api/v1/intakes/${intake.id}/outcome`, { outcome: 'reached' })).status).toBe(200);
  const handOff = async (consent: Consent) => {
    const res = await post(`/api/v1/intakes/${intake.id}/handoff`, { consent });
    expect(res.status).toBe(200);
    await t.server.desk.runMaintenance(); // waits for the delivery the hand-off started
    return t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
  };
  const row = () => t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
  return { staff, intake, post, handOff, row };
}

describe('Primero adapter, its parts', () => {
  it('derives one case id per hand-off, a UUID, the same on every retry', () => {
    const id = primeroCaseId('0123456789abcdef0123456789abcdef');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(primeroCaseId('0123456789abcdef0123456789abcdef')).toBe(id);
    expect(primeroCaseId('0123456789abcdef0123456789abcdee')).not.toBe(id);
  });

  it.each([
    { status: 204, answer: 'delivered' },
    { status: 200, answer: 'delivered' },
    { status: 409, answer: 'already_there' },
    { status: 422, answer: 'invalid' },
    { status: 401, answer: 'credentials_refused' },
    { status: 403, answer: 'credentials_refused' },
    { status: 503, answer: 'unavailable' },
    { status: 500, answer: 'retry' },
    { status: 502, answer: 'retry' },
    { status: 429, answer: 'retry' },
    { status: 404, answer: 'retry' },
    { status: 307, answer: 'retry' },
  ])('takes $status as $answer', ({ status, answer }) => {
    expect(answerFor(status)).toBe(answer);
  });

  const now = new Date('2026-11-24T09:00:00Z');
  it.each([
    { label: 'seconds', header: '120', at: '2026-11-24T09:02:00.000Z' },
    { label: 'an HTTP date', header: 'Tue, 24 Nov 2026 09:05:00 GMT', at: '2026-11-24T09:05:00.000Z' },
    { label: 'a date already past (now)', header: 'Tue, 24 Nov 2026 08:00:00 GMT', at: '2026-11-24T09:00:00.000Z' },
    { label: 'nothing', header: null, at: undefined },
    { label: 'nonsense', header: 'soon', at: undefined },
  ])('reads Retry-After given as $label', ({ header, at }) => {
    expect(retryAfter(header, now)?.toISOString()).toBe(at);
  });

  it.each([
    { label: 'schema pointers', body: { errors: [{ code: 422, message: 'Invalid Record JSON', detail: ['/language/0', '/unknown_field'] }] }, pointers: ['/language/0', '/unknown_field'] },
    { label: 'a model field name', body: { errors: [{ code: 422, message: 'Please enter the date in a valid format (dd-mmm-yyyy)', detail: 'registration_date' }] }, pointers: ['/registration_date'] },
    { label: 'something that is not a pointer (a value)', body: { errors: [{ code: 422, message: 'x', detail: ['+221 77 123 45 67', '/ok'] }] }, pointers: ['/ok'] },
    { label: 'no detail', body: { errors: [{ code: 422, message: 'x' }] }, pointers: [] },
    { label: 'not JSON', body: '<html>', pointers: [] },
  ])('keeps the pointers of a 422 from $label, never a message', ({ body, pointers }) => {
    expect(refusedPointers(typeof body === 'string' ? body : JSON.stringify(body))).toEqual(pointers);
  });

  it.each([
    { label: 'consent to share, number held', shareNumber: true, contact: '+221771234567', fields: {}, has: ['telephone_current'], lacks: ['passerelle_reference', 'passerelle_queue'] },
    { label: 'consent to share, number destroyed (past the request’s time)', shareNumber: true, contact: null, fields: {}, has: [], lacks: ['telephone_current'] },
    { label: 'no consent to share, number given anyway', shareNumber: false, contact: '+221771234567', fields: {}, has: [], lacks: ['telephone_current'] },
    {
      label: 'the label mapped, not the queue',
      shareNumber: false,
      contact: null,
      fields: { label: 'passerelle_reference' },
      has: ['passerelle_reference'],
      lacks: ['passerelle_queue', 'telephone_current'],
    },
  ])('builds the case: $label', ({ shareNumber, contact, fields, has, lacks }) => {
    const data = primeroCase(
      { modules: { gbv: 'primeromodule-gbv' }, fields, timeZone: 'Africa/Dakar', languages: { fr: 'language1' } },
      {
        handoffId: '0123456789abcdef0123456789abcdef',
        contact,
        payload: {
          label: 'ABC-DEF',
          queue: 'gbv',
          language: 'fr',
          outcome: 'reached',
          createdAt: now.toISOString(),
          claimedAt: null,
          firstCallAt: null,
          handedOffAt: now.toISOString(),
          consent: { ...NO_NUMBER, shareNumber, recordedAt: now.toISOString() },
        },
      },
    );
    expect(Object.keys(data).sort()).toEqual(['consent_for_services', 'disclosure_other_orgs', 'hidden_name', 'id', 'language', 'module_id', 'registration_date', ...has].sort());
    for (const field of lacks) expect(data).not.toHaveProperty(field);
    expect(data.language).toEqual(['language1']);
  });

  it('dates the registration on the deployment’s calendar', () => {
    expect(dayIn(new Date('2026-11-24T23:30:00Z'), 'Africa/Dakar')).toBe('2026-11-24');
    expect(dayIn(new Date('2026-11-24T23:30:00Z'), 'Africa/Douala')).toBe('2026-11-25');
  });

  it('retries a network failure and a timeout', async () => {
    const delivery: HandoffDelivery = {
      handoffId: '0123456789abcdef0123456789abcdef',
      contact: null,
      payload: {
        label: 'ABC-DEF',
        queue: 'gbv',
        language: 'fr',
        outcome: 'reached',
        createdAt: now.toISOString(),
        claimedAt: null,
        firstCallAt: null,
        handedOffAt: now.toISOString(),
        consent: { ...NO_NUMBER, recordedAt: now.toISOString() },
      },
    };
    const base = { username: 'u', password: 'p', modules: { gbv: 'primeromodule-gbv' }, timeZone: 'Africa/Dakar' };
    const refused = primeroHandoffAdapter({ ...base, url: 'http://127.0.0.1:1' });
    await expect(refused.deliver(delivery)).rejects.toEqual(new HandoffRetry('network'));
    const slow = primeroHandoffAdapter({
      ...base,
      url: 'http://127.0.0.1:9',
      timeoutMs: 50,
      fetch: (_url, init) => new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason))),
    });
    await expect(slow.deliver(delivery)).rejects.toMatchObject({ code: 'timeout' });
    expect(refused.refusal?.({ queue: 'legacy_queue', language: 'fr' })).toMatch(/PRIMERO_MODULES/);
    // A hand-off queued by an older version, before consent was recorded, never leaves (and is not retried).
    const { consent: _none, ...older } = delivery.payload;
    await expect(refused.deliver({ ...delivery, payload: older as HandoffDelivery['payload'] })).rejects.toEqual(new HandoffRefused('no_consent'));
    expect(new HandoffRefused('x')).toBeInstanceOf(Error);
    expect(new HandoffRetryAt(now, 'http_503').at).toBe(now);
  });
});

describe('hand-off into Primero v2 (a local fake built from its documented answers)', () => {
  let t: TestServer;
  let primero: FakePrimero;
  beforeAll(async () => {
    // This Primero's lookup-language has no English entry: an English request's case is refused (422).
    primero = await new FakePrimero({ languages: ['fr', 'wo', 'bm'], extraFields: ['passerelle_reference', 'passerelle_queue'] }).start();
    t = await createTestServer(primeroEnv(primero));
  });
  afterAll(async () => {
    await t.close();
    await primero.stop();
  });

  it('creates a case with HTTP Basic and a client id (204): documented fields only, and no number without consent to share it', async () => {
    const { intake, handOff } = await reachedIntake(t);
    const before = primero.requests.length;
    const row = await handOff(NO_NUMBER);
    expect(row).toMatchObject({ adapter: 'primero', status: 'delivered', attempts: 1, lastError: null, deliveredAt: expect.any(Date) });
    const [request, ...more] = primero.requests.slice(before);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', path: '/api/v2/cases' });
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${primero.username}:${primero.password}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.raw)).toEqual({
      data: {
        id: primeroCaseId(row.id),
        module_id: 'primeromodule-gbv',
        consent_for_services: true,
        disclosure_other_orgs: false,
        language: ['fr'],
        registration_date: '2026-11-24',
        hidden_name: true,
        passerelle_reference: intake.label,
        passerelle_queue: 'gbv',
      },
    });
    expect(primero.cases.get(primeroCaseId(row.id))).toBeDefined();
    // Nothing else of the request travels: not the number in any form, nor the cover, the time window, the caller's gender.
    for (const secret of [...forms(intake.contact), 'customer_service', 'evening', 'female', intake.reference]) expect(request.raw).not.toContain(secret);
    // No number was held for the hand-off at all.
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);
  });

  it.each([
    { label: 'child protection', options: { subject: 'child' as const }, module: 'primeromodule-cp', queue: 'child_protection' },
    { label: 'migrant protection (PRIMERO_MODULES)', options: { topic: 'migrants' }, module: 'primeromodule-cp', queue: 'migrant_protection' },
    { label: 'GBV', options: {}, module: 'primeromodule-gbv', queue: 'gbv' },
  ])('files a $label request in its module', async ({ options, module, queue }) => {
    const { handOff } = await reachedIntake(t, options);
    const row = await handOff(NO_NUMBER);
    expect(row.status).toBe('delivered');
    expect(primero.cases.get(primeroCaseId(row.id))).toMatchObject({ module_id: module, passerelle_queue: queue });
  });

  it('passes the number on with consent to share it, then forgets it: its bytes are nowhere in the database files', async () => {
    const { intake, handOff, row } = await reachedIntake(t);
    primero.script.push({ status: 503 }); // the first attempt waits: the held number can be looked at
    const first = await handOff(WITH_NUMBER);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(JSON.parse(first.lastError!)).toEqual({ code: 'http_503' });
    const held = await t.server.prisma.handoffContact.findUniqueOrThrow({ where: { handoffId: first.id } });
    // The search below finds the held number's sealed bytes while they are there.
    expect((await t.storedBytes()).includes(held.sealedContact)).toBe(true);
    t.clock.advance(HANDOFF_BACKOFF.baseMs);
    await t.server.desk.runMaintenance();
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2 });
    const sent = primero.cases.get(primeroCaseId(first.id))!;
    expect(sent).toMatchObject({ telephone_current: intake.contact, disclosure_other_orgs: true });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: first.id } })).toBe(0);
    // SQLite erased the bytes with the delivery; PostgreSQL's next purge rewrites the table that held them (as for OpenContact).
    await t.server.purge();
    const stored = await t.storedBytes();
    for (const needle of [...forms(intake.contact), held.sealedContact, held.contactNonce]) expect({ needle, inDatabase: stored.includes(needle) }).toEqual({ needle, inDatabase: false });
    const logs = t.logs.join('');
    for (const needle of [...forms(intake.contact), primero.password]) expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
  });

  it.each<{ label: string; script: PrimeroScript }>([
    { label: 'got a 500', script: 'accept_then_500' },
    { label: 'timed out', script: 'accept_then_hang' },
  ])('counts a retried hand-off as delivered when the first attempt reached Primero but $label (409 on the retry)', async ({ script }) => {
    const { handOff, row } = await reachedIntake(t);
    primero.script.push(script);
    const first = await handOff(WITH_NUMBER);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(JSON.parse(first.lastError!).code).toBe(script === 'accept_then_500' ? 'http_500' : 'timeout');
    const id = primeroCaseId(first.id);
    expect(primero.cases.has(id)).toBe(true);
    const before = primero.requests.length;
    t.clock.advance(HANDOFF_BACKOFF.baseMs);
    await t.server.desk.runMaintenance();
    expect(primero.requests.slice(before).map((r) => r.data?.id)).toEqual([id]);
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: first.id } })).toBe(0);
    expect([...primero.cases.keys()].filter((k) => k === id)).toHaveLength(1);
  });

  it('fails for good on 422, keeps the refused fields’ pointers only, logs them without values, and shows them to the caseworker', async () => {
    const { intake, staff, handOff } = await reachedIntake(t, { language: 'en' });
    const logsBefore = t.logs.length;
    const row = await handOff(WITH_NUMBER);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, failedAt: expect.any(Date) });
    expect(JSON.parse(row.lastError!)).toEqual({ code: 'invalid_fields', pointers: ['/language/0'] });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);
    const refused = t.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l))
      .find((l) => l.event === 'handoff.primero.refused');
    expect(refused).toMatchObject({ pointers: ['/language/0'], handoffId: row.id });
    for (const needle of forms(intake.contact)) expect(t.logs.join('')).not.toContain(needle);

    // Never tried again.
    const before = primero.requests.length;
    t.clock.advance(HANDOFF_BACKOFF.maxMs);
    await t.server.desk.runMaintenance();
    expect(primero.requests.length).toBe(before);

    const view = await t.http.get(`/api/v1/intakes/${intake.id}`).set(staff.auth);
    expect(view.status).toBe(200);
    expect(view.body.handoff).toEqual({
      adapter: 'primero',
      status: 'failed',
      attempts: 1,
      nextAttemptAt: null,
      deliveredAt: null,
      failedAt: expect.any(String),
      error: { code: 'invalid_fields', pointers: ['/language/0'] },
    });
    const { agent } = await consoleLogin(t, staff.name, PASSWORD);
    const page = await agent.get(`/console/intakes/${intake.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="handoff-status"[^>]*>[^<]*\/language\/0/);
  });

  it('fails for good on 403 and tells the administrator in the log', async () => {
    const { handOff } = await reachedIntake(t);
    primero.script.push({ status: 403 });
    const logsBefore = t.logs.length;
    const row = await handOff(NO_NUMBER);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.parse(row.lastError!)).toEqual({ code: 'primero_403' });
    const alert = t.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l))
      .find((l) => l.event === 'handoff.primero.credentials_refused');
    expect(alert).toMatchObject({ level: 50, status: 403 });
  });

  it.each([
    { label: 'seconds', retryAfter: () => '120', waitMs: 120_000 },
    { label: 'an HTTP date', retryAfter: () => new Date(t.clock.ms + 300_000).toUTCString(), waitMs: 300_000 },
  ])('waits as long as a 503’s Retry-After ($label) says', async ({ retryAfter: header, waitMs }) => {
    const { handOff, row } = await reachedIntake(t);
    primero.script.push({ status: 503, retryAfter: header() });
    const first = await handOff(NO_NUMBER);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first.nextAttemptAt.getTime() - t.clock.ms).toBe(waitMs);
    const before = primero.requests.length;
    t.clock.advance(waitMs - 1000);
    await t.server.desk.runMaintenance();
    expect(primero.requests.length).toBe(before);
    t.clock.advance(1000);
    await t.server.desk.runMaintenance();
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it.each([500, 502, 429, 307])('retries a %s with the usual backoff (a redirect is not followed)', async (status) => {
    const { handOff } = await reachedIntake(t);
    primero.script.push({ status });
    const before = primero.requests.length;
    const first = await handOff(NO_NUMBER);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(JSON.parse(first.lastError!)).toEqual({ code: `http_${status}` });
    expect(first.nextAttemptAt.getTime() - t.clock.ms).toBe(HANDOFF_BACKOFF.baseMs);
    expect(primero.requests.slice(before).map((r) => r.path)).toEqual(['/api/v2/cases']);
    t.clock.advance(HANDOFF_BACKOFF.baseMs);
    await t.server.desk.runMaintenance();
  });

  it('sends no number once the request’s time has run out: the purge destroyed it', async () => {
    const { intake, handOff, row } = await reachedIntake(t);
    primero.script.push({ status: 500 });
    const first = await handOff(WITH_NUMBER);
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: first.id } })).toBe(1);
    const { expiresAt } = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    t.clock.ms = expiresAt.getTime();
    primero.script.push({ status: 500 }); // the purge runs first, then this attempt
    const purged = await t.server.desk.runMaintenance();
    expect(purged).toMatchObject({ handoffNumbersDestroyed: 1 });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: first.id } })).toBe(0);
    t.clock.advance(HANDOFF_BACKOFF.maxMs);
    await t.server.desk.runMaintenance();
    expect(await row()).toMatchObject({ status: 'delivered' });
    const sent = primero.cases.get(primeroCaseId(first.id))!;
    expect(sent).not.toHaveProperty('telephone_current');
    expect(sent).toMatchObject({ consent_for_services: true });
  });

  it('refuses to hand off from a queue with no Primero module, before the number is destroyed', async () => {
    const { intake, post } = await reachedIntake(t);
    // Routed before a change of QUEUE_ROUTES to a queue Primero has no module for.
    await t.server.prisma.intake.update({ where: { id: intake.id }, data: { queue: 'legacy_queue' } });
    const res = await post(`/api/v1/intakes/${intake.id}/handoff`, { consent: WITH_NUMBER });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'handoff_unroutable', message: expect.stringMatching(/PRIMERO_MODULES/) });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', contactDestroyedAt: null });
    expect(await t.server.prisma.handoff.count({ where: { intakeId: intake.id } })).toBe(0);
  });

  it('never uses the session login (it would log the API user out elsewhere)', () => {
    expect(primero.requests.length).toBeGreaterThan(10);
    expect(primero.requests.filter((r) => r.path !== '/api/v2/cases')).toEqual([]);
    expect(primero.requests.every((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
  });
});

describe('hand-off into Primero with a refused API user', () => {
  let t: TestServer;
  let primero: FakePrimero;
  beforeAll(async () => {
    primero = await new FakePrimero({ extraFields: ['passerelle_reference', 'passerelle_queue'] }).start();
    t = await createTestServer(primeroEnv(primero, { PRIMERO_PASSWORD: 'not-the-password-0123' }));
  });
  afterAll(async () => {
    await t.close();
    await primero.stop();
  });

  it('fails on 401, logs an error for the administrator (a stable event, no secret), and tries no more', async () => {
    const { handOff } = await reachedIntake(t);
    const row = await handOff(WITH_NUMBER);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.parse(row.lastError!)).toEqual({ code: 'primero_401' });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);
    const alert = t.logs.map((l) => JSON.parse(l)).find((l) => l.event === 'handoff.primero.credentials_refused');
    expect(alert).toMatchObject({ level: 50, status: 401, msg: expect.stringMatching(/PRIMERO_USERNAME/) });
    const logs = t.logs.join('');
    for (const secret of ['not-the-password-0123', Buffer.from(`${primero.username}:not-the-password-0123`).toString('base64')]) expect(logs).not.toContain(secret);
    expect(primero.cases.size).toBe(0);
    t.clock.advance(HANDOFF_BACKOFF.maxMs);
    await t.server.desk.runMaintenance();
    expect(primero.requests).toHaveLength(1);
  });
});
