import request from 'supertest';
import statusFixture from '../../fixtures/twilio/status-delivered.json';
import { createTestServer, type TestServer } from '../../support/testServer';
import { nextSid, TWILIO_ENV, TWILIO_INBOUND, twilioSignature, twimlText, TwilioPhone } from '../../support/smsPhones';

const PATH = '/webhooks/twilio/sms';
const STATUS_PATH = '/webhooks/twilio/sms/status';
const { _source, ...STATUS } = statusFixture;

type Form = Record<string, string>;
const without = (form: Form, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));

interface Case {
  label: string;
  form: Form | string;
  /** The signature header: computed over the form (default), over something else, or absent. */
  signature?: 'good' | 'missing' | 'wrong' | 'otherUrl' | 'otherToken';
  type?: string;
  status: number;
  body: RegExp;
}

let phoneNumber = 100;
/** A fresh sender per case, so cases never share a conversation. */
const fresh = (form: Form): Form => ({
  ...form,
  ...('From' in form && form.From.startsWith('+') ? { From: `+2217700${String(++phoneNumber).padStart(5, '0')}` } : {}),
  ...('MessageSid' in form && form.MessageSid.length === 34 ? { MessageSid: nextSid() } : {}),
});

const cases: Case[] = [
  { label: 'first message → welcome, with the one-time reminder', form: TWILIO_INBOUND, status: 200, body: /<Message[^>]*>Bienvenue\.[\s\S]*Ces SMS restent sur le téléphone/ },
  { label: 'missing signature → 400', form: TWILIO_INBOUND, signature: 'missing', status: 400, body: /X-Twilio-Signature is required/ },
  { label: 'wrong signature → 403', form: TWILIO_INBOUND, signature: 'wrong', status: 403, body: /wrong X-Twilio-Signature/ },
  { label: 'signature for another URL → 403', form: TWILIO_INBOUND, signature: 'otherUrl', status: 403, body: /wrong X-Twilio-Signature/ },
  { label: 'signature with another auth token → 403', form: TWILIO_INBOUND, signature: 'otherToken', status: 403, body: /wrong X-Twilio-Signature/ },
  { label: 'a field changed after signing → 403', form: { ...TWILIO_INBOUND, Body: 'changed' }, signature: 'wrong', status: 403, body: /wrong/ },
  { label: 'missing From → 400', form: without(TWILIO_INBOUND, 'From'), status: 400, body: /From is required/ },
  { label: 'From not a phone number (WhatsApp) → 400', form: { ...TWILIO_INBOUND, From: 'whatsapp:+221770000021' }, status: 400, body: /From must be an E.164 phone number/ },
  { label: 'missing MessageSid → 400', form: without(TWILIO_INBOUND, 'MessageSid'), status: 400, body: /MessageSid is required/ },
  { label: 'malformed MessageSid → 400', form: { ...TWILIO_INBOUND, MessageSid: 'SM123' }, status: 400, body: /MessageSid must be a Twilio/ },
  { label: 'missing AccountSid → 400', form: without(TWILIO_INBOUND, 'AccountSid'), status: 400, body: /AccountSid is required/ },
  { label: 'Body longer than Twilio allows → 400', form: { ...TWILIO_INBOUND, Body: 'x'.repeat(1601) }, status: 400, body: /Body is too long/ },
  { label: 'missing Body → welcome (an empty message)', form: without(TWILIO_INBOUND, 'Body'), status: 200, body: /Bienvenue/ },
  { label: 'unknown extra fields are ignored', form: { ...TWILIO_INBOUND, AddOns: '{"status":"successful"}', MediaUrl0: 'https://example.org/x.jpg' }, status: 200, body: /Bienvenue/ },
  { label: 'JSON instead of a form → 400', form: JSON.stringify(TWILIO_INBOUND), type: 'application/json', status: 400, body: /MessageSid is required/ },
];

