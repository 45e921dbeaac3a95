import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { nextSid, TWILIO_ENV, twilioSignature, twimlText, WHATSAPP_ENV, WHATSAPP_INBOUND, WhatsAppPhone } from '../../support/smsPhones';
import { createTestServer, TEST_ENV, testKeyring, unsealNumber, type TestServer } from '../../support/testServer';

const PATH = '/webhooks/twilio/whatsapp';
/** Any first message, French, callback, consent, safe: yes, medical, for me, call in French, a woman, morning, health centre. */
const ANSWERS = ['Bonjour', '1', '2', '1', '1', '1', '1', '1', '1', '1', '1'];
const METRICS = 'metrics-token-for-the-test-0123456789';
const NOTICE = /activez les messages éphémères[\s\S]*supprimez la discussion/;

describe('WhatsApp through Twilio', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer({ ...WHATSAPP_ENV, METRICS_TOKEN: METRICS });
  });
  afterEach(async () => {
    await t.close();
  });

  it('from a phone number: exactly one intake (channel whatsapp) called back on that number; a retried MessageSid is answered once', async () => {
    const phone = new WhatsAppPhone(t.server.app, '+221770000101');
    for (const text of ANSWERS) await phone.send(text);
    const confirm = phone.form('1');
    const done = await phone.post(confirm);
    expect(done.status).toBe(200);
    expect(done.headers['content-type']).toMatch(/^text\/xml/);
    expect(twimlText(done.text)).toMatch(/Demande enregistrée\.\nCode : [2-9]{4} [2-9]{4}\n/);
    // The reply asks Twilio for a status callback on WhatsApp's own path.
    expect(done.text).toContain('action="https://passerelle.example.org/webhooks/twilio/whatsapp/status"');
    expect((await phone.post(confirm)).text).toBe(done.text);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'whatsapp', subject: 'self', language: 'fr', callerGender: 'female', timeWindow: 'morning' });
    expect(await unsealNumber(t, intakes[0].id)).toBe('+221770000101');
    // The same number over SMS or WhatsApp is one requester: the open-request limit sees both.
    expect((await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intakes[0].id } })).requesterHash).toBe(testKeyring().hash('+221770000101'));
  });

  it('from a user id: "call me on this number" is not offered, the flow asks for a number; exactly one intake on that number', async () => {
    const user = new WhatsAppPhone(t.server.app, 'SN.40012345678901234567');
    for (const text of ['Bonjour', '1', '2']) await user.send(text);
    const reach = await user.send('1');
    expect(reach).toMatch(/^Pour vous rappeler, il nous faut un numéro/);
    expect(reach).not.toMatch(/à ce numéro/);
    expect(await user.send('1')).toMatch(/^Tapez le numéro où vous appeler/);
    for (const text of ['77 000 01 02', '1', '1', '1', '1', '1', '1']) await user.send(text);
    expect(await user.send('1')).toMatch(/Demande enregistrée\./);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'whatsapp' });
    expect(await unsealNumber(t, intakes[0].id)).toBe('+221770000102');
    const requester = (await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intakes[0].id } })).requesterHash;
    expect(requester).not.toContain('40012345678901234567');
  });

  it('tells how to turn on disappearing messages and delete the chat, once per conversation', async () => {
    const phone = new WhatsAppPhone(t.server.app, '+221770000103');
    const first = await phone.send('Bonjour');
    expect(first).toMatch(/^Bienvenue/);
    expect(first).toMatch(NOTICE);
    expect(await phone.send('1')).not.toMatch(NOTICE);
    // A user id's first reply carries it too, in English once English is chosen anew.
    const user = new WhatsAppPhone(t.server.app, 'SN.40012345678901234599');
    expect(await user.send('HELP')).toMatch(/turn on disappearing messages[\s\S]*delete the chat/);
  });

  it('quick exit: STOP ends at once, and the next message starts afresh', async () => {
    const phone = new WhatsAppPhone(t.server.app, '+221770000104');
    for (const text of ['Bonjour', '1', '2']) await phone.send(text);
    expect(await phone.send('STOP')).toMatch(/^Merci\. Au revoir\.$/);
    expect(await phone.send('1')).toMatch(/^Bienvenue/);
  });

  it.each([
    ['missing signature → 400', {}, 400, /X-Twilio-Signature is required/],
    ['wrong signature → 403', { 'X-Twilio-Signature': 'bad' }, 403, /wrong X-Twilio-Signature/],
  ])('%s, nothing runs', async (_label, headers, status, body) => {
    const form = { ...WHATSAPP_INBOUND, MessageSid: nextSid() };
    const res = await request(t.server.app).post(PATH).set(headers).type('form').send(form);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(body);
    expect(await t.sessionCount()).toBe(0);
  });

  it('counts status callbacks under whatsapp', async () => {
    const status = { MessageSid: nextSid(), MessageStatus: 'read', To: 'whatsapp:+221770000105', From: 'whatsapp:+221338000000', AccountSid: TWILIO_ENV.TWILIO_ACCOUNT_SID };
    const res = await request(t.server.app)
      .post(`${PATH}/status`)
      .set('X-Twilio-Signature', twilioSignature(`${PATH}/status`, status))
      .type('form')
      .send(status);
    expect(res.status).toBe(200);
    expect(await t.server.prisma.deliveryStat.findMany({ select: { channel: true, status: true, count: true } })).toEqual([{ channel: 'whatsapp', status: 'delivered', count: 1 }]);
  });

  it('counts its requests and steps under whatsapp (metrics), never under SMS', async () => {
    await new WhatsAppPhone(t.server.app, '+221770000106').send('Bonjour');
    const text = (await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS}`)).text;
    expect(text).toMatch(/^passerelle_http_requests_total\{channel="whatsapp",status_class="2xx"\} 1$/m);
    expect(text).toMatch(/^passerelle_conversation_steps_total\{channel="whatsapp"\} 1$/m);
    expect(text).not.toMatch(/channel="sms_twilio"/);
  });

  it('reports whatsapp enabled on /healthz', async () => {
    expect((await t.http.get('/healthz')).body.channels).toMatchObject({ whatsapp: 'enabled', sms_twilio: 'enabled' });
  });
});

describe('WhatsApp configuration', () => {
  it('is disabled on /healthz without TWILIO_WHATSAPP_NUMBER, and not served in production', async () => {
    const t = await createTestServer({ ...TWILIO_ENV, NODE_ENV: 'production' });
    try {
      expect((await t.http.get('/healthz')).body.channels).toMatchObject({ whatsapp: 'disabled', sms_twilio: 'enabled' });
      const form = { ...WHATSAPP_INBOUND, MessageSid: nextSid() };
      expect((await request(t.server.app).post(PATH).set('X-Twilio-Signature', twilioSignature(PATH, form)).type('form').send(form)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['without Twilio credentials', { TWILIO_WHATSAPP_NUMBER: '+221338000000' }, /TWILIO_WHATSAPP_NUMBER: needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/],
    ['not a number', { ...TWILIO_ENV, TWILIO_WHATSAPP_NUMBER: 'whatsapp:338000000' }, /TWILIO_WHATSAPP_NUMBER: the WhatsApp sender's number in E\.164/],
  ])('stops the start %s, naming the variable', (_label, env, message) => {
    expect(() => loadConfig({ ...TEST_ENV, ...env })).toThrow(message);
  });

  it('accepts the number with or without whatsapp:', () => {
    for (const number of ['+221338000000', 'whatsapp:+221338000000']) expect(loadConfig({ ...TEST_ENV, ...TWILIO_ENV, TWILIO_WHATSAPP_NUMBER: number }).TWILIO_WHATSAPP_NUMBER).toBe(number);
  });

  it('signs for the simulator in development (derived token only)', async () => {
    const t = await createTestServer({ NODE_ENV: 'development' });
    try {
      const params = { ...WHATSAPP_INBOUND, MessageSid: nextSid() };
      // The simulator's page and the webhook are one origin: the signature covers it.
      const signed = await t.http.post('/simulator/whatsapp/sign').set('Host', 'localhost:3000').send({ path: PATH, params });
      expect(signed.body.signature).toEqual(expect.any(String));
      const res = await request(t.server.app).post(PATH).set('Host', 'localhost:3000').set('X-Twilio-Signature', signed.body.signature).type('form').send(params);
      expect(res.status).toBe(200);
      expect(twimlText(res.text)).toMatch(/^Bienvenue/);
      expect((await t.http.post('/simulator/whatsapp/sign').send({ path: '/webhooks/twilio/sms', params })).status).toBe(400);
    } finally {
      await t.close();
    }
  });
});
