import pino from 'pino';
import { createCommunityBot, TELEGRAM_CAPABILITIES, type TelegramRecord } from '../../../src/channels/telegram/communityBot';
import { SimulatedBotApi } from '../../../src/channels/telegram/simulatedBotApi';
import { MemoryLock } from '../../../src/store/lock';
import { MemorySessionStore } from '../../../src/store/sessionStore';
import startFixture from '../../fixtures/telegram/update-start.json';
import contactFixture from '../../fixtures/telegram/update-contact.json';
import groupFixture from '../../fixtures/telegram/update-group.json';
import { SpyGateway } from '../../support/adapterCases';

const strip = <T extends { _source?: string }>({ _source, ...rest }: T) => rest;
const hash = (value: string) => `hash(${value})`;
/** What every message of the fixtures' chat (user 5550009999) is normalised with. */
const chat = { channel: 'telegram', capabilities: TELEGRAM_CAPABILITIES, sessionKey: 'hash(telegram-session:5550009999)', address: 'telegram:hash(telegram-user:5550009999)' };
const text = (t: string) => ({ ...chat, input: { type: 'text' as const, text: t } });

const cases: Array<{ label: string; update: object; messages: object[] }> = [
  { label: '/start → the conversation forgotten, then an empty message (the welcome)', update: strip(startFixture), messages: [text('')] },
  { label: 'a typed message → its text', update: { ...strip(startFixture), message: { ...strip(startFixture).message, text: 'bonjour', entities: undefined } }, messages: [text('bonjour')] },
  { label: 'a shared contact → the number, in E.164', update: strip(contactFixture), messages: [text('+221770000041')] },
  { label: 'a group chat → nothing (private chats only)', update: strip(groupFixture), messages: [] },
];

describe('the Telegram adapter (community bot) normalises updates', () => {
  test.each(cases)('$label', async ({ update, messages }) => {
    const spy = new SpyGateway();
    const api = new SimulatedBotApi();
    const bot = createCommunityBot({
      token: 'simulator:adapter',
      botInfo: { id: 1, is_bot: true, first_name: 'Passerelle', username: 'passerelle_bot' } as never,
      handle: spy.handle,
      forget: spy.forget,
      hash,
      store: new MemorySessionStore<TelegramRecord>({ maxEntries: 100, clock: Date.now }),
      lock: new MemoryLock(),
      ttlMs: 60_000,
      logger: pino({ level: 'silent' }),
      clock: () => 1_795_510_810_000,
    });
    bot.api.config.use(api.transformer);
    await bot.handleUpdate(update as never);
    expect(spy.messages).toEqual(messages);
  });
});
