import startFixture from '../../fixtures/telegram/update-start.json';
import callbackFixture from '../../fixtures/telegram/update-callback.json';
import contactFixture from '../../fixtures/telegram/update-contact.json';
import groupFixture from '../../fixtures/telegram/update-group.json';
import type { TelegramProvider } from '../../../src/channels/telegram/telegramProvider';
import { BOT_TOKEN, FakeTelegram, TelegramChat } from '../../support/fakeTelegram';
import { createTestServer, type TestServer } from '../../support/testServer';

/** The community bot the server opened (fed updates directly, as two webhooks at once would). */
const communityBot = (t: TestServer) => (t.server.channels.opened.telegram as TelegramProvider).bot!;

const strip = <T extends { _source?: string }>({ _source, ...rest }: T) => rest;
const START = strip(startFixture);
const CALLBACK = strip(callbackFixture);
const CONTACT = strip(contactFixture);
const GROUP = strip(groupFixture);

export const telegramEnv = (api: FakeTelegram) => ({
  TELEGRAM_COMMUNITY_TOKEN: BOT_TOKEN,
  TELEGRAM_WEBHOOK_SECRET: 'test-telegram-webhook-secret',
  TELEGRAM_API_ROOT: api.apiRoot,
});

let updates = 690_100_000;
let users = 5_550_100_000;
/** The fixture with a fresh update id and a fresh private chat, so cases never share state. */
function fresh<T extends Record<string, unknown>>(update: T): T {
  const json = JSON.stringify(update).replace(/5550009999/g, String(++users));
  const parsed = JSON.parse(json);
  return 'update_id' in parsed ? { ...parsed, update_id: ++updates } : parsed;
}

interface Case {
  label: string;
  update: Record<string, unknown> | string;
  secret?: string | null;
  status: number;
  /** How many messages the bot sends. */
  sends: number;
  text?: RegExp;
}

const cases: Case[] = [
  { label: '/start → the welcome, options as buttons, a quick exit', update: START, status: 200, sends: 1, text: /^Bienvenue\./ },
  { label: 'missing secret token → 401', update: START, secret: null, status: 401, sends: 0 },
  { label: 'wrong secret token → 401', update: START, secret: 'nope', status: 401, sends: 0 },
  { label: 'no update_id → 400', update: { message: START.message }, status: 400, sends: 0 },
  { label: 'not JSON → 400', update: 'update_id=1', status: 400, sends: 0 },
  {
    label: 'unknown extra fields are ignored',
    update: { ...START, business_connection: { id: 'x' }, message: { ...START.message, via_bot: { id: 1, is_bot: true, first_name: 'x' } } },
    status: 200,
    sends: 1,
    text: /^Bienvenue/,
  },
  { label: 'a contact out of the blue → the welcome', update: CONTACT, status: 200, sends: 1, text: /^Bienvenue/ },
  { label: 'a button of a keyboard never sent → nothing happens', update: CALLBACK, status: 200, sends: 0 },
  { label: 'garbage callback data → nothing happens', update: { ...CALLBACK, callback_query: { ...CALLBACK.callback_query, data: 'DROP TABLE' } }, status: 200, sends: 0 },
  { label: 'a group chat → ignored (private chats only)', update: GROUP, status: 200, sends: 0 },
  { label: 'an edited message → ignored', update: { update_id: 1, edited_message: START.message }, status: 200, sends: 0 },
];

