import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Express } from 'express';

/** A message in a fake chat: the person's or the bot's. */
export interface FakeMessage {
  message_id: number;
  from: 'person' | 'bot';
  text: string;
  reply_markup?: {
    inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>>;
    keyboard?: Array<Array<{ text: string; request_contact?: boolean }>>;
  };
}

/** One Bot API call the bot made. */
export interface FakeCall {
  method: string;
  payload: Record<string, unknown>;
}

export const BOT_TOKEN = '7000000001:AAtest-community-bot-token';

/**
 * Telegram's Bot API, faked at the HTTP boundary on 127.0.0.1 (`TELEGRAM_API_ROOT`):
 * `getMe`, `sendMessage`, `deleteMessage(s)`, `answerCallbackQuery`, `setWebhook`.
 * It keeps each chat's messages, so a test sees what the person would see, and what
 * a quick exit deleted. Messages older than `maxAgeIds` can be made undeletable.
 */
export class FakeTelegram {
  readonly calls: FakeCall[] = [];
  private readonly chats = new Map<number, FakeMessage[]>();
  private nextId = 1;
  private server?: http.Server;
  /** How many of the next `sendMessage` calls fail (Telegram down); the error quotes the text, as a nasty server could. */
  failSends = 0;
  /** Updates waiting for the bot's next `getUpdates` (long polling). */
  readonly queued: Array<Record<string, unknown>> = [];
  /** Ids Telegram refuses to delete (older than 48 h). */
  readonly undeletable = new Set<number>();
  apiRoot = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
        const send = (json: unknown, status = 200) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
        if (!match || match[1] !== BOT_TOKEN) return send({ ok: false, error_code: 401, description: 'Unauthorized' }, 401);
        const payload = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        const method = match[2];
        this.calls.push({ method, payload });
        if (method === 'getUpdates') {
          // Long polling: hand over queued updates, or hold the request a moment like Telegram does.
          const updates = this.queued.splice(0);
          setTimeout(() => send({ ok: true, result: updates }), updates.length > 0 ? 0 : 50);
          return;
        }
        send(this.answer(method, payload));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.apiRoot = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private answer(method: string, p: Record<string, unknown>): unknown {
    const chatId = Number(p.chat_id);
    switch (method) {
      case 'getMe':
        return {
          ok: true,
          result: {
            id: 7000000001,
            is_bot: true,
            first_name: 'Passerelle',
            username: 'passerelle_test_bot',
            can_join_groups: false,
            can_read_all_group_messages: false,
            supports_inline_queries: false,
          },
        };
      case 'sendMessage': {
        if (this.failSends > 0) {
          this.failSends -= 1;
          return { ok: false, error_code: 500, description: `Internal Server Error while sending "${String(p.text)}" to ${chatId}` };
        }
        const message: FakeMessage = { message_id: this.nextId++, from: 'bot', text: String(p.text), reply_markup: p.reply_markup as FakeMessage['reply_markup'] };
        this.chat(chatId).push(message);
        return { ok: true, result: { message_id: message.message_id, date: 1795510800, chat: { id: chatId, type: 'private' }, text: message.text } };
      }
      case 'deleteMessage': {
        const id = Number(p.message_id);
        if (this.undeletable.has(id)) return { ok: false, error_code: 400, description: "Bad Request: message can't be deleted" };
        this.chats.set(
          chatId,
          this.chat(chatId).filter((m) => m.message_id !== id),
        );
        return { ok: true, result: true };
      }
      case 'deleteMessages': {
        const ids = (p.message_ids as number[]).filter((id) => !this.undeletable.has(id));
        this.chats.set(
          chatId,
          this.chat(chatId).filter((m) => !ids.includes(m.message_id)),
        );
        return ids.length === (p.message_ids as number[]).length ? { ok: true, result: true } : { ok: false, error_code: 400, description: "Bad Request: message can't be deleted" };
      }
      default:
        return { ok: true, result: true };
    }
  }

