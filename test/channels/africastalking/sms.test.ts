import request from 'supertest';
import delivery from '../../fixtures/africastalking/sms-delivery.json';
import { FakeAfricasTalking } from '../../support/fakeAfricasTalking';
import { AT_INBOUND, AtPhone } from '../../support/smsPhones';
import { createTestServer, type TestServer } from '../../support/testServer';

const PATH = '/webhooks/africastalking/sms';
const { _source, ...DELIVERY } = delivery;
type Form = Record<string, string>;
const without = (form: Form, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));

const atEnv = (api: FakeAfricasTalking, extra: Record<string, string> = {}) => ({ AT_USERNAME: 'sandbox', AT_API_KEY: 'test-at-api-key-42', AT_API_BASE_URL: api.baseUrl, ...extra });

let n = 0;
const fresh = (form: Form): Form => ({
  ...form,
  ...(form.from?.startsWith('+') ? { from: `+2217710${String(++n).padStart(5, '0')}` } : {}),
  ...(form.id ? { id: `ATXid_case_${++n}` } : {}),
});

const cases: Array<{ label: string; form: Form | string; type?: string; status: number; body: RegExp; replied: boolean }> = [
  { label: 'first message → 200, the welcome sent through the SMS API', form: AT_INBOUND, status: 200, body: /^ok$/, replied: true },
  { label: 'missing from → 400', form: without(AT_INBOUND, 'from'), status: 400, body: /from is required/, replied: false },
  { label: 'malformed from → 400', form: { ...AT_INBOUND, from: 'Orange' }, status: 400, body: /from must be an international number/, replied: false },
  { label: 'missing to → 400', form: without(AT_INBOUND, 'to'), status: 400, body: /to is required/, replied: false },
  { label: 'missing id → 400', form: without(AT_INBOUND, 'id'), status: 400, body: /id is required/, replied: false },
  { label: 'missing date → 400', form: without(AT_INBOUND, 'date'), status: 400, body: /date is required/, replied: false },
  { label: 'text longer than any SMS thread → 400', form: { ...AT_INBOUND, text: 'x'.repeat(1601) }, status: 400, body: /text is too long/, replied: false },
  { label: 'missing text → welcome', form: without(AT_INBOUND, 'text'), status: 200, body: /^ok$/, replied: true },
  { label: 'missing linkId (not a premium message) → welcome', form: without(AT_INBOUND, 'linkId'), status: 200, body: /^ok$/, replied: true },
  { label: 'unknown extra fields are ignored', form: { ...AT_INBOUND, cost: 'XOF 0', keyword: 'AIDE' }, status: 200, body: /^ok$/, replied: true },
  { label: 'JSON instead of a form → 400', form: JSON.stringify(AT_INBOUND), type: 'application/json', status: 400, body: /from is required/, replied: false },
];