describe('POST /webhooks/telegram/community', () => {
  let api: FakeTelegram;
  let t: TestServer;
  beforeAll(async () => {
    api = await new FakeTelegram().start();
    t = await createTestServer(telegramEnv(api));
  });
  afterAll(async () => {
    await t.close();
    await api.stop();
  });

  test.each(cases)('$label', async ({ update, secret = 'test-telegram-webhook-secret', status, sends, text }) => {
    const before = api.calls.filter((c) => c.method === 'sendMessage').length;
    const chat = new TelegramChat(t.server.app, api);
    const body = typeof update === 'string' ? update : fresh(update);
    const res = typeof body === 'string' ? await chat.post({}).set('Content-Type', 'text/plain').send(body) : await chat.post(body, secret);
    expect(res.status).toBe(status);
    const sent = api.calls.filter((c) => c.method === 'sendMessage').slice(before);
    expect(sent).toHaveLength(sends);
    if (text) expect(String(sent[0].payload.text)).toMatch(text);
  });

  it('lays menus out as inline buttons with opaque data and a quick exit on every message', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200001);
    const welcome = await chat.say('/start');
    const buttons = welcome.reply_markup!.inline_keyboard!.flat();
    expect(buttons.map((b) => b.text)).toEqual(['Français', 'English', '✖ Quitter']);
    expect(buttons.map((b) => b.callback_data)).toEqual([expect.stringMatching(/^\d+\.0$/), expect.stringMatching(/^\d+\.1$/), 'x']);
    const menu = await chat.press('Français');
    expect(menu.text).toBe('Menu principal');
    expect(menu.reply_markup!.inline_keyboard!.flat().pop()!.text).toBe('✖ Quitter');
    // Typed numbers work too.
    expect((await chat.say('1')).text).toBe('Quel besoin ?');
  });

  it('handles a retried update once', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200002);
    const update = chat.messageUpdate({ text: '/start', entities: [{ offset: 0, length: 6, type: 'bot_command' }] });
    const before = api.calls.filter((c) => c.method === 'sendMessage').length;
    await chat.post(update);
    await chat.post(update);
    await Promise.all([chat.post(update), chat.post(update)]);
    expect(api.calls.filter((c) => c.method === 'sendMessage').length - before).toBe(1);
  });

  it('handles an update retried while the first is still running once', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200004);
    const update = chat.messageUpdate({ text: '/start', entities: [{ offset: 0, length: 6, type: 'bot_command' }] });
    const before = api.calls.filter((c) => c.method === 'sendMessage').length;
    await Promise.all([communityBot(t).handleUpdate(update as never), communityBot(t).handleUpdate(update as never)]);
    expect(api.calls.filter((c) => c.method === 'sendMessage').length - before).toBe(1);
  });

  it('keeps every message id of a chat when two of its updates arrive at once', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200005);
    await chat.say('/start');
    const menu = await chat.press('Français');
    const bot = communityBot(t);
    await Promise.all([bot.handleUpdate(chat.messageUpdate({ text: 'a' }) as never), bot.handleUpdate(chat.messageUpdate({ text: 'b' }) as never)]);
    expect(menu.message_id).toBeGreaterThan(0);
    await chat.deliver(chat.callbackUpdate('x'));
    expect(api.chat(chat.userId)).toEqual([]);
  });

  it('ignores a button of an older message (it could re-run a step)', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200003);
    const welcome = await chat.say('/start');
    await chat.press('Français');
    const stale = welcome.reply_markup!.inline_keyboard![1][0].callback_data!;
    const before = api.calls.filter((c) => c.method === 'sendMessage').length;
    await chat.deliver(chat.callbackUpdate(stale, welcome.message_id));
    expect(api.calls.filter((c) => c.method === 'sendMessage').length).toBe(before);
    expect(api.calls.filter((c) => c.method === 'answerCallbackQuery').length).toBeGreaterThan(0);
  });

  it.each([
    ['the quick-exit button', (chat: TelegramChat) => chat.press('✖')],
    ['/exit', (chat: TelegramChat) => chat.say('/exit')],
    ['typing 0', (chat: TelegramChat) => chat.say('0')],
    ['typing STOP', (chat: TelegramChat) => chat.say('STOP')],
    ['a stop keyword of another word (QUITTER)', (chat: TelegramChat) => chat.say('quitter')],
    ['a stop keyword of another language (EXIT)', (chat: TelegramChat) => chat.say('Exit')],
    ['a stop keyword followed by words', (chat: TelegramChat) => chat.say('stop maintenant')],
  ])('%s deletes the conversation (bot and person) and forgets the session', async (_label, leave) => {
    const chat = new TelegramChat(t.server.app, api, ++users);
    await chat.say('/start');
    await chat.press('Français');
    await chat.say('2');
    // /start, welcome, menu, "2", the callback intro.
    expect(api.chat(chat.userId).map((m) => m.from)).toEqual(['person', 'bot', 'bot', 'person', 'bot']);
    await leave(chat);
    expect(api.chat(chat.userId)).toEqual([]);
    const deleted = api.calls.filter((c) => c.method === 'deleteMessages' && c.payload.chat_id === chat.userId);
    expect(deleted).toHaveLength(1);
    // Nothing of before: the next message starts afresh.
    expect((await chat.say('1')).text).toMatch(/^Bienvenue/);
  });

  it('still deletes the conversation with the quick exit after the session has expired (idle)', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200010);
    await chat.say('/start');
    await chat.press('Français');
    t.clock.advance(31 * 60_000);
    await chat.press('✖');
    expect(api.chat(chat.userId)).toEqual([]);
  });

  it('asks Telegram to delete only what it still allows (48 h)', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200011);
    await chat.say('/start');
    const old = api.chat(chat.userId).map((m) => m.message_id);
    t.clock.advance(25 * 3_600_000);
    await chat.say('/start');
    const recent = api
      .chat(chat.userId)
      .map((m) => m.message_id)
      .filter((id) => !old.includes(id));
    t.clock.advance(24 * 3_600_000);
    await chat.deliver(chat.callbackUpdate('x', recent[1]));
    const call = api.calls.filter((c) => c.method === 'deleteMessages' && c.payload.chat_id === chat.userId).pop()!;
    // The messages of 49 hours ago would make Telegram refuse; those of 24 hours ago go.
    expect(call.payload.message_ids).toEqual(recent);
  });

  it('a button of a conversation already forgotten does nothing, even in a new one', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200012);
    const first = await chat.say('/start');
    t.clock.advance(31 * 60_000);
    await chat.say('/start');
    const before = api.calls.filter((c) => c.method === 'sendMessage').length;
    await chat.deliver(chat.callbackUpdate(first.reply_markup!.inline_keyboard![1][0].callback_data!, first.message_id));
    expect(api.calls.filter((c) => c.method === 'sendMessage').length).toBe(before);
  });

  it('takes the share-number keyboard off the screen on a quick exit, leaving no message behind', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200013);
    await chat.say('/start');
    // The quick exit on the screen that shows the share-number keyboard.
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    await chat.post(chat.messageUpdate({ text: '✖ Quitter' }));
    const removal = api.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat.userId).pop()!;
    expect(removal.payload.reply_markup).toEqual({ remove_keyboard: true });
    expect(api.chat(chat.userId)).toEqual([]);
    // Telegram down while leaving: the session is forgotten all the same.
    await chat.say('/start');
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    api.failSends = 1;
    expect((await chat.post(chat.messageUpdate({ text: '0' }))).status).toBe(200);
    expect((await chat.say('1')).text).toMatch(/^Bienvenue/);
  });

  it('forgets the session even when Telegram refuses to delete old messages', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200020);
    const first = await chat.say('/start');
    api.undeletable.add(first.message_id);
    await chat.press('Français');
    await chat.press('✖');
    expect(api.chat(chat.userId).map((m) => m.message_id)).toEqual([first.message_id]);
    expect((await chat.say('2')).text).toMatch(/^Bienvenue/);
  });

  it('/langue goes back to the language choice', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200021);
    await chat.say('/start');
    await chat.press('English');
    expect((await chat.say('/langue')).text).toMatch(/^Bienvenue/);
  });

  it('a photo or a sticker is never read: the same screen with a correction', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200022);
    await chat.say('/start');
    await chat.press('Français');
    const reply = await chat.deliver(chat.messageUpdate({ photo: [{ file_id: 'AgAD', file_unique_id: 'u', width: 90, height: 90 }], caption: 'CANARY' }, '[photo]'));
    expect(reply.text).toMatch(/^Choix non valide\.\n\nMenu principal/);
  });

  it('offers the contact button where a number is needed, and keeps no Telegram id in clear', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550200023);
    await chat.say('/start');
    await chat.press('Français');
    await chat.press('Demander un rappel');
    const ask = await chat.press('Oui');
    expect(ask.text).toMatch(/^Pour vous rappeler, il nous faut un numéro/);
    const share = await chat.press('Donner un numéro');
    expect(share.reply_markup!.keyboard).toEqual([[{ text: 'Partager mon numéro', request_contact: true }], [{ text: '✖ Quitter' }]]);
    expect((await chat.shareContact('221770000042')).text).toBe("Sujet de l'appel ?");
    const store = JSON.stringify([...((t.server.store as unknown as { entries: Map<string, unknown> }).entries ?? new Map())]);
    expect(store).not.toContain('5550200023');
    expect(store).not.toContain('770000042');
    expect(t.logs.join('')).not.toContain('5550200023');
    expect(await t.storedBytes()).not.toContain('5550200023');
  });
});

