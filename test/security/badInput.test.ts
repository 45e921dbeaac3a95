import type { UserFromGetMe } from 'grammy/types';
import { FakeAfricasTalking } from '../support/fakeAfricasTalking';
import { FakeTelegram } from '../support/fakeTelegram';
import { textChannelsEnv, twilioSignature } from '../support/smsPhones';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * Bad input on every webhook gets a 4xx with a clear message, never a 5xx, and changes
 * nothing. Issue: 10,000 fuzzed requests got 53 answers of 500, all from the staff bot's
 * webhook with the right secret: a body that is not JSON (or none) made grammY throw, and
 * a `/link` message without `from` threw at `c.from!.id`.
 */
const STAFF_SECRET = 'test-telegram-webhook-secret';
const BOT = { id: 999000111, is_bot: true, first_name: 'Bureau', username: 'bureau_test_bot' } as UserFromGetMe;

interface Case {
  label: string;
  path: string;
  /** A form, a JSON value, or raw text with its content type. */
  body?: Record<string, unknown> | string | null;
  type?: string;
  headers?: Record<string, string>;
  /** Signs the form as Twilio would (the signature is right, the form is not). */
  twilio?: boolean;
  status: number;
  message?: RegExp;
}

const staff = { 'X-Telegram-Bot-Api-Secret-Token': STAFF_SECRET };
const community = { 'X-Telegram-Bot-Api-Secret-Token': STAFF_SECRET };

const cases: Case[] = [
  { label: 'USSD: no body', path: '/webhooks/africastalking/ussd', status: 400, message: /sessionId is required/ },
  { label: 'USSD: JSON', path: '/webhooks/africastalking/ussd', body: '{"sessionId":1}', type: 'application/json', status: 400 },
  { label: 'USSD: a number that is not one', path: '/webhooks/africastalking/ussd', body: { sessionId: 'a', serviceCode: '*1#', phoneNumber: '++--' }, status: 400, message: /phoneNumber/ },
  { label: 'USSD events: no body', path: '/webhooks/africastalking/ussd/events', status: 400, message: /sessionId is required/ },
  { label: 'AT SMS: no body', path: '/webhooks/africastalking/sms', status: 400, message: /from is required/ },
  {
    label: 'AT SMS: text too long',
    path: '/webhooks/africastalking/sms',
    body: { from: '+221770000901', to: '1', date: 'd', id: 'i', text: 'x'.repeat(2000) },
    status: 400,
    message: /text is too long/,
  },
  { label: 'AT delivery: a status that is not one', path: '/webhooks/africastalking/sms/delivery', body: { id: 'x', status: '<script>' }, status: 400, message: /status/ },
  { label: 'Twilio SMS: no signature', path: '/webhooks/twilio/sms', body: { Body: 'x' }, status: 400, message: /X-Twilio-Signature is required/ },
  { label: 'Twilio SMS: signed, but no MessageSid', path: '/webhooks/twilio/sms', body: { Body: 'x', From: '+221770000902' }, twilio: true, status: 400, message: /MessageSid/ },
  { label: 'Twilio status: signed, no status', path: '/webhooks/twilio/sms/status', body: { MessageSid: `SM${'0'.repeat(32)}` }, twilio: true, status: 400, message: /MessageStatus/ },
  { label: 'community bot: no secret', path: '/webhooks/telegram/community', body: { update_id: 1 }, type: 'application/json', status: 401 },
  { label: 'community bot: not JSON', path: '/webhooks/telegram/community', body: 'not json', type: 'application/json', headers: community, status: 400 },
  { label: 'community bot: no body', path: '/webhooks/telegram/community', headers: community, status: 400 },
  { label: 'staff bot: no secret', path: '/webhooks/telegram/staff', body: { update_id: 1 }, type: 'application/json', status: 401 },
  { label: 'staff bot: not JSON', path: '/webhooks/telegram/staff', body: 'not json', type: 'application/json', headers: staff, status: 400 },
  { label: 'staff bot: no body', path: '/webhooks/telegram/staff', headers: staff, status: 400, message: /update_id is required/ },
  { label: 'staff bot: an empty JSON object', path: '/webhooks/telegram/staff', body: {}, type: 'application/json', headers: staff, status: 400, message: /update_id is required/ },
  { label: 'staff bot: an update id that is not a number', path: '/webhooks/telegram/staff', body: { update_id: 'x' }, type: 'application/json', headers: staff, status: 400 },
  {
    label: 'staff bot: /link without from (a channel post) → handled, nothing happens',
    path: '/webhooks/telegram/staff',
    body: {
      update_id: 77,
      message: { message_id: 1, date: 1_700_000_000, chat: { id: 5, type: 'private', first_name: 'x' }, text: '/link 12345678', entities: [{ type: 'bot_command', offset: 0, length: 5 }] },
    },
    type: 'application/json',
    headers: staff,
    status: 200,
  },
  { label: 'API: malformed JSON', path: '/api/v1/intakes/00000000000000000000000000000000/claim', body: '{', type: 'application/json', status: 400 },
  {
    label: 'API: an oversized body → 413, as the OpenAPI document says',
    path: '/api/v1/intakes/00000000000000000000000000000000/claim',
    body: JSON.stringify({ override: false, pad: 'x'.repeat(20_000) }),
    type: 'application/json',
    status: 413,
  },
  { label: 'console: an oversized form', path: '/console/login', body: `name=${'x'.repeat(20_000)}`, type: 'application/x-www-form-urlencoded', status: 413 },
];