describe('POST /webhooks/africastalking/sms', () => {
  let t: TestServer;
  let api: FakeAfricasTalking;
  beforeAll(async () => {
    api = await new FakeAfricasTalking().start();
    t = await createTestServer(atEnv(api));
  });
  afterAll(async () => {
    await t.close();
    await api.stop();
  });

  test.each(cases)('$label', async ({ form, type, status, body, replied }) => {
    const before = api.requests.length;
    const sent = typeof form === 'string' ? form : fresh(form);
    const req = request(t.server.app).post(PATH);
    const res = typeof sent === 'string' ? await req.set('Content-Type', type!).send(sent) : await req.type('form').send(sent);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(body);
    const replies = api.requests.slice(before);
    expect(replies).toHaveLength(replied ? 1 : 0);
    if (replied && typeof sent !== 'string') {
      expect(replies[0]).toMatchObject({ username: 'sandbox', apiKey: 'test-at-api-key-42', to: sent.from });
      expect(replies[0].message).toMatch(/^Bienvenue\.[\s\S]*Ces SMS restent sur le téléphone/);
    }
  });

  it('answers a retried message id once: the reply is not sent again', async () => {
    const phone = new AtPhone(t.server.app, api, '+221771000901');
    await phone.send('Bonjour');
    const retried = phone.form('1', 'ATXid_retried_1');
    expect(await phone.send('1', 'ATXid_retried_1')).toMatch(/^Menu principal/);
    const before = api.requests.length;
    expect((await phone.post(retried)).status).toBe(200);
    expect(api.requests.length).toBe(before);
    expect(await phone.send('1')).toMatch(/^Quel besoin/);
  });

  it('sends the reply on the retry when it could not be queued the first time, then never again', async () => {
    const phone = new AtPhone(t.server.app, api, '+221771000977');
    await phone.send('Bonjour');
    const form = phone.form('1', 'ATXid_outbox_down_1');
    const outbox = t.server.prisma.outboxMessage;
    const create = outbox.create.bind(outbox);
    // The database refuses the outbox write once (a full disk, a lock).
    const spy = jest.spyOn(outbox, 'create').mockImplementationOnce(() => Promise.reject(new Error('SQLITE_FULL')) as never);
    const before = api.requests.length;
    expect((await phone.post(form)).status).toBe(500);
    expect(api.requests.length).toBe(before);
    spy.mockImplementation(create as never);
    // Africa's Talking retries the same message: the reply made the first time goes out now.
    expect((await phone.post(form)).status).toBe(200);
    expect(api.requests.slice(before).map((r) => r.message)).toEqual([expect.stringMatching(/^Menu principal/)]);
    // A further retry is a plain repeat.
    expect((await phone.post(form)).status).toBe(200);
    expect(api.requests.length).toBe(before + 1);
    spy.mockRestore();
  });

  it('sends from the configured sender id when there is one', async () => {
    const t2 = await createTestServer(atEnv(api, { AT_SMS_SENDER: 'PASSERELLE' }));
    try {
      const phone = new AtPhone(t2.server.app, api, '+221771000902');
      await phone.send('Bonjour');
      expect(api.requests[api.requests.length - 1].from).toBe('PASSERELLE');
    } finally {
      await t2.close();
    }
  });

  describe('the outbox', () => {
    const pending = () => t.server.channels.outbox.pending();

    it('keeps a failed reply sealed, retries it with backoff, and deletes it once sent', async () => {
      api.failNext({ http: 500 });
      const phone = new AtPhone(t.server.app, api, '+221771000903');
      const res = await phone.post(phone.form('Bonjour'));
      expect(res.status).toBe(200);
      expect(await pending()).toBe(1);
      const row = await t.server.prisma.outboxMessage.findFirstOrThrow();
      expect(row).toMatchObject({ channel: 'sms_africastalking', attempts: 1, keyId: 't1' });
      expect(row.sealedRecipient).not.toContain('771000903');
      expect(row.sealedBody).not.toContain('Bienvenue');
      expect(await t.storedBytes()).not.toContain('771000903');

      // Not due yet: nothing happens.
      t.clock.advance(10_000);
      expect(await t.server.channels.outbox.drain()).toEqual({ sent: 0, retrying: 0, dropped: 0 });
      t.clock.advance(25_000);
      expect(await t.server.channels.outbox.drain()).toEqual({ sent: 1, retrying: 0, dropped: 0 });
      expect(await pending()).toBe(0);
      expect(api.sent[api.sent.length - 1]).toMatchObject({ to: '+221771000903', message: expect.stringMatching(/^Bienvenue/) });
    });

    it('retries network failures and retryable status codes, then drops the message after the last attempt', async () => {
      api.failNext('drop', { http: 201, statusCode: 500 }, { http: 201, statusCode: 405 }, { http: 502 }, { http: 201, statusCode: 501 });
      const phone = new AtPhone(t.server.app, api, '+221771000904');
      const before = api.requests.length;
      await phone.post(phone.form('Bonjour'));
      const delays = [30_000, 120_000, 480_000, 1_920_000];
      for (const [i, delay] of delays.entries()) {
        t.clock.advance(delay - 1);
        expect((await t.server.channels.outbox.drain()).retrying + (await t.server.channels.outbox.drain()).dropped).toBe(0);
        t.clock.advance(1);
        const result = await t.server.channels.outbox.drain();
        expect(result).toEqual(i < delays.length - 1 ? { sent: 0, retrying: 1, dropped: 0 } : { sent: 0, retrying: 0, dropped: 1 });
      }
      expect(api.requests.length - before).toBe(5);
      expect(await pending()).toBe(0);
    });

    it('sends a due message once when two drains run at the same time', async () => {
      api.failNext({ http: 500 });
      const phone = new AtPhone(t.server.app, api, '+221771000906');
      await phone.post(phone.form('Bonjour'));
      expect(await pending()).toBe(1);
      t.clock.advance(30_000);
      const before = api.requests.length;
      const results = await Promise.all([t.server.channels.outbox.drain(), t.server.channels.outbox.drain(), t.server.channels.outbox.drain()]);
      expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
      expect(api.requests.length - before).toBe(1);
      expect(await pending()).toBe(0);
    });

    it('drops a message the provider refuses for good (invalid number) at once', async () => {
      api.failNext({ http: 201, statusCode: 403, status: 'InvalidPhoneNumber' });
      const phone = new AtPhone(t.server.app, api, '+221771000905');
      await phone.post(phone.form('Bonjour'));
      expect(await pending()).toBe(0);
      const rejected = await t.server.prisma.deliveryStat.findFirst({ where: { channel: 'sms_africastalking', status: 'rejected' } });
      expect(rejected?.count).toBeGreaterThanOrEqual(1);
    });
  });
});

