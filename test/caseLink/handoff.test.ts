import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverHandoffs, HANDOFF_BACKOFF } from '../../src/caseLink/deliverHandoffs';
import { signHandoff, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/caseLink/handoff/webhookAdapter';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

const SECRET = 'test-handoff-secret-0123456789';
/** What the person agreed to on the phone: services and sharing, and their number passed on (the webhook never sends it). */
const CONSENT = { services: true, shareWithOrganisations: true, shareNumber: true };

/** A case-management system on loopback: records what it receives, answers with the statuses queued. */
async function receiver() {
  const received: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      // A redirect points elsewhere on the same server, where a follower would land.
      res.writeHead(status, status >= 300 && status < 400 ? { Location: '/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/intake`, received, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('hand-off through the signed webhook adapter', () => {
  let t: TestServer;
  let cms: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    cms = await receiver();
    t = await createTestServer({ HANDOFF_WEBHOOK_URL: cms.url, HANDOFF_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await t.close();
    await cms.close();
  });

  it('signs a de-identified payload, retries with backoff until delivered, and forgets the number', async () => {
    const staff = await makeStaff(t);
    const intake = await makeIntake(t, { cover: 'customer_service' });
    const post = (path: string, body?: object) =>
      t.http
        .post(path)
        .set(staff.auth)
        .send(body ?? {});
    await post(`/api/v1/intakes/${intake.id}/claim`);
    t.clock.advance(10 * 60_000);
    await post(`/api/v1/intakes/${intake.id}/outcome`, { outcome: 'reached' });

    cms.statuses.push(503, 500);
    expect((await post(`/api/v1/intakes/${intake.id}/handoff`, { consent: CONSENT })).status).toBe(200);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'handed_off', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    await t.server.desk.runMaintenance(); // waits for the delivery the hand-off started
    expect(cms.received).toHaveLength(1);
    let row = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
    expect(row).toMatchObject({ adapter: 'webhook', status: 'pending', attempts: 1 });
    expect(row.nextAttemptAt.getTime() - t.clock.ms).toBe(HANDOFF_BACKOFF.baseMs);
    expect(JSON.parse(row.lastError!)).toEqual({ code: 'http_503' });
    // The person agreed to share their number, but the webhook never sends it: none is held for it.
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);

    // Not due yet: nothing is sent.
    t.clock.advance(HANDOFF_BACKOFF.baseMs - 1000);
    await t.server.desk.runMaintenance();
    expect(cms.received).toHaveLength(1);
    t.clock.advance(1000);
    await t.server.desk.runMaintenance();
    expect(cms.received).toHaveLength(2);
    row = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
    expect(row.nextAttemptAt.getTime() - t.clock.ms).toBe(2 * HANDOFF_BACKOFF.baseMs);
    t.clock.advance(2 * HANDOFF_BACKOFF.baseMs);
    await t.server.desk.runMaintenance();
    expect(cms.received).toHaveLength(3);
    row = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    // The number held for the hand-off (the person agreed to pass it on) is gone with the delivery.
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);

    const last = cms.received[2];
    const timestamp = String(last.headers[TIMESTAMP_HEADER.toLowerCase()]);
    expect(Number(timestamp)).toBe(Math.floor(t.clock.ms / 1000));
    expect(last.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(signHandoff(SECRET, timestamp, last.body));
    expect(last.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(last.body);
    expect(payload).toEqual({
      label: intake.label,
      queue: 'gbv',
      language: 'fr',
      outcome: 'reached',
      createdAt: expect.any(String),
      claimedAt: expect.any(String),
      firstCallAt: expect.any(String),
      handedOffAt: expect.any(String),
      consent: { ...CONSENT, recordedAt: expect.any(String) },
    });
    for (const secret of [intake.contact, intake.contact.slice(4), 'customer_service', staff.id]) expect(last.body).not.toContain(secret);

    // Delivered: never sent again.
    t.clock.advance(3_600_000);
    await t.server.desk.runMaintenance();
    expect(cms.received).toHaveLength(3);
  });

  /** An intake claimed by a new staff member who reached the person; `post` acts as that staff member. */
  async function reachedIntake() {
    const staff = await makeStaff(t);
    const intake = await makeIntake(t);
    const post = (path: string, body?: object) =>
      t.http
        .post(path)
        .set(staff.auth)
        .send(body ?? {});
    await post(`/api/v1/intakes/${intake.id}/claim`);
    await post(`/api/v1/intakes/${intake.id}/outcome`, { outcome: 'reached' });
    return { intake, post };
  }

  it('gives up after the last attempt and marks the hand-off failed', async () => {
    const { intake, post } = await reachedIntake();
    const before = cms.received.length;
    cms.statuses.push(...Array(HANDOFF_BACKOFF.maxAttempts).fill(500));
    await post(`/api/v1/intakes/${intake.id}/handoff`, { consent: CONSENT });
    for (let i = 0; i < HANDOFF_BACKOFF.maxAttempts + 2; i += 1) {
      await t.server.desk.runMaintenance();
      t.clock.advance(HANDOFF_BACKOFF.maxMs);
    }
    expect(cms.received.length - before).toBe(HANDOFF_BACKOFF.maxAttempts);
    const row = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } });
    expect(row).toMatchObject({ status: 'failed', attempts: HANDOFF_BACKOFF.maxAttempts, failedAt: expect.any(Date) });
    expect(JSON.parse(row.lastError!)).toEqual({ code: 'gave_up_http_500' });
    expect(await t.server.prisma.handoffContact.count({ where: { handoffId: row.id } })).toBe(0);
  });

  it('refuses a hand-off without consent to services: nothing is queued and the request stays claimed', async () => {
    const { intake, post } = await reachedIntake();
    for (const body of [{}, { consent: { ...CONSENT, services: false } }]) {
      const res = await post(`/api/v1/intakes/${intake.id}/handoff`, body);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'consent_required' });
    }
    expect(await t.server.prisma.handoff.count({ where: { intakeId: intake.id } })).toBe(0);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed' });
  });

  it('does not follow a redirect with the signed payload: it is a failure, retried later', async () => {
    const { intake, post } = await reachedIntake();
    const before = cms.received.length;
    cms.statuses.push(307);
    await post(`/api/v1/intakes/${intake.id}/handoff`, { consent: CONSENT });
    await t.server.desk.runMaintenance();
    expect(cms.received.slice(before).map((r) => r.path)).toEqual(['/intake']);
    expect(await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id } })).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('delivers a hand-off once when two delivery runs overlap (two instances)', async () => {
    const intake = await makeIntake(t);
    await t.server.prisma.handoff.create({
      data: { id: 'lease-test', intakeId: intake.id, adapter: 'slow', payload: '{}', status: 'pending', nextAttemptAt: t.clock.now(), createdAt: t.clock.now() },
    });
    let deliveries = 0;
    const slow = {
      name: 'slow',
      deliver: async () => {
        deliveries += 1;
        await new Promise((r) => setImmediate(r));
      },
    };
    const ctx = t.server.desk.context;
    const results = await Promise.all([deliverHandoffs(ctx, slow), deliverHandoffs(ctx, slow)]);
    expect(deliveries).toBe(1);
    expect(results.map((r) => r.delivered).sort()).toEqual([0, 1]);
    expect(await t.server.prisma.handoff.findUniqueOrThrow({ where: { id: 'lease-test' } })).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
