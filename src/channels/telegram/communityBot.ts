import express, { type Router } from 'express';
import { Bot, webhookCallback, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SessionStore } from '../../gateway/sessionStore';
import { sameSecret } from '../africastalking/ussd';
import type { InboundMessage, Reply } from '../types';
import { QUICK_EXIT_DATA, renderTelegram } from './telegramRenderer';

export const TELEGRAM_COMMUNITY_PATH = '/webhooks/telegram/community';

/**
 * What the bot keeps per chat, in the ephemeral store under a keyed hash of the chat
 * id: the ids of the conversation's messages (to delete them on quick exit) and the
 * inputs behind the buttons of the last keyboard. No text, no user id.
 */
export type TelegramRecord = { kind: 'chat'; messages: number[]; keyboard: number; inputs: string[] } | { kind: 'update' };

type ChatRecord = Extract<TelegramRecord, { kind: 'chat' }>;

/** Messages remembered per chat for deletion (Telegram deletes at most 100 at once, and only those under 48 h). */
const MAX_TRACKED = 300;
/** A retried update (`update_id`) is recognised for this long. */
const UPDATE_TTL_MS = 24 * 3_600_000;

export interface CommunityBotOptions {
  token: string;
  /** `TELEGRAM_API_ROOT`: a local fake Bot API in tests. */
  apiRoot?: string;
  /** Skips `getMe` (tests). */
  botInfo?: UserFromGetMe;
  handle(message: InboundMessage): Promise<Reply>;
  /** Forgets the gateway session of a chat (quick exit). */
  forget(sessionKey: string): Promise<void>;
  /** Keyed hash (HMAC): Telegram chat and user ids never key anything in clear. */
  hash(value: string): string;
  store: SessionStore<TelegramRecord>;
  /** How long a chat's record lives (TELEGRAM_SESSION_TTL_SECONDS). */
  ttlMs: number;
  logger: Logger;
}

/**
 * The community bot (grammY): the same flows as USSD and SMS, menus as inline
 * keyboards, `/start`, `/langue`, `/exit`, a quick-exit button on every message that
 * deletes the conversation's messages and forgets the session, retried updates
 * handled once, and the callback number shared with the contact button or typed.
 */
