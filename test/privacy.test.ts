import crypto from 'node:crypto';
import request from 'supertest';
import { serializeError } from '../src/logger';
import { onScaleStorage } from './support/scale';
import { codeShownIn, createTestServer, testKeyring, type TestServer } from './support/testServer';
import { UssdSession } from './support/ussdSession';
import { FakeAfricasTalking } from './support/fakeAfricasTalking';
import { FakeTelegram, TelegramChat } from './support/fakeTelegram';
import { AtPhone, nextSid, textChannelsEnv, TWILIO_ENV, TwilioPhone, twilioSignature, WHATSAPP_ENV, WhatsAppPhone } from './support/smsPhones';

/**
 * Safety rule 2, tested like behaviour: canary numbers and canary text go through
 * the USSD channel (good requests, bad requests, wrong answers, a safer number typed
 * on the keypad, a cancellation) and must appear nowhere in the database files or
 * in the logs.
 */
const CANARY_PHONE = '+221779990001';
const CANARY_SAFER = '+221779990002';
const CANARY_TEXT = 'CANARYxTEXTx5f3a';

/** The forms a number can take in text. */
const forms = (e164: string) => [e164, e164.slice(1), e164.slice(4), `${e164.slice(4, 6)} ${e164.slice(6, 9)} ${e164.slice(9, 11)} ${e164.slice(11)}`];

describe('privacy canaries', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leave no trace in the database or the logs', async () => {
    const app = t.server.app;
    // 1. A callback request with a safer number, wrong answers with canary text on the way.
    const phone = new UssdSession(app, CANARY_PHONE);
    await phone.dial();
    for (const answer of ['1', CANARY_TEXT, '2', '1', '2', CANARY_TEXT, '77 999 00 02', '7', '3', '1', '3', '2', '2']) await phone.send(answer);
    const done = await phone.send('1');
    expect(done).toMatch(/^END Demande enregistrée/);
    // A retried final hop.
    await phone.post(phone.form());

    // 2. A second session from the same number: cancel with a canary text, then the right code.
    const cancel = new UssdSession(app, CANARY_PHONE);
    await cancel.dial();
    for (const answer of ['1', '5', CANARY_TEXT, codeShownIn(done)]) await cancel.send(answer);

    // 3. Bad requests carrying the canaries.
    await request(app).post('/webhooks/africastalking/ussd').type('form').send({ sessionId: 'x', phoneNumber: CANARY_TEXT, text: CANARY_PHONE });
    await request(app)
      .post('/webhooks/africastalking/ussd')
      .type('form')
      .send({ sessionId: 'y', serviceCode: '*1#', phoneNumber: CANARY_PHONE, text: `1*${CANARY_TEXT}`.repeat(300) });
    await request(app).post(`/webhooks/africastalking/ussd?secret=${CANARY_TEXT}&phone=${CANARY_PHONE}`).type('form').send({ sessionId: 'z', serviceCode: '*1#', phoneNumber: CANARY_PHONE });

    // 4. An unknown session resumed with the canary in its path.
    await request(app)
      .post('/webhooks/africastalking/ussd')
      .type('form')
      .send({ sessionId: 'resumed', serviceCode: '*1#', phoneNumber: CANARY_PHONE, text: `1*${CANARY_TEXT}` });

    await t.server.purge();
    expect(await t.server.prisma.intake.count()).toBe(1);

    const db = await t.storedBytes();
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(1000); // trace level: the logs were really captured
    for (const needle of [...forms(CANARY_PHONE), ...forms(CANARY_SAFER), CANARY_TEXT]) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
      expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    }
  });

  it('counts feedback under its week, channel, question and answer only: nothing of the session or the number', async () => {
    const FEEDBACK_PHONE = '+221779990005';
    const SESSION = 'ATUid_CANARYxSESSIONx7c1e';
    const phone = new UssdSession(t.server.app, FEEDBACK_PHONE, SESSION);
    await phone.dial();
    // Free text where a numbered answer is expected: refused, never stored.
    for (const answer of ['1', '6', CANARY_TEXT, '2', CANARY_TEXT]) await phone.send(answer);
    expect(await phone.send('3')).toMatch(/^END Merci pour votre avis/);
    await phone.post(phone.form()); // a retried last hop counts nothing more

    const rows = await t.server.prisma.feedbackCount.findMany({ orderBy: { question: 'asc' } });
    expect(rows).toEqual([
      { week: '2026-W48', channel: 'ussd', question: 'respectful', answer: 'not_called', count: 1 },
      { week: '2026-W48', channel: 'ussd', question: 'useful', answer: 'partly', count: 1 },
    ]);
    const keyring = testKeyring();
    const addressHash = keyring.hash(FEEDBACK_PHONE);
    const storeKey = t.server.gateway.storeKey('ussd', SESSION, FEEDBACK_PHONE);
    const db = await t.storedBytes();
    // On PostgreSQL + Redis the stored bytes include Redis, whose keys name the live session
    // (the session store, with its one-minute tombstone): there the session is looked for in the rows only.
    const sessionNeedles = [SESSION, storeKey, keyring.hash(storeKey), storeKey.split(':')[2]];
    for (const needle of [...forms(FEEDBACK_PHONE), CANARY_TEXT, addressHash, addressHash.slice(0, 12), ...(onScaleStorage() ? [] : sessionNeedles)]) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
    }
    for (const needle of [...forms(FEEDBACK_PHONE), CANARY_TEXT, ...sessionNeedles]) expect(JSON.stringify(rows)).not.toContain(needle);
    // The log says that feedback was counted, and nothing more: no answer, channel, session or who.
    const lines = t.logs.filter((l) => l.includes('feedback recorded')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]).filter((k) => !['level', 'time', 'msg'].includes(k))).toEqual([]);
    for (const needle of [...forms(FEEDBACK_PHONE), CANARY_TEXT, SESSION, addressHash.slice(0, 12)]) expect(t.logs.join('')).not.toContain(needle);
  });

  it('keeps no raw input in the session store, and seals the safer number', async () => {
    const phone = new UssdSession(t.server.app, '+221779990003');
    await phone.dial();
    for (const answer of ['1', '2', '1', '2', '77 999 00 04']) await phone.send(answer);
    const session = await t.server.store.get(t.server.gateway.storeKey('ussd', phone.sessionId, phone.phoneNumber));
    const json = JSON.stringify(session);
    expect(json).toContain('"altNumber":"held"');
    for (const needle of [...forms('+221779990004'), ...forms('+221779990003'), '1*2*1*2']) expect(json).not.toContain(needle);
    if (!session || !('status' in session) || session.status !== 'active') throw new Error('the session should be under way');
    expect(session?.secrets?.altNumber.ciphertext).toBeTruthy();
    // The path hash is keyed: a plain hash of a path holding a number is undone by trying every number.
    const path = phone.answers.join('*');
    for (const encoding of ['hex', 'base64url', 'base64'] as const) {
      expect(json).not.toContain(crypto.createHash('sha256').update(path).digest(encoding).slice(0, 16));
    }
    expect(session?.pathHash).toMatch(/^[0-9a-f]{32}$/);
  });
});