describe('the community bot without a secret configured', () => {
  it('still requires one (derived from HASH_KEY)', async () => {
    const api = await new FakeTelegram().start();
    const t = await createTestServer({ TELEGRAM_COMMUNITY_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: api.apiRoot });
    try {
      const chat = new TelegramChat(t.server.app, api, 5550200030);
      expect((await chat.post(fresh(START), null)).status).toBe(401);
      expect((await chat.post(fresh(START), '')).status).toBe(401);
    } finally {
      await t.close();
      await api.stop();
    }
  });
});

describe('the simulated community bot (development, no token)', () => {
  it('never hands the configured webhook secret (the staff bot uses it too) to the simulator', async () => {
    const t = await createTestServer({ NODE_ENV: 'development', TELEGRAM_WEBHOOK_SECRET: 'configured-staff-secret' });
    try {
      const res = await t.http.get('/simulator/telegram/config.json');
      expect(res.status).toBe(200);
      expect(res.body.secret).toEqual(expect.any(String));
      expect(res.text).not.toContain('configured-staff-secret');
    } finally {
      await t.close();
    }
  });
});

describe('starting the community bot', () => {
  let api: FakeTelegram;
  beforeAll(async () => {
    api = await new FakeTelegram().start();
  });
  afterAll(async () => {
    await api.stop();
  });

  it('registers the webhook with the secret token when there is a public URL', async () => {
    const t = await createTestServer({ ...telegramEnv(api), PUBLIC_BASE_URL: 'https://passerelle.example.org' });
    try {
      await t.server.channels.start();
      const call = api.calls.find((c) => c.method === 'setWebhook');
      expect(call?.payload).toMatchObject({ url: 'https://passerelle.example.org/webhooks/telegram/community', secret_token: 'test-telegram-webhook-secret' });
    } finally {
      await t.close();
    }
  });

  it('long-polls in development without a public URL', async () => {
    const t = await createTestServer({ ...telegramEnv(api), NODE_ENV: 'development' });
    try {
      const chat = new TelegramChat(t.server.app, api, 5550400001);
      api.queued.push(chat.messageUpdate({ text: '/start', entities: [{ offset: 0, length: 6, type: 'bot_command' }] }));
      await t.server.channels.start();
      for (let i = 0; i < 100 && !api.calls.some((c) => c.method === 'sendMessage' && c.payload.chat_id === 5550400001); i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(chat.lastBotMessage().text).toMatch(/^Bienvenue/);
    } finally {
      await t.close();
    }
  });
});
