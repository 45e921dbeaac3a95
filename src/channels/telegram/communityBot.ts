import crypto from 'node:crypto';
import express, { type Router } from 'express';
import { Bot, webhookCallback, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Lock } from '../../store/lock';
import type { SessionStore } from '../../store/sessionStore';
import type { ChannelCapabilities, InboundMessage, Reply } from '../../messaging/types';
import { sameSecret } from '../webhook';
import { QUICK_EXIT_DATA, renderTelegram } from './telegramRenderer';

export const TELEGRAM_COMMUNITY_PATH = '/webhooks/telegram/community';

/**
 * What the bot keeps per chat, in the ephemeral store under a keyed hash of the chat
 * id. No text, no user id.
 */
export type TelegramRecord =
  /**
   * The conversation's message ids and when each was seen, kept as long as Telegram lets a bot
   * delete them; and whether a reply keyboard (the share-number button) may still be on screen.
   */
  | { kind: 'messages'; messages: Array<[id: number, at: number]>; replyKeyboard?: boolean }
  /**
   * The last keyboard: its random id and the input behind each button, and whether the
   * screen waits for a phone number; it lives as long as the session.
   */
  | { kind: 'keyboard'; keyboard: number; inputs: string[]; expectsPhone?: boolean }
  | { kind: 'update' };

/** Telegram does not tell the number; the bot draws buttons (and deletes the chat's messages on quick exit). */
export const TELEGRAM_CAPABILITIES: ChannelCapabilities = { knowsNumber: false, leavesMessages: true, buttons: true };

/** Messages remembered per chat for deletion (Telegram deletes at most 100 at once). */
const MAX_TRACKED = 300;
/** Telegram lets a bot delete a message of a private chat for 48 hours after it was sent. */
const DELETE_WINDOW_MS = 48 * 3_600_000;
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
  forget(sessionKey: string, address: string): Promise<void>;
  /** Keyed hash (HMAC): Telegram chat and user ids never key anything in clear. */
  hash(value: string): string;
  store: SessionStore<TelegramRecord>;
  /** One update at a time per chat (across instances with Redis). */
  lock: Lock;
  /** How long a chat's keyboard lives (TELEGRAM_SESSION_TTL_SECONDS), like its gateway session. */
  ttlMs: number;
  logger: Logger;
  /** Milliseconds since epoch (injected in tests). */
  clock?: () => number;
}

/**
 * The community bot (grammY): the same flows as USSD and SMS, menus as inline
 * keyboards, `/start`, `/langue`, `/exit`, a quick-exit button on every message that
 * deletes the conversation's messages and forgets the session, retried updates
 * handled once, and the callback number shared with the contact button or typed.
 */