describe('POST /webhooks/africastalking/sms/delivery', () => {
  let t: TestServer;
  let api: FakeAfricasTalking;
  beforeAll(async () => {
    api = await new FakeAfricasTalking().start();
    t = await createTestServer(atEnv(api, { AT_WEBHOOK_SECRET: 'at-callback-secret' }));
  });
  afterAll(async () => {
    await t.close();
    await api.stop();
  });

  const post = (form: Form, query = '?secret=at-callback-secret') => request(t.server.app).post(`${PATH}/delivery${query}`).type('form').send(form);
  const stats = async () => (await t.server.prisma.deliveryStat.findMany({ where: { channel: 'sms_africastalking' }, orderBy: { status: 'asc' } })).map((s) => [s.status, s.count]);

  it('maps delivery reports through the status table and keeps only counts', async () => {
    for (const status of ['Success', 'Success', 'Sent', 'Submitted', 'Buffered', 'Rejected', 'Failed', 'AbsentSubscriber', 'Expired', 'Teleported']) {
      const res = await post({ ...DELIVERY, status, ...(status === 'Failed' ? { failureReason: 'UserInBlackList' } : {}) });
      expect(res.status).toBe(200);
    }
    expect(await stats()).toEqual([
      ['delivered', 2],
      ['expired', 1],
      ['failed', 1],
      ['other', 1],
      ['queued', 1],
      ['rejected', 1],
      ['sent', 2],
      ['undelivered', 1],
    ]);
    expect(await t.storedBytes()).not.toContain('770000031');
  });

  it.each([
    ['missing secret → 403', DELIVERY, '', 403],
    ['wrong secret → 403', DELIVERY, '?secret=nope', 403],
    ['missing id → 400', without(DELIVERY, 'id'), undefined, 400],
    ['missing status → 400', without(DELIVERY, 'status'), undefined, 400],
    ['malformed retryCount → 400', { ...DELIVERY, retryCount: 'many' }, undefined, 400],
  ])('%s, nothing counted', async (_label, form, query, status) => {
    const before = await stats();
    const res = await post(form as Form, query);
    expect(res.status).toBe(status);
    expect(await stats()).toEqual(before);
  });

  it('inbound messages need the secret too', async () => {
    expect((await request(t.server.app).post(PATH).type('form').send(fresh(AT_INBOUND))).status).toBe(403);
    expect((await request(t.server.app).post(`${PATH}?secret=wrong`).type('form').send(fresh(AT_INBOUND))).status).toBe(403);
    expect((await request(t.server.app).post(`${PATH}?secret=at-callback-secret`).type('form').send(fresh(AT_INBOUND))).status).toBe(200);
    expect(t.logs.join('')).not.toContain('at-callback-secret');
  });
});
