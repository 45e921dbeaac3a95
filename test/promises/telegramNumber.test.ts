import { FakeTelegram, TelegramChat, BOT_TOKEN } from '../support/fakeTelegram';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * The number typed or shared on Telegram used to stay in the chat, under the share-number
 * keyboard. Now the person's message carrying a number is deleted right after it is
 * read, and the share-number keyboard is taken off once used.
 */
describe('a number given on Telegram', () => {
  let t: TestServer;
  let api: FakeTelegram;
  beforeAll(async () => {
    api = await new FakeTelegram().start();
    t = await createTestServer({ TELEGRAM_COMMUNITY_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: 'test-telegram-webhook-secret', TELEGRAM_API_ROOT: api.apiRoot });
  });
  afterAll(async () => {
    await t.close();
    await api.stop();
  });

  const upToTheNumber = async (userId: number) => {
    const chat = new TelegramChat(t.server.app, api, userId);
    await chat.say('/start');
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    return chat;
  };
  const personMessages = (chat: TelegramChat) => api.chat(chat.userId).filter((m) => m.from === 'person');

  it('shared with the contact button: the contact message is deleted, and the keyboard removed', async () => {
    const chat = await upToTheNumber(5550400001);
    const next = await chat.shareContact('221779990071');
    expect(next.text).toBe("Sujet de l'appel ?");
    expect(personMessages(chat).map((m) => m.text)).not.toContain('[contact]');
    const removal = api.calls.find((c) => c.method === 'sendMessage' && c.payload.chat_id === chat.userId && JSON.stringify(c.payload.reply_markup) === '{"remove_keyboard":true}');
    expect(removal).toBeDefined();
    // The removing message is gone too: the chat shows the bot's question, with its buttons, and nothing of the number.
    expect(api.chat(chat.userId).some((m) => m.text === '…')).toBe(false);
    expect(JSON.stringify(api.chat(chat.userId))).not.toMatch(/779990071/);
    expect(JSON.stringify(api.chat(chat.userId).at(-1))).toContain('inline_keyboard');
  });

  it('typed: the message is deleted, a wrong number too, and the keyboard stays while the number is asked again', async () => {
    const chat = await upToTheNumber(5550400002);
    const again = await chat.say('77 999 00');
    expect(again.text).toMatch(/^Numéro non reconnu/);
    expect(again.reply_markup?.keyboard).toBeDefined();
    expect(personMessages(chat).map((m) => m.text)).not.toContain('77 999 00');
    const removals = () => api.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat.userId && JSON.stringify(c.payload.reply_markup) === '{"remove_keyboard":true}').length;
    // Asked again: the keyboard stays.
    expect(removals()).toBe(0);
    const next = await chat.say('77 999 00 72');
    expect(next.text).toBe("Sujet de l'appel ?");
    expect(removals()).toBe(1);
    expect(JSON.stringify(api.chat(chat.userId))).not.toMatch(/999 00/);
  });

  it('a number typed anywhere else is deleted as well; other words are not', async () => {
    const chat = new TelegramChat(t.server.app, api, 5550400003);
    await chat.say('/start');
    await chat.press('Français');
    await chat.say('mon numéro est le 77 999 00 73');
    await chat.say('bonjour');
    const texts = personMessages(chat).map((m) => m.text);
    expect(texts).not.toContain('mon numéro est le 77 999 00 73');
    expect(texts).toContain('bonjour');
  });
});