/**
 * The same canaries through SMS (Twilio and Africa's Talking, with failed sends and
 * retries from the outbox) and the community Telegram bot (a canary user id, a shared
 * contact, free text, a quick exit): nothing in the database files or the logs.
 */
describe('privacy canaries over SMS and Telegram', () => {
  const TWILIO_PHONE = '+221779990011';
  const TWILIO_SAFER = '+221779990012';
  const AT_PHONE = '+221779990021';
  const AT_DROPPED = '+221779990022';
  const TG_USER = 5559990001;
  const TG_PHONE = '+221779990031';

  let t: TestServer;
  let at: FakeAfricasTalking;
  let telegram: FakeTelegram;
  beforeAll(async () => {
    at = await new FakeAfricasTalking().start();
    telegram = await new FakeTelegram().start();
    t = await createTestServer({ LOG_LEVEL: 'trace', ...textChannelsEnv(at, telegram) });
  });
  afterAll(async () => {
    await t.close();
    await at.stop();
    await telegram.stop();
  });

  it('leave no trace in the database or the logs', async () => {
    const app = t.server.app;
    // Twilio: a callback request with a safer number typed, canary text on the way, a retried message, STOP.
    const tw = new TwilioPhone(app, TWILIO_PHONE);
    for (const text of [CANARY_TEXT, '1', CANARY_TEXT, '2', '1', '2', `${CANARY_TEXT} ${TWILIO_SAFER}`, '77 999 00 12', '1', '1', '1', '1', '1', '1']) await tw.send(text);
    const confirm = tw.form('1');
    expect((await tw.post(confirm)).text).toMatch(/Demande enregistrée/);
    await tw.post(confirm);
    await tw.send(`STOP ${CANARY_TEXT}`);
    await tw.send(`ANNULER ${CANARY_TEXT}`);
    // Bad Twilio requests carrying the canaries.
    await request(app).post('/webhooks/twilio/sms').type('form').send(tw.form(CANARY_TEXT));
    await request(app).post('/webhooks/twilio/sms').set('X-Twilio-Signature', 'bad').type('form').send(tw.form(CANARY_TEXT));
    const badFrom = { ...tw.form(CANARY_TEXT), From: CANARY_TEXT };
    await request(app).post('/webhooks/twilio/sms').set('X-Twilio-Signature', twilioSignature('/webhooks/twilio/sms', badFrom)).type('form').send(badFrom);
    const status = { MessageSid: nextSid(), MessageStatus: 'undelivered', ErrorCode: '30003', To: TWILIO_PHONE, From: '+221338000000', AccountSid: TWILIO_ENV.TWILIO_ACCOUNT_SID };
    await request(app).post('/webhooks/twilio/sms/status').set('X-Twilio-Signature', twilioSignature('/webhooks/twilio/sms/status', status)).type('form').send(status);

    // Africa's Talking: the first reply fails and is retried from the outbox; another number's replies fail for good.
    at.failNext({ http: 500 }, 'drop');
    const atPhone = new AtPhone(app, at, AT_PHONE);
    await atPhone.post(atPhone.form(CANARY_TEXT));
    expect(await t.server.channels.outbox.pending()).toBe(1);
    // While the row waits, neither the number nor the text is in the file.
    const waiting = await t.storedBytes();
    expect(waiting.includes(AT_PHONE.slice(4))).toBe(false);
    expect(waiting.includes('Bienvenue')).toBe(false);
    t.clock.advance(30_000);
    await t.server.channels.outbox.drain();
    t.clock.advance(120_000);
    await t.server.channels.outbox.drain();
    expect(await t.server.channels.outbox.pending()).toBe(0);
    for (const text of ['1', CANARY_TEXT, '5', CANARY_TEXT]) await atPhone.send(text);
    at.failNext({ http: 201, statusCode: 403, status: 'InvalidPhoneNumber' });
    const dropped = new AtPhone(app, at, AT_DROPPED);
    await dropped.post(dropped.form(CANARY_TEXT));
    await request(app).post('/webhooks/africastalking/sms').type('form').send({ from: CANARY_TEXT, to: '21525', text: CANARY_TEXT, id: 'x', date: '2026-11-24' });
    await request(app).post('/webhooks/africastalking/sms/delivery').type('form').send({ id: 'ATXid_1', status: 'Failed', phoneNumber: AT_PHONE, failureReason: 'UserInBlackList', retryCount: '2' });

    // Telegram: a canary user id, free text, a shared contact, a quick exit; a bad update carrying the id.
    const chat = new TelegramChat(app, telegram, TG_USER);
    await chat.say('/start');
    await chat.say(CANARY_TEXT);
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    await chat.say(CANARY_TEXT);
    await chat.shareContact(TG_PHONE.slice(1));
    for (const label of ['Ne pas dire', 'Pour moi (18', 'Français', 'Une femme', 'Le matin', 'Le centre de santé', 'Confirmer']) await chat.press(label);
    await chat.say('/start');
    // Telegram fails to take a reply (its error quotes the text and the chat id): logged without either.
    telegram.failSends = 1;
    await chat.say(CANARY_TEXT);
    expect(t.logs.some((l) => l.includes('telegram update failed'))).toBe(true);
    await chat.press('✖');
    await chat.post({ update_id: 1, message: { chat: { id: TG_USER }, text: CANARY_TEXT } }, 'wrong');
    await chat.post({ message: { chat: { id: TG_USER }, text: CANARY_TEXT } });

    await t.server.purge();
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes.map((i) => i.channel).sort()).toEqual(['sms_twilio', 'telegram']);
    expect(await t.server.prisma.deliveryStat.count()).toBeGreaterThan(0);

    const db = await t.storedBytes();
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const needle of [...[TWILIO_PHONE, TWILIO_SAFER, AT_PHONE, AT_DROPPED, TG_PHONE].flatMap(forms), CANARY_TEXT, String(TG_USER)]) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
      expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    }
    // The ephemeral stores hold no raw number, text or Telegram id either.
    const stores = await t.sessionContents();
    expect(stores.length).toBeGreaterThan(500);
    for (const needle of [TWILIO_PHONE, AT_PHONE, TG_PHONE, CANARY_TEXT, String(TG_USER)]) expect(stores).not.toContain(needle.replace('+', ''));
  });
});