export function createCommunityBot(options: CommunityBotOptions): Bot {
  const { store, hash, logger } = options;
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot }, botInfo: options.botInfo });
  const chatKey = (chatId: number) => `chat:${hash(`telegram-chat:${chatId}`).slice(0, 40)}`;
  const sessionKey = (chatId: number) => hash(`telegram-session:${chatId}`).slice(0, 40);
  const address = (userId: number) => `telegram:${hash(`telegram-user:${userId}`).slice(0, 40)}`;

  const record = async (chatId: number): Promise<ChatRecord> => {
    const found = await store.get(chatKey(chatId));
    return found?.kind === 'chat' ? found : { kind: 'chat', messages: [], keyboard: 0, inputs: [] };
  };
  const remember = async (chatId: number, update: Partial<ChatRecord>, messageIds: number[] = []) => {
    const current = await record(chatId);
    const messages = [...current.messages, ...messageIds].slice(-MAX_TRACKED);
    await store.set(chatKey(chatId), { ...current, ...update, messages }, options.ttlMs);
  };

  /** Runs one step and sends its reply with a fresh keyboard. */
  const converse = async (ctx: Context, text: string) => {
    const chatId = ctx.chat!.id;
    const reply = await options.handle({ channel: 'telegram', sessionKey: sessionKey(chatId), address: address(ctx.from!.id), input: { type: 'text', text } });
    const current = await record(chatId);
    const message = renderTelegram(reply, current.keyboard + 1);
    const sent = await ctx.api.sendMessage(chatId, message.text, { reply_markup: message.markup });
    await remember(chatId, { keyboard: current.keyboard + 1, inputs: message.inputs }, [sent.message_id]);
  };

  /** Deletes every message of the conversation that Telegram still allows, and forgets everything. */
  const quickExit = async (ctx: Context) => {
    const chatId = ctx.chat!.id;
    const { messages } = await record(chatId);
    const ids = [...new Set([...messages, ...(ctx.msg?.message_id ? [ctx.msg.message_id] : [])])];
    for (let i = 0; i < ids.length; i += 100) {
      await ctx.api.deleteMessages(chatId, ids.slice(i, i + 100)).catch(() => logger.warn({ channel: 'telegram' }, 'some messages could not be deleted (older than 48 h?)'));
    }
    await options.forget(sessionKey(chatId));
    await store.delete(chatKey(chatId));
    logger.info({ channel: 'telegram', deleted: ids.length }, 'quick exit');
  };

  // Retried updates are handled once; the community bot works in private chats only.
  bot.use(async (ctx, next) => {
    const seen = `update:${ctx.update.update_id}`;
    if (await store.get(seen)) return;
    await store.set(seen, { kind: 'update' }, UPDATE_TTL_MS);
    if (ctx.chat?.type !== 'private' || !ctx.from) return;
    try {
      await next();
    } catch (err) {
      // Webhook or polling alike: logged by type only (a Bot API error can quote the text); Telegram need not retry.
      logger.error({ err, channel: 'telegram' }, 'telegram update failed');
    }
  });

  bot.command(['start', 'langue', 'language'], async (ctx) => {
    await remember(ctx.chat.id, {}, [ctx.msg.message_id]);
    await options.forget(sessionKey(ctx.chat.id));
    await converse(ctx, '');
  });
  bot.command(['exit', 'quitter', 'stop'], quickExit);

  bot.on('callback_query:data', async (ctx) => {
    const data = ctx.callbackQuery.data;
    if (data === QUICK_EXIT_DATA) {
      await ctx.answerCallbackQuery();
      await quickExit(ctx);
      return;
    }
    const current = await record(ctx.chat!.id);
    const match = /^([0-9]{1,9})\.([0-9]{1,3})$/.exec(data);
    const input = match && Number(match[1]) === current.keyboard ? current.inputs[Number(match[2])] : undefined;
    // A button of an older message, or of a conversation already forgotten, does nothing.
    await ctx.answerCallbackQuery();
    if (input === undefined) return;
    await converse(ctx, input);
  });

  bot.on('message:contact', async (ctx) => {
    await remember(ctx.chat.id, {}, [ctx.msg.message_id]);
    const phone = ctx.msg.contact.phone_number.replace(/[^0-9+]/g, '');
    await converse(ctx, phone.startsWith('+') ? phone : `+${phone}`);
  });

  bot.on('message', async (ctx) => {
    await remember(ctx.chat.id, {}, [ctx.msg.message_id]);
    const text = ctx.msg.text ?? '';
    // `0`, `STOP`, or the reply keyboard's exit button (its label starts with ✖).
    if (/^\s*(0|stop|✖.*)\s*$/i.test(text)) {
      await quickExit(ctx);
      return;
    }
    // Photos, voice notes, stickers: read as an empty answer; their content is never looked at.
    await converse(ctx, text);
  });

  bot.catch((err) => {
    logger.error({ err: err.error, channel: 'telegram' }, 'telegram update failed');
  });
  return bot;
}

/** The minimum of an Update the webhook insists on before grammY reads it. */
const UpdateShape = z.looseObject({ update_id: z.number().int().nonnegative() });

export interface CommunityWebhookOptions {
  bot: Bot;
  /** `TELEGRAM_WEBHOOK_SECRET` (or one derived from HASH_KEY): Telegram sends it in `X-Telegram-Bot-Api-Secret-Token`. */
  secret: string;
}

/** `POST /webhooks/telegram/community`: the secret token is required (missing or wrong → 401), then grammY's webhookCallback. */
export function communityWebhook({ bot, secret }: CommunityWebhookOptions): Router {
  const router = express.Router();
  // Made on the first update: creating it earlier would forbid long polling (development without a public URL).
  let callback: ((req: express.Request, res: express.Response) => Promise<unknown>) | undefined;
  router.post('/', express.json({ limit: '256kb' }), async (req, res, next) => {
    try {
      if (!sameSecret(req.header('x-telegram-bot-api-secret-token'), secret)) {
        res.status(401).type('text/plain').send('unauthorized: missing or wrong secret token');
        return;
      }
      if (!UpdateShape.safeParse(req.body).success) {
        res.status(400).type('text/plain').send('bad request: update_id is required');
        return;
      }
      callback ??= webhookCallback(bot, 'express', { secretToken: secret, onTimeout: 'return', timeoutMilliseconds: 9_000 });
      await callback(req, res);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