describe('bad input on every webhook', () => {
  let t: TestServer;
  let at: FakeAfricasTalking;
  let telegram: FakeTelegram;
  beforeAll(async () => {
    at = await new FakeAfricasTalking().start();
    telegram = await new FakeTelegram().start();
    t = await createTestServer(
      { ...textChannelsEnv(at, telegram), TELEGRAM_STAFF_TOKEN: '999000111:TEST', TELEGRAM_WEBHOOK_SECRET: STAFF_SECRET },
      { desk: { staffBot: { botInfo: BOT, configureApi: (api) => api.config.use(async () => ({ ok: true, result: true }) as never) } } },
    );
  });
  afterAll(async () => {
    await t.close();
    await at.stop();
    await telegram.stop();
  });

  it.each(cases)('$label → $status', async ({ path, body, type, headers = {}, twilio, status, message }) => {
    let req = t.http.post(path).set(headers);
    if (twilio && body && typeof body === 'object') req = req.set('X-Twilio-Signature', twilioSignature(path, body as Record<string, string>));
    if (type) req = req.type(type);
    else if (body && typeof body === 'object') req = req.type('form');
    const res = body === undefined ? await req : await req.send(body as never);
    expect(res.status).toBe(status);
    if (message) expect(res.text).toMatch(message);
    expect(await t.server.prisma.intake.count()).toBe(0);
    // The server keeps serving.
    expect((await t.http.get('/healthz')).status).toBe(200);
  });

  it('logged no error for any of them', () => {
    expect(t.logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('the staff bot when Telegram refuses its calls', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer(
      { TELEGRAM_STAFF_TOKEN: '999000111:TEST', TELEGRAM_WEBHOOK_SECRET: STAFF_SECRET },
      // Every Bot API call fails, as it does for a forged or too old callback query.
      { desk: { staffBot: { botInfo: BOT, configureApi: (api) => api.config.use(async () => ({ ok: false, error_code: 400, description: 'Bad Request: query is too old' }) as never) } } },
    );
  });
  afterAll(async () => {
    await t.close();
  });
  const chat = { id: 5, type: 'private', first_name: 'x' };
  const from = { id: 5, is_bot: false, first_name: 'x' };
  const command = (text: string) => ({ message_id: 1, date: 1_700_000_000, chat, from, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0].length }] });

  it.each([
    ['a callback query without from', { callback_query: { id: 'q', chat_instance: 'c', data: 'c:0123456789abcdef0123456789abcdef', message: { message_id: 1, date: 0, chat } } }],
    ['/start without a chat', { message: { ...command('/start'), chat: undefined } }],
    ['callback data that means nothing', { callback_query: { id: 'q', from, chat_instance: 'c', data: 'zz:nothing', message: { message_id: 1, date: 0, chat } } }],
    ['callback data that is a number', { callback_query: { id: 'q', from, chat_instance: 'c', data: 42, message: { message_id: 1, date: 0, chat } } }],
    ['a claim by someone who is not staff', { callback_query: { id: 'q', from, chat_instance: 'c', data: 'c:0123456789abcdef0123456789abcdef', message: { message_id: 1, date: 0, chat } } }],
    ['/link in a group', { message: { ...command('/link 12345678'), chat: { id: -100, type: 'supergroup', title: 'g' } } }],
    ['/start in private', { message: command('/start') }],
  ])('%s → 200, nothing changes', async (_label, update) => {
    const res = await t.http
      .post('/webhooks/telegram/staff')
      .set('X-Telegram-Bot-Api-Secret-Token', STAFF_SECRET)
      .type('application/json')
      .send({ update_id: Math.floor(Math.random() * 1e9), ...update });
    expect(res.status).toBe(200);
    expect((await t.http.get('/healthz')).status).toBe(200);
  });
});