  chat(chatId: number): FakeMessage[] {
    let messages = this.chats.get(chatId);
    if (!messages) {
      messages = [];
      this.chats.set(chatId, messages);
    }
    return messages;
  }

  /** A new message id in a chat, for a message the person sends. */
  personSays(chatId: number, text: string): number {
    const id = this.nextId++;
    this.chat(chatId).push({ message_id: id, from: 'person', text });
    return id;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

let updateId = 700_000_000;

/** A person in a private chat with the community bot, posting real-shaped updates to the webhook. */
export class TelegramChat {
  constructor(
    private readonly app: Express,
    private readonly telegram: FakeTelegram,
    readonly userId = 5550001111,
    private readonly secret = 'test-telegram-webhook-secret',
  ) {}

  private get user() {
    return { id: this.userId, is_bot: false, first_name: 'Test', language_code: 'fr' };
  }

  post(update: Record<string, unknown>, secret: string | null = this.secret) {
    const req = request(this.app).post('/webhooks/telegram/community');
    return (secret === null ? req : req.set('X-Telegram-Bot-Api-Secret-Token', secret)).send(update);
  }

  /** An update carrying a message (text, command, contact…). */
  messageUpdate(message: Record<string, unknown>, text = String(message.text ?? '')): Record<string, unknown> {
    const id = this.telegram.personSays(this.userId, text);
    return {
      update_id: ++updateId,
      message: { message_id: id, from: this.user, chat: { id: this.userId, first_name: 'Test', type: 'private' }, date: 1795510800, ...message },
    };
  }

  async say(text: string): Promise<FakeMessage> {
    const entities = text.startsWith('/') ? { entities: [{ offset: 0, length: text.split(' ')[0].length, type: 'bot_command' }] } : {};
    return this.deliver(this.messageUpdate({ text, ...entities }));
  }

  async shareContact(phone: string): Promise<FakeMessage> {
    return this.deliver(this.messageUpdate({ contact: { phone_number: phone, first_name: 'Test', user_id: this.userId } }, '[contact]'));
  }

  /** Presses the inline button whose text contains `label` on the bot's last message. */
  async press(label: string | RegExp): Promise<FakeMessage> {
    const last = this.lastBotMessage();
    const button = last.reply_markup?.inline_keyboard?.flat().find((b) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text)));
    if (!button?.callback_data) throw new Error(`no button ${label} in ${JSON.stringify(last)}`);
    return this.deliver(this.callbackUpdate(button.callback_data, last.message_id));
  }

  callbackUpdate(data: string, messageId = this.lastBotMessage().message_id): Record<string, unknown> {
    return {
      update_id: ++updateId,
      callback_query: {
        id: `43${updateId}`,
        from: this.user,
        message: {
          message_id: messageId,
          from: { id: 7000000001, is_bot: true, first_name: 'Passerelle', username: 'passerelle_test_bot' },
          chat: { id: this.userId, type: 'private' },
          date: 1795510800,
          text: '…',
        },
        chat_instance: '-5034538287396482049',
        data,
      },
    };
  }

  async deliver(update: Record<string, unknown>): Promise<FakeMessage> {
    const before = this.telegram.calls.length;
    const res = await this.post(update);
    if (res.status !== 200) throw new Error(`webhook: ${res.status} ${res.text}`);
    const sent = this.telegram.calls.slice(before).filter((c) => c.method === 'sendMessage');
    // A quick exit may send a message (taking a keyboard off the screen) and delete it at once.
    const bots = this.telegram.chat(this.userId).filter((m) => m.from === 'bot');
    return sent.length > 0 && bots.length > 0 ? bots[bots.length - 1] : { message_id: 0, from: 'bot', text: '' };
  }

  lastBotMessage(): FakeMessage {
    const bots = this.telegram.chat(this.userId).filter((m) => m.from === 'bot');
    if (bots.length === 0) throw new Error('the bot has said nothing');
    return bots[bots.length - 1];
  }
}
