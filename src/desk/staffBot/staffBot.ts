import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { Bot, HttpError, InlineKeyboard, webhookCallback, type Api, type Context } from 'grammy';
import { z } from 'zod';
import type { UserFromGetMe } from 'grammy/types';
import { AppError } from '../../caseLink/appError';
import { claimIntake } from '../../caseLink/claimIntake';
import { closeIntake } from '../../caseLink/closeIntake';
import { getIntake } from '../../caseLink/getIntake';
import { handOffIntake } from '../../caseLink/handOffIntake';
import { recordConsent, storedConsent } from '../../caseLink/recordConsent';
import { recordOutcome } from '../../caseLink/recordOutcome';
import { releaseIntake } from '../../caseLink/releaseIntake';
import { revealContact } from '../../caseLink/revealContact';
import { OUTCOMES, type Actor, type Outcome } from '../../caseLink/types';
import { sameSecret } from '../../crypto/sameSecret';
import { STAFF_SELECT, toActor } from '../auth';
import type { DeskContext } from '../context';
import { errorText, translate } from '../console/i18n';
import { linkTelegram, revokeLinkCode, telegramHash } from '../staffAccounts';

export interface StaffBotOptions {
  token: string;
  /** Known bot identity (skips getMe; tests). */
  botInfo?: UserFromGetMe;
  /** Installs Bot API transformers; tests use it to fake Telegram's servers. */
  configureApi?: (api: Api) => void;
}

/** A deletion that met a network failure is tried again after this. */
const RETRY_DELETION_MS = 60_000;
/** Telegram lets a bot delete a message for 48 hours after it was sent. */
const DELETE_WINDOW_MS = 48 * 3_600_000;

/** Associated data of a sealed pending deletion (a chat id is a staff member's Telegram id). */
const DELETION_AAD = 'staff-bot-deletion';

export interface StaffBot {
  bot: Bot;
  /** Express handler for POST /webhooks/telegram/staff (checks X-Telegram-Bot-Api-Secret-Token first). */
  webhook: RequestHandler;
  /** Posts a new intake to the staff group, without contact details, with a Claim button. */
  announce(intakeId: string): Promise<void>;
  /**
   * Tells the staff group which claimed requests ran out of time (by label only): their
   * numbers were destroyed INTAKE_TTL_HOURS after the request, as the person was promised.
   * (Only a keyed hash of each Telegram id is stored, so the bot cannot write to the claimer alone.)
   */
  announceExpired(labels: string[]): Promise<void>;
  /**
   * Tells the staff group that a claim has had no outcome for STALE_CLAIM_HOURS: its label,
   * who holds it and for how long; never a contact detail. Whether to tell (once per claim)
   * is `announceStaleClaims`'s business. Throws when Telegram refuses, so it can be retried.
   */
  announceStale(claim: { label: string; staffName: string; hours: number }): Promise<void>;
  /**
   * Deletes the private messages that showed a number and are due (REVEAL_MESSAGE_TTL_SECONDS
   * after they were sent); returns how many. Pending deletions wait in the shared store
   * (Redis with REDIS_URL: they survive a restart and any instance carries them out).
   */
  sweepDeletions(): Promise<number>;
}

/** The minimum of an Update the webhook insists on before grammY reads it. */
const UpdateShape = z.looseObject({ update_id: z.number().int().nonnegative() });

/**
 * Callback data: `c:<id>` claim, `o:<id>:<outcome>`, `x:<id>` close (resolved), `h:<id>`
 * hand off (first the consent asked during the call: `k:<id>:<consent>` ticks one answer,
 * `K:<id>:<consent>` unticks it — the value is in the button, so a second tap or a
 * redelivered update changes nothing), `b:<id>` back to the outcome buttons. A button that
 * destroys the number asks first; its confirmation button carries the same letter in
 * capitals (`O`, `X`, `H`).
 */
const DATA = /^(c|o|O|x|X|h|H|k|K|b):([0-9a-f]{32})(?::([a-zA-Z_]{1,30}))?$/;

