import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const TOKEN = 'metrics-token-for-the-test-0123456789';

/** What /metrics counts, and that no label value can come from a person. */
describe('GET /metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A case-management system that does not answer: the hand-off waits in the backlog.
    t = await createTestServer({ METRICS_TOKEN: TOKEN, MAX_OPEN_REQUESTS: '10', HANDOFF_WEBHOOK_URL: 'https://127.0.0.1:1/hook', HANDOFF_WEBHOOK_SECRET: 'a-secret-for-the-test' });
  });
  afterAll(async () => {
    await t.close();
  });
  const scrape = async () => (await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  it('is not served without METRICS_TOKEN', async () => {
    const plain = await createTestServer();
    try {
      expect((await plain.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('counts claims, closes, hand-offs, cancels, expiries, wrong codes and backlogs', async () => {
    const staff = await makeStaff(t);
    const api = (route: string, body?: object) =>
      t.http
        .post(route)
        .set(staff.auth)
        .send(body ?? {});
    const a = await makeIntake(t);
    const b = await makeIntake(t);
    await makeIntake(t);
    await api(`/api/v1/intakes/${a.id}/claim`);
    await api(`/api/v1/intakes/${a.id}/close`, { reason: 'resolved' });
    await api(`/api/v1/intakes/${b.id}/claim`);
    await api(`/api/v1/intakes/${b.id}/outcome`, { outcome: 'reached' });
    await api(`/api/v1/intakes/${b.id}/handoff`, { consent: { services: true, shareWithOrganisations: false, shareNumber: false } });
    const phone = new UssdSession(t.server.app, '+221779990401');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const code = codeShownIn(await phone.send('1'));
    const wrong = new UssdSession(t.server.app, '+221779990402');
    await wrong.dial();
    expect(await wrong.send('1*5*23456789')).toMatch(/Aucune demande/);
    const cancel = new UssdSession(t.server.app, '+221779990401');
    await cancel.dial();
    expect(await cancel.send(`1*5*${code}`)).toMatch(/^END Demande annulée/);

    let text = await scrape();
    expect(value(text, 'passerelle_intake_events_total{event="created"}')).toBe(4);
    expect(value(text, 'passerelle_intake_events_total{event="claimed"}')).toBe(2);
    expect(value(text, 'passerelle_intake_events_total{event="closed"}')).toBe(1);
    expect(value(text, 'passerelle_intake_events_total{event="handed_off"}')).toBe(1);
    expect(value(text, 'passerelle_intake_events_total{event="cancelled"}')).toBe(1);
    expect(value(text, 'passerelle_wrong_reference_codes_total{outcome="not_found"}')).toBe(1);
    expect(value(text, 'passerelle_pending_requests{queue="gbv"}')).toBe(1);
    expect(value(text, 'passerelle_pending_requests{queue="child_protection"}')).toBe(0);
    expect(value(text, 'passerelle_handoff_backlog')).toBe(1);
    expect(value(text, 'passerelle_outbox_backlog')).toBe(0);
    t.clock.advance(3_600_000);
    expect(value(await scrape(), 'passerelle_oldest_pending_request_age_seconds{queue="gbv"}')).toBe(3600);

    t.clock.advance((t.config.INTAKE_TTL_HOURS + 1) * 3_600_000);
    await t.server.purge();
    text = await scrape();
    expect(value(text, 'passerelle_intake_events_total{event="expired"}')).toBe(1);
    expect(value(text, 'passerelle_pending_requests{queue="gbv"}')).toBe(0);
    expect(value(text, 'passerelle_http_requests_total{channel="api",status_class="2xx"}')).toBeGreaterThanOrEqual(5);

    // Every label value is one of the names this code gives: nothing a person sent or is.
    const allowed = new Set([
      'ussd',
      'sms_twilio',
      'sms_africastalking',
      'telegram',
      'telegram_community',
      'telegram_staff',
      'api',
      'console',
      'simulator',
      'operations',
      'other',
      '1xx',
      '2xx',
      '3xx',
      '4xx',
      '5xx',
      'created',
      'refused_limit',
      'claimed',
      'closed',
      'cancelled',
      'expired',
      'handed_off',
      'not_found',
      'limited',
      'gbv',
      'child_protection',
      'migrant_protection',
    ]);
    const userLabels = [...text.matchAll(/^passerelle_\w+\{([^}]*)\}/gm)].flatMap((m) => [...m[1].matchAll(/="([^"]*)"/g)].map((v) => v[1]));
    expect(userLabels.length).toBeGreaterThan(20);
    expect(userLabels.filter((v) => !allowed.has(v))).toEqual([]);
    for (const needle of ['221779990401', '779990401', code]) expect(text).not.toContain(needle);
  });
});