export function createCommunityBot(options: CommunityBotOptions): Bot {
  const { store, hash, logger, clock = Date.now } = options;
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot }, botInfo: options.botInfo });
  const chatHash = (chatId: number) => hash(`telegram-chat:${chatId}`).slice(0, 40);
  const messagesKey = (chatId: number) => `messages:${chatHash(chatId)}`;
  const keyboardKey = (chatId: number) => `keyboard:${chatHash(chatId)}`;
  const sessionKey = (chatId: number) => hash(`telegram-session:${chatId}`).slice(0, 40);
  const address = (userId: number) => `telegram:${hash(`telegram-user:${userId}`).slice(0, 40)}`;
  // One update at a time per chat: a retried update waits for the first, and the chat's records are never written by two at once.
  const { lock } = options;

  const tracked = async (chatId: number): Promise<{ messages: Array<[number, number]>; replyKeyboard: boolean }> => {
    const found = await store.get(messagesKey(chatId));
    const since = clock() - DELETE_WINDOW_MS;
    return found?.kind === 'messages' ? { messages: found.messages.filter(([, at]) => at > since), replyKeyboard: found.replyKeyboard === true } : { messages: [], replyKeyboard: false };
  };
  /** Remembers a message of the conversation (the person's or the bot's) for the quick exit. */
  const track = async (chatId: number, messageId: number, replyKeyboard = false) => {
    const current = await tracked(chatId);
    const messages = [...current.messages, [messageId, clock()] as [number, number]].slice(-MAX_TRACKED);
    await store.set(messagesKey(chatId), { kind: 'messages', messages, replyKeyboard: current.replyKeyboard || replyKeyboard }, DELETE_WINDOW_MS);
  };

  /** Deletes every message of the conversation that Telegram still allows, and forgets everything. */
  const quickExit = async (ctx: Context) => {
    const chatId = ctx.chat!.id;
    const { messages, replyKeyboard } = await tracked(chatId);
    const own = ctx.msg && clock() - ctx.msg.date * 1000 < DELETE_WINDOW_MS ? [ctx.msg.message_id] : [];
    // A share-number keyboard stays on screen until a message removes it; that message goes with the rest.
    const removal = replyKeyboard
      ? await ctx.api.sendMessage(chatId, '…', { reply_markup: { remove_keyboard: true } }).then(
          (m) => [m.message_id],
          () => [],
        )
      : [];
    const ids = [...new Set([...messages.map(([id]) => id), ...own, ...removal])];
    for (let i = 0; i < ids.length; i += 100) {
      await ctx.api.deleteMessages(chatId, ids.slice(i, i + 100)).catch(() => logger.warn({ channel: 'telegram' }, 'some messages could not be deleted'));
    }
    await options.forget(sessionKey(chatId), address(ctx.from!.id));
    await store.delete(messagesKey(chatId));
    await store.delete(keyboardKey(chatId));
    logger.info({ channel: 'telegram', deleted: ids.length }, 'quick exit');
  };

  /**
   * A message that carried a number has been read: it is deleted from the chat at once (a
   * bot can delete the person's messages in a private chat), and once no screen waits for
   * a number any more, the share-number keyboard is taken off the screen too (by a message
   * that removes it, itself deleted).
   */
  const forgetNumberMessage = async (ctx: Context, stillAsking: boolean) => {
    const chatId = ctx.chat!.id;
    await ctx.api.deleteMessage(chatId, ctx.msg!.message_id).catch(() => logger.warn({ channel: 'telegram' }, 'a message carrying a number could not be deleted'));
    const current = await tracked(chatId);
    let messages = current.messages.filter(([id]) => id !== ctx.msg!.message_id);
    let replyKeyboard = current.replyKeyboard;
    if (replyKeyboard && !stillAsking) {
      const removal = await ctx.api.sendMessage(chatId, '…', { reply_markup: { remove_keyboard: true } }).catch(() => undefined);
      if (removal) {
        const deleted = await ctx.api.deleteMessage(chatId, removal.message_id).then(
          () => true,
          () => false,
        );
        if (!deleted) messages = [...messages, [removal.message_id, clock()]];
        replyKeyboard = false;
      }
    }
    await store.set(messagesKey(chatId), { kind: 'messages', messages, replyKeyboard }, DELETE_WINDOW_MS);
  };

  /** Runs one step and sends its reply with a fresh keyboard; a stop keyword in any language is a quick exit. */
  const converse = async (ctx: Context, text: string, { carriesNumber = false }: { carriesNumber?: boolean } = {}) => {
    const chatId = ctx.chat!.id;
    const reply = await options.handle({ channel: 'telegram', capabilities: TELEGRAM_CAPABILITIES, sessionKey: sessionKey(chatId), address: address(ctx.from!.id), input: { type: 'text', text } });
    if (reply.quickExit) return quickExit(ctx);
    // A random keyboard id: a button of an older message, even of a forgotten conversation, never matches.
    const keyboard = crypto.randomInt(1, 1_000_000_000);
    const message = renderTelegram(reply, keyboard);
    const asksForNumber = 'keyboard' in message.markup;
    if (carriesNumber) await forgetNumberMessage(ctx, asksForNumber);
    const sent = await ctx.api.sendMessage(chatId, message.text, { reply_markup: message.markup });
    await store.set(keyboardKey(chatId), { kind: 'keyboard', keyboard, inputs: message.inputs, ...(asksForNumber ? { expectsPhone: true } : {}) }, options.ttlMs);
    await track(chatId, sent.message_id, asksForNumber);
  };

  // Retried updates are handled once; the community bot works in private chats only.
  bot.use(async (ctx, next) => {
    const seen = `update:${ctx.update.update_id}`;
    await lock.run(ctx.chat ? chatHash(ctx.chat.id) : seen, async () => {
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
  });

  bot.command(['start', 'langue', 'language'], async (ctx) => {
    await track(ctx.chat.id, ctx.msg.message_id);
    await options.forget(sessionKey(ctx.chat.id), address(ctx.from!.id));
    await converse(ctx, '');
  });
  bot.command(['exit', 'quitter', 'stop'], quickExit);

  bot.on('callback_query:data', async (ctx) => {
    const data = ctx.callbackQuery.data;
    await ctx.answerCallbackQuery();
    if (data === QUICK_EXIT_DATA) return quickExit(ctx);
    const current = await store.get(keyboardKey(ctx.chat!.id));
    const match = /^([0-9]{1,9})\.([0-9]{1,3})$/.exec(data);
    // A button of an older message, or of a conversation already forgotten, does nothing.
    const input = match && current?.kind === 'keyboard' && Number(match[1]) === current.keyboard ? current.inputs[Number(match[2])] : undefined;
    if (input !== undefined) await converse(ctx, input);
  });

  bot.on('message:contact', async (ctx) => {
    await track(ctx.chat.id, ctx.msg.message_id);
    const phone = ctx.msg.contact.phone_number.replace(/[^0-9+]/g, '');
    await converse(ctx, phone.startsWith('+') ? phone : `+${phone}`, { carriesNumber: true });
  });

  bot.on('message', async (ctx) => {
    await track(ctx.chat.id, ctx.msg.message_id);
    const text = ctx.msg.text ?? '';
    // `0`, or the reply keyboard's exit button (its label starts with ✖); stop keywords come back from the gateway as a quick exit.
    if (/^\s*(0|✖.*)\s*$/.test(text)) return quickExit(ctx);
    // A message typed where a number is asked for, or that holds one anyway, is deleted once read.
    const current = await store.get(keyboardKey(ctx.chat.id));
    const carriesNumber = (current?.kind === 'keyboard' && current.expectsPhone === true) || /\d(?:[\s().-]*\d){6,}/.test(text);
    // Photos, voice notes, stickers: read as an empty answer; their content is never looked at.
    await converse(ctx, text, { carriesNumber });
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