describe('POST /webhooks/twilio/sms', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer(TWILIO_ENV);
  });
  afterAll(async () => {
    await t.close();
  });

  test.each(cases)('$label', async ({ form, signature = 'good', type, status, body }) => {
    const req = request(t.server.app).post(PATH);
    const sent = typeof form === 'string' ? form : fresh(form);
    const signedOver = typeof sent === 'string' ? {} : signature === 'wrong' ? { ...sent, Body: 'something else' } : sent;
    const headers: Record<string, string> = {};
    if (signature !== 'missing') {
      headers['X-Twilio-Signature'] =
        signature === 'otherUrl' ? twilioSignature('/webhooks/other', signedOver) : signature === 'otherToken' ? twilioSignature(PATH, signedOver, 'another-token') : twilioSignature(PATH, signedOver);
    }
    const sessions = await t.sessionCount();
    const res = typeof sent === 'string' ? await req.set(headers).set('Content-Type', type!).send(sent) : await req.set(headers).type('form').send(sent);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(body);
    if (status === 200) {
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message action="https:\/\/passerelle\.example\.org\/webhooks\/twilio\/sms\/status" method="POST">/);
    } else {
      // Nothing else ran: no conversation was started.
      expect(await t.sessionCount()).toBe(sessions);
    }
  });

  it('answers a retried MessageSid with the same reply, without running the step again', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000201');
    await phone.send('Bonjour');
    const sid = nextSid();
    const first = await phone.send('1', sid);
    expect(first).toMatch(/^Menu principal/);
    expect(await phone.send('1', sid)).toBe(first);
    // Had the retry run, this `1` would land one screen further.
    expect(await phone.send('1')).toMatch(/^Quel besoin/);
  });

  it('answers a MessageSid retried while the first is still running once', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000205');
    await phone.send('Bonjour');
    const form = phone.form('1');
    const [a, b] = await Promise.all([phone.post(form), phone.post(form)]);
    expect(twimlText(a.text)).toMatch(/^Menu principal/);
    expect(b.text).toBe(a.text);
    expect(await phone.send('1')).toMatch(/^Quel besoin/);
  });

  it('reminds once per conversation that messages stay on the phone', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000202');
    expect(await phone.send('Bonjour')).toMatch(/Ces SMS restent/);
    expect(await phone.send('1')).not.toMatch(/Ces SMS restent/);
  });

  it('continues within the idle time; after it, starts afresh showing nothing of before', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000203');
    await phone.send('Bonjour');
    await phone.send('1');
    t.clock.advance(29 * 60_000);
    expect(await phone.send('2')).toMatch(/^Nous gardons ce numéro/);
    t.clock.advance(31 * 60_000);
    const again = await phone.send('1');
    expect(again).toMatch(/^Bienvenue/);
    expect(again).not.toMatch(/rappel/);
    expect(again).toMatch(/Ces SMS restent/);
  });

  describe('keywords, at any point', () => {
    it.each([
      ['STOP ends at once', ['Bonjour', '1', '2'], 'STOP', /^Merci\. Au revoir\.$/],
      ['stop in lower case', ['Bonjour', '1'], 'stop', /^Merci\. Au revoir\.$/],
      ['AIDE → the main menu in French', [], 'AIDE', /^Menu principal/],
      ['HELP → the main menu in English', [], 'HELP', /^Main menu/],
      ['aide in the middle of a request → the main menu', ['Bonjour', '1', '2', '1'], 'aide', /^Menu principal/],
      ['ANNULER alone → asks for the code', [], 'ANNULER', /^Tapez le code de votre demande/],
      ['LANGUE in the middle of a flow → the language choice', ['Bonjour', '1', '1'], 'LANGUE', /Langue \/ Language/],
      ['ANNULER with an unknown code → not found', [], 'ANNULER 2345 6789', /^Aucune demande en cours avec ce code/],
      ['CANCEL with a code → in English', [], 'cancel 23456789', /^No open request with this code/],
      ['AIDE followed by words is not a keyword', ['Bonjour', '1'], 'aide moi', /^Choix non valide/],
    ])('%s', async (_label, before, keyword, expected) => {
      const phone = new TwilioPhone(t.server.app, `+2217700003${String(++phoneNumber % 100).padStart(2, '0')}`);
      for (const text of before) await phone.send(text);
      expect(await phone.send(keyword)).toMatch(expected);
    });

    it('after STOP, the next message starts afresh', async () => {
      const phone = new TwilioPhone(t.server.app, '+221770000299');
      await phone.send('Bonjour');
      await phone.send('1');
      await phone.send('STOP');
      expect(await phone.send('2')).toMatch(/^Bienvenue/);
    });
  });

  it('logs segment counts as numbers, never the text or the number', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000204');
    await phone.send('Bonjour');
    const lines = t.logs.filter((l) => l.includes('"msg":"sms reply"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ channel: 'sms_twilio', segments: expect.any(Number), encoding: expect.stringMatching(/^(GSM-7|UCS-2)$/) });
    expect(t.logs.join('')).not.toContain('770000204');
    expect(t.logs.join('')).not.toContain('Bienvenue');
  });
});