/** The consent answers in the order of their buttons. */
const CONSENTS = ['services', 'shareWithOrganisations', 'shareNumber'] as const;
type ConsentKey = (typeof CONSENTS)[number];

/** Outcomes that end the request and destroy its number at once (no_answer and unsafe do too, at the last attempt). */
const CLOSING_OUTCOMES: Outcome[] = ['wrong_number', 'declined'];
const fr = (key: string, params?: Record<string, string | number>) => translate('fr', key, params);

/**
 * The hotline staff's Telegram bot: announces new intakes in the staff group,
 * lets a linked, active staff member claim with one button, sends the number
 * privately to the claimer only (that message is deleted after
 * REVEAL_MESSAGE_TTL_SECONDS), then the outcome buttons in a message of their
 * own, without the number. Anyone else is refused, and
 * the refusal is logged without any identifier.
 */
export function createStaffBot(ctx: DeskContext, options: StaffBotOptions): StaffBot {
  const { config, logger, prisma } = ctx;
  const bot = new Bot(options.token, { botInfo: options.botInfo, client: config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : undefined });
  options.configureApi?.(bot.api);
  const deletions = ctx.stores.dueQueue('staff-bot-deletions');

  /** The linked, active staff member behind a Telegram user, or null. */
  const staffOf = async (telegramUserId: number | undefined): Promise<(Actor & { name: string }) | null> => {
    if (telegramUserId === undefined) return null;
    const staff = await prisma.staff.findUnique({ where: { telegramIdHash: telegramHash(ctx.keyring, telegramUserId) }, select: STAFF_SELECT });
    return staff?.active ? toActor(staff) : null;
  };
  /** What the staff member is told when an action fails; an unexpected error is logged (without its message) and told as such. */
  const failureText = (err: unknown) => {
    if (!(err instanceof AppError)) {
      logger.error({ err }, 'staff bot: action failed');
      return fr('error.other');
    }
    return errorText('fr', err.code);
  };

  // Updates without a sender or a chat (channel posts, inline queries) concern no staff member; and an
  // action that fails (Telegram refusing a call, a forged callback) is logged by type, never answered with a 500.
  bot.use(async (c, next) => {
    if (!c.from || !c.chat) return;
    try {
      await next();
    } catch (err) {
      logger.error({ err }, 'staff bot: update failed');
    }
  });

  bot.command('start', async (c) => {
    if (c.chat.type !== 'private') return;
    await c.reply('Bonjour. Pour lier votre compte du bureau des rappels, envoyez /link suivi du code donné par la console ou l’API.');
  });
  bot.command('link', async (c) => {
    if (c.chat.type !== 'private') {
      // Everyone in the group saw the code: it is worth nothing now.
      await revokeLinkCode(ctx, c.match);
      await c.reply('Code annulé : il a été vu dans le groupe. Demandez-en un nouveau et envoyez-le en message privé au bot.');
      return;
    }
    const linked = await linkTelegram(ctx, c.match, c.from!.id);
    if ('refused' in linked) {
      logger.warn({ reason: linked.refused }, 'staff bot: link refused');
      await c.reply(linked.refused === 'limited' ? 'Trop d’essais. Réessayez dans 15 minutes avec un nouveau code.' : 'Code inconnu ou expiré. Demandez-en un nouveau.');
      return;
    }
    await c.reply('Compte lié. Vous pouvez prendre en charge les demandes annoncées dans le groupe.');
  });

  bot.on('callback_query:data', async (c) => {
    const match = DATA.exec(c.callbackQuery.data);
    if (!match) {
      await c.answerCallbackQuery();
      return;
    }
    const [, kind, intakeId, arg] = match;
    const actor = await staffOf(c.from.id);
    if (!actor) {
      logger.warn({ action: kind }, 'staff bot: refused a user who is not linked active staff');
      await c.answerCallbackQuery({ text: 'Réservé au personnel lié au bureau des rappels.', show_alert: true });
      return;
    }
    try {
      if (kind === 'c') await onClaim(c, actor, intakeId);
      else if ((kind === 'o' || kind === 'O') && OUTCOMES.includes(arg as Outcome)) await onOutcome(c, actor, intakeId, arg as Outcome, kind === 'O');
      else if (kind === 'x') await askFirst(c, intakeId, fr('confirm.close'), `X:${intakeId}`);
      else if (kind === 'h') await showConsent(c, actor, intakeId);
      else if ((kind === 'k' || kind === 'K') && CONSENTS.includes(arg as ConsentKey)) await setConsent(c, actor, intakeId, arg as ConsentKey, kind === 'k');
      else if (kind === 'X') await onDone(c, actor, intakeId, 'close');
      else if (kind === 'H') await onDone(c, actor, intakeId, 'handoff');
      else if (kind === 'b') await showOutcomes(c, actor, intakeId);
      else await c.answerCallbackQuery();
    } catch (err) {
      await c.answerCallbackQuery({ text: failureText(err), show_alert: true });
    }
  });

  async function onClaim(c: Context, actor: Actor, intakeId: string) {
    const claimed = await claimIntake(ctx, { intakeId, actor });
    let sent: { chat: { id: number }; message_id: number };
    try {
      const { contact, cover } = await revealContact(ctx, { intakeId, actor, via: 'telegram' });
      sent = await c.api.sendMessage(
        c.from!.id,
        `${fr('intake.number')} : ${contact}\n${fr('intake.cover')} : ${fr(`cover.${cover}`)}\n\nCe message sera effacé dans ${Math.round(config.REVEAL_MESSAGE_TTL_SECONDS / 60)} min.`,
        {
          protect_content: true,
        },
      );
    } catch (err) {
      // The number could not reach the claimer (reveal limit, private chat closed): the intake goes back to the queue.
      await releaseIntake(ctx, { intakeId, actor });
      throw err;
    }
    // Sealed: the chat id is the staff member's Telegram id, which is stored nowhere in clear.
    const sentAt = ctx.clock().getTime();
    const pending = JSON.stringify(ctx.keyring.seal(JSON.stringify({ chat: sent.chat.id, message: sent.message_id, sentAt }), DELETION_AAD));
    await deletions.add(pending, sentAt + config.REVEAL_MESSAGE_TTL_SECONDS * 1000);
    // The outcome buttons come in a message of their own, without the number: they outlive its deletion.
    const { label } = await getIntake(ctx, { intakeId, actor });
    await c.api.sendMessage(c.from!.id, `${fr('intake.title', { reference: label })} — ${fr('intake.outcome')}`, { reply_markup: outcomeKeyboard(intakeId) });
    await c.answerCallbackQuery({ text: claimed.warning ? fr('done.claimedWarning') : fr('done.claimed') });
    // The group sees that it is taken, never by whom or the number.
    await c.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
  }

  function outcomeKeyboard(intakeId: string): InlineKeyboard {
    const keyboard = new InlineKeyboard();
    OUTCOMES.forEach((o, i) => {
      keyboard.text(fr(`outcome.${o}`), `o:${intakeId}:${o}`);
      if (i % 2 === 1) keyboard.row();
    });
    return keyboard;
  }

  async function showOutcomes(c: Context, actor: Actor, intakeId: string) {
    const { label } = await getIntake(ctx, { intakeId, actor });
    await c.answerCallbackQuery();
    await c.editMessageText(`${fr('intake.title', { reference: label })} — ${fr('intake.outcome')}`, { reply_markup: outcomeKeyboard(intakeId) });
  }

  /** A button that destroys the number asks first: its text, and the buttons to confirm or go back. */
  async function askFirst(c: Context, intakeId: string, question: string, confirmData: string) {
    await c.answerCallbackQuery();
    await c.editMessageText(question, { reply_markup: new InlineKeyboard().text(fr('confirm.yes'), confirmData).text(fr('confirm.back'), `b:${intakeId}`) });
  }

  /**
   * The hand-off step: what the person agreed to when asked during the call, one button per
   * answer (ticked ✅ or not ⬜, each change recorded and audited), then the hand-off itself,
   * refused without consent to services.
   */
  async function showConsent(c: Context, actor: Actor, intakeId: string, answer?: string) {
    const intake = await getIntake(ctx, { intakeId, actor });
    const given = storedConsent(intake);
    const keyboard = new InlineKeyboard();
    for (const key of CONSENTS) keyboard.text(`${given?.[key] ? '✅' : '⬜'} ${fr(`consent.${key}`)}`, `${given?.[key] ? 'K' : 'k'}:${intakeId}:${key}`).row();
    keyboard.text(fr('intake.handoffButton'), `H:${intakeId}`).text(fr('confirm.back'), `b:${intakeId}`);
    await c.answerCallbackQuery(answer ? { text: answer } : undefined);
    await c.editMessageText(`${fr('intake.title', { reference: intake.label })}\n${fr('confirm.handoff')}\n${fr('consent.ask')}`, { reply_markup: keyboard });
  }

  async function setConsent(c: Context, actor: Actor, intakeId: string, key: ConsentKey, value: boolean) {
    const given = storedConsent(await getIntake(ctx, { intakeId, actor }));
    const consent = { services: given?.services ?? false, shareWithOrganisations: given?.shareWithOrganisations ?? false, shareNumber: given?.shareNumber ?? false };
    consent[key] = value;
    await recordConsent(ctx, { intakeId, actor, consent });
    await showConsent(c, actor, intakeId, fr('done.consent'));
  }

  async function onOutcome(c: Context, actor: Actor, intakeId: string, outcome: Outcome, confirmed: boolean) {
    if (!confirmed) {
      const intake = await getIntake(ctx, { intakeId, actor });
      const lastAttempt = (outcome === 'no_answer' || outcome === 'unsafe') && intake.attempts + 1 >= config.MAX_CALL_ATTEMPTS;
      if (CLOSING_OUTCOMES.includes(outcome) || lastAttempt) {
        await askFirst(c, intakeId, fr(lastAttempt ? 'confirm.lastAttempt' : 'confirm.outcome', { outcome: fr(`outcome.${outcome}`), max: config.MAX_CALL_ATTEMPTS }), `O:${intakeId}:${outcome}`);
        return;
      }
    }
    const result = await recordOutcome(ctx, { intakeId, actor, outcome });
    await c.answerCallbackQuery({ text: fr('done.outcome') });
    // Every outcome says what happened to the request: kept, back in the queue (attempt n of max), expired or closed.
    const what =
      result.status === 'pending'
        ? fr('done.requeued', { attempts: result.attempts, max: config.MAX_CALL_ATTEMPTS })
        : result.status === 'expired'
          ? fr('done.expiredAttempts', { attempts: result.attempts, max: config.MAX_CALL_ATTEMPTS })
          : result.status === 'closed'
            ? fr('done.closed')
            : fr(`status.${result.status}`);
    const text = `${fr('intake.lastOutcome')} : ${fr(`outcome.${outcome}`)} — ${what}`;
    const next = result.status === 'claimed' ? new InlineKeyboard().text(fr('intake.close'), `x:${intakeId}`).text(fr('intake.handoff'), `h:${intakeId}`) : undefined;
    await c.editMessageText(text, next ? { reply_markup: next } : {});
  }

  async function onDone(c: Context, actor: Actor, intakeId: string, what: 'close' | 'handoff') {
    if (what === 'close') await closeIntake(ctx, { intakeId, actor, reason: 'resolved' });
    else {
      await handOffIntake(ctx, { intakeId, actor, adapter: ctx.handoffAdapter.name });
      ctx.kickHandoffs();
    }
    const text = fr(what === 'close' ? 'done.closed' : 'done.handedOff');
    await c.answerCallbackQuery({ text });
    await c.editMessageText(text);
  }

  bot.catch((err) => logger.error({ err: err.error }, 'staff bot: update failed'));

  const handle = webhookCallback(bot, 'express', { secretToken: config.TELEGRAM_WEBHOOK_SECRET });
  const secret = config.TELEGRAM_WEBHOOK_SECRET;
  if (!secret) logger.warn('TELEGRAM_WEBHOOK_SECRET is not set: the staff bot webhook refuses every update');
  const router = express.Router();
  const refuse = (res: Response, status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });
  router.post(
    '/',
    (req, res, next) => {
      // The secret is checked before anything else runs, the body parser included (grammY would call getMe first).
      if (!secret || !sameSecret(String(req.headers['x-telegram-bot-api-secret-token'] ?? ''), secret)) refuse(res, 401, 'unauthenticated', 'Missing or wrong secret token');
      else next();
    },
    express.json({ limit: '64kb' }),
    async (req, res) => {
      // grammY throws on a body that is not an update (none, not JSON, no update_id): that is the sender's error, 400.
      if (!UpdateShape.safeParse(req.body).success) {
        refuse(res, 400, 'bad_request', 'Malformed update: update_id is required');
        return;
      }
      await handle(req, res);
    },
  );
  router.use(((err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'staff bot: webhook failed');
    refuse(res, status, status === 500 ? 'internal' : 'bad_request', status === 500 ? 'Internal error' : 'Malformed update');
  }) as ErrorRequestHandler);

  return {
    bot,
    webhook: router,
    async announce(intakeId: string) {
      if (!config.STAFF_TELEGRAM_GROUP_ID) return;
      const intake = await prisma.intake.findUnique({ where: { id: intakeId }, select: { label: true, queue: true, language: true, callerGender: true, timeWindow: true } });
      if (!intake) return;
      const text = [
        `Nouvelle demande ${intake.label}`,
        `${fr('col.queue')} : ${fr(`queue.${intake.queue}`)}`,
        `${fr('col.language')} : ${fr(`lang.${intake.language}`)}`,
        `${fr('col.caller')} : ${fr(`caller.${intake.callerGender}`)}`,
        `${fr('col.window')} : ${fr(`window.${intake.timeWindow}`)}`,
      ].join('\n');
      await bot.api.sendMessage(config.STAFF_TELEGRAM_GROUP_ID, text, { reply_markup: new InlineKeyboard().text(fr('intake.claim'), `c:${intakeId}`) });
    },
    async announceExpired(labels: string[]) {
      if (!config.STAFF_TELEGRAM_GROUP_ID || labels.length === 0) return;
      await bot.api.sendMessage(config.STAFF_TELEGRAM_GROUP_ID, fr('expired.announce', { labels: labels.join(', '), hours: config.INTAKE_TTL_HOURS }));
    },
    async announceStale(claim) {
      if (!config.STAFF_TELEGRAM_GROUP_ID) return;
      await bot.api.sendMessage(config.STAFF_TELEGRAM_GROUP_ID, fr('stale.announce', { label: claim.label, name: claim.staffName, hours: claim.hours }));
    },
    async sweepDeletions() {
      const now = ctx.clock().getTime();
      let deleted = 0;
      for (const item of await deletions.takeDue(now)) {
        let pending: { chat: number; message: number; sentAt: number };
        try {
          pending = JSON.parse(ctx.keyring.unseal(JSON.parse(item), DELETION_AAD));
        } catch (err) {
          logger.error({ err }, 'staff bot: a pending deletion could not be read');
          continue;
        }
        try {
          await bot.api.deleteMessage(pending.chat, pending.message);
          deleted += 1;
        } catch (err) {
          // Telegram answered (already deleted, chat gone): nothing more to do. The network failed:
          // again in a minute, while Telegram still lets a bot delete it (48 hours).
          const retry = err instanceof HttpError && now + RETRY_DELETION_MS < pending.sentAt + DELETE_WINDOW_MS;
          logger.warn({ retry }, 'staff bot: could not delete a number message');
          if (retry) await deletions.add(item, now + RETRY_DELETION_MS);
        }
      }
      return deleted;
    },
  };
}