/**
 * The same canaries through WhatsApp: a canary number, a canary business-scoped user id,
 * a canary profile name (ProfileName, WaId), free text, a safer number typed, retries,
 * bad requests: nothing in the database files (WAL included), the logs or the stores.
 */
describe('privacy canaries over WhatsApp', () => {
  const WA_PHONE = '+221779990041';
  const WA_SAFER = '+221779990042';
  const WA_USER = 'SN.CANARYxUSERx7741';
  const WA_NAME = 'CANARYxNAMEx93c1';

  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ LOG_LEVEL: 'trace', ...WHATSAPP_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leave no trace in the database, the logs or the stores', async () => {
    const app = t.server.app;
    // Every form carries the canary profile name, as Twilio would send the person's WhatsApp name.
    const named = (form: Record<string, string>) => ({ ...form, ProfileName: WA_NAME });
    // A request from a phone number, canary text on the way, a retried last message, STOP.
    const phone = new WhatsAppPhone(app, WA_PHONE);
    for (const text of [CANARY_TEXT, '1', CANARY_TEXT, '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.post(named(phone.form(text)));
    const confirm = named(phone.form('1'));
    expect((await phone.post(confirm)).text).toMatch(/Demande enregistrée/);
    await phone.post(confirm);
    await phone.post(named(phone.form(`STOP ${CANARY_TEXT}`)));
    // A request from a user id (no number shared): a safer number typed, free text.
    const user = new WhatsAppPhone(app, WA_USER);
    for (const text of [CANARY_TEXT, '1', '2', '1', '1', `${CANARY_TEXT} ${WA_SAFER}`, '77 999 00 42', '1', '1', '1', '1', '1', '1']) await user.post(named(user.form(text)));
    expect((await user.post(named(user.form('1')))).text).toMatch(/Demande enregistrée/);
    await user.post(named(user.form(`ANNULER ${CANARY_TEXT}`)));
    // Bad requests carrying the canaries: unsigned, wrongly signed, a From that is no address.
    await request(app)
      .post('/webhooks/twilio/whatsapp')
      .type('form')
      .send(named(user.form(CANARY_TEXT)));
    await request(app)
      .post('/webhooks/twilio/whatsapp')
      .set('X-Twilio-Signature', 'bad')
      .type('form')
      .send(named(phone.form(CANARY_TEXT)));
    const badFrom = { ...named(user.form(CANARY_TEXT)), From: `whatsapp:${CANARY_TEXT}-${WA_USER}` };
    await request(app).post('/webhooks/twilio/whatsapp').set('X-Twilio-Signature', twilioSignature('/webhooks/twilio/whatsapp', badFrom)).type('form').send(badFrom);

    await t.server.purge();
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes.map((i) => i.channel)).toEqual(['whatsapp', 'whatsapp']);

    const db = await t.storedBytes();
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    const userId = WA_USER.slice(3);
    for (const needle of [...[WA_PHONE, WA_SAFER].flatMap(forms), CANARY_TEXT, userId, WA_NAME]) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
      expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    }
    const stores = await t.sessionContents();
    expect(stores.length).toBeGreaterThan(200);
    for (const needle of [WA_PHONE.slice(1), WA_SAFER.slice(1), CANARY_TEXT, userId, WA_NAME]) expect(stores).not.toContain(needle);
  });
});

describe('serializeError', () => {
  it('keeps the type and the frames, never the message, even one of several lines that reads like a frame', () => {
    const err = new Error(`Call to 'sendMessage' failed! (500: could not send "Bonjour\n    at home ${CANARY_TEXT} 77 999 00 01 (x:1:2)" to 5559990001)`);
    const json = JSON.stringify(serializeError(err));
    expect(json).toContain('"type":"Error"');
    expect(json).toMatch(/privacy\.test\.ts:\d+:\d+/);
    for (const needle of [CANARY_TEXT, '77 999 00 01', '5559990001', 'Bonjour']) expect(json).not.toContain(needle);
  });
});