describe('POST /webhooks/twilio/sms/status', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer(TWILIO_ENV);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (form: Form, signature = twilioSignature(STATUS_PATH, form)) => request(t.server.app).post(STATUS_PATH).set('X-Twilio-Signature', signature).type('form').send(form);
  const stats = async () => (await t.server.prisma.deliveryStat.findMany({ orderBy: { status: 'asc' } })).map((s) => [s.day, s.channel, s.status, s.count]);

  it('counts statuses through the status table, and stores nothing else', async () => {
    for (const status of ['sent', 'delivered', 'delivered', 'undelivered', 'failed', 'read', 'canceled', 'queued', 'received', 'some_new_status']) {
      const res = await post({ ...STATUS, MessageStatus: status, SmsStatus: status });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
    }
    expect(await stats()).toEqual([
      ['2026-11-24', 'sms_twilio', 'delivered', 3],
      ['2026-11-24', 'sms_twilio', 'failed', 2],
      ['2026-11-24', 'sms_twilio', 'other', 1],
      ['2026-11-24', 'sms_twilio', 'queued', 1],
      ['2026-11-24', 'sms_twilio', 'sent', 1],
      ['2026-11-24', 'sms_twilio', 'undelivered', 1],
    ]);
  });

  it.each([
    ['missing signature → 400', (f: Form) => request(t.server.app).post(STATUS_PATH).type('form').send(f), 400],
    ['wrong signature → 403', (f: Form) => post(f, twilioSignature(STATUS_PATH, { ...f, MessageStatus: 'failed' })), 403],
    ['missing MessageStatus → 400', (f: Form) => post(without(f, 'MessageStatus')), 400],
    ['malformed MessageSid → 400', (f: Form) => post({ ...f, MessageSid: 'nope' }), 400],
  ])('%s, nothing counted', async (_label, send, status) => {
    const before = await stats();
    const res = await send(STATUS);
    expect(res.status).toBe(status);
    expect(await stats()).toEqual(before);
  });
});

describe('Twilio without PUBLIC_BASE_URL in development', () => {
  it('checks the signature against the request host (what the simulator signs)', async () => {
    const t = await createTestServer({ NODE_ENV: 'development', TWILIO_ACCOUNT_SID: TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TWILIO_ENV.TWILIO_AUTH_TOKEN });
    try {
      const form = fresh(TWILIO_INBOUND);
      const res = await request(t.server.app)
        .post(PATH)
        .set('Host', 'localhost:3000')
        .set('X-Twilio-Signature', twilioSignature(PATH, form, undefined, 'http://localhost:3000'))
        .type('form')
        .send(form);
      expect(res.status).toBe(200);
      expect(twimlText(res.text)).toMatch(/^Bienvenue/);
      // No action URL without a public origin.
      expect(res.text).toContain('<Message>');
    } finally {
      await t.close();
    }
  });

  it('signs for the simulator with the derived development token only, never with a real auth token', async () => {
    const dev = await createTestServer({ NODE_ENV: 'development' });
    const real = await createTestServer({ NODE_ENV: 'development', TWILIO_ACCOUNT_SID: TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TWILIO_ENV.TWILIO_AUTH_TOKEN });
    try {
      const ask = { path: PATH, params: fresh(TWILIO_INBOUND) };
      expect((await dev.http.post('/simulator/twilio/sign').send(ask)).body.signature).toEqual(expect.any(String));
      expect((await real.http.post('/simulator/twilio/sign').send(ask)).status).toBe(404);
    } finally {
      await dev.close();
      await real.close();
    }
  });

  it('is not served in production without an auth token', async () => {
    const t = await createTestServer({ NODE_ENV: 'production' });
    try {
      const res = await request(t.server.app).post(PATH).type('form').send(TWILIO_INBOUND);
      expect(res.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
