import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CancelIntakeOptions } from '../caseLink/cancelIntake';
import type { CreateIntakeOptions, CreateIntakeResult } from '../caseLink/createIntake';
import { FEEDBACK_ANSWERS, FEEDBACK_QUESTIONS, type FeedbackAnswer, type RecordFeedbackOptions } from '../caseLink/recordFeedback';
import type { ChannelId, ChannelRenderer, InboundMessage, Reply } from '../messaging/types';
import type { Keyring, Sealed } from '../crypto/keyring';
import { GLOBAL, jump, start, step, type Effect, type EngineEvent, type FlowData, type FlowState, type Screen, type StepContext, type StepResult, type Text } from '../flows/engine';
import type { FlowDefinition } from '../flows/schema';
import type { Localizer } from '../locales/localizer';
import type { CancelGuard } from './cancelGuard';
import type { Lock } from '../store/lock';
import type { SessionStore } from '../store/sessionStore';
import { Keywords } from './keywords';
import { goodbyeScreen, localiseScreen, resumeScreen } from './localiseScreen';

/** What the gateway keeps between two requests: position and choices, never raw text. */
export interface Session {
  status: 'active' | 'resumeOffer' | 'ended';
  flow?: FlowState;
  /** How many USSD path segments have been read, and a keyed hash of them (retry and resume detection). */
  consumed: number;
  pathHash: string;
  /** The keyed hash of the path one hop earlier: a late copy of that hop is not a new answer. */
  previousPathHash?: string;
  /** Segments to replay if the person chooses to resume a session the server had lost. */
  replay?: number;
  /** The last reply, re-sent as is to a retried request. */
  last: Reply;
  /** Text channels: the reply to this provider message was not handed over for sending. */
  undelivered?: boolean;
  /** Sensitive keypad input (a safer number), sealed with the session key as associated data. */
  secrets?: Record<string, Sealed>;
  /**
   * Text channels: a random id per conversation. One sender has many conversations
   * over time, and intake idempotency is per conversation, not per sender.
   */
  conversation?: string;
}

/** The operations the gateway asks of caseLink. */
export interface IntakeService {
  createIntake(options: CreateIntakeOptions): Promise<CreateIntakeResult>;
  cancelIntake(options: CancelIntakeOptions): Promise<'ok' | 'notFound'>;
}

/** The operation the gateway asks of caseLink for the feedback questions. */
export interface FeedbackService {
  recordFeedback(options: RecordFeedbackOptions): Promise<void>;
}

export interface GatewayOptions {
  flow: FlowDefinition;
  localizer: Localizer;
  store: SessionStore<Session>;
  /** One request at a time per conversation (across instances with Redis). */
  lock: Lock;
  intakes: IntakeService;
  /** Counts the answers to the feedback questions (per week and channel only). */
  feedback: FeedbackService;
  keyring: Keyring;
  logger: Logger;
  renderers: Partial<Record<ChannelId, ChannelRenderer>>;
  data: FlowData;
  /** Values shown in texts: hotline, emergency numbers, retention hours. */
  params: Record<string, string>;
  validate: StepContext['validate'];
  languages: string[];
  sessionTtlMs: number;
  /** Idle time after which a conversation is forgotten, per channel (SMS and Telegram: 30 minutes by default). */
  sessionTtls?: Partial<Record<ChannelId, number>>;
  /** A notice shown once, with the first reply of each conversation, per channel (SMS: messages stay on the phone). */
  notices?: Partial<Record<ChannelId, Text>>;
  /** Where `ANNULER <code>` leads: the node asking for a reference code. */
  cancelNode?: string;
  /** Random conversation ids (injected for deterministic tests). */
  randomId?: () => string;
  clock: () => Date;
  /** Shows a reference code as people read it. */
  formatReference?: (code: string) => string;
  /** Limits the guessing of reference codes (per number and service-wide, held in the database). */
  cancelGuard: CancelGuard;
}

const ENDED_TTL_MS = 60_000;
/** How long a provider message id is remembered, with the reply it got, for retried webhooks. */
const SEEN_TTL_MS = 10 * 60_000;

const CreateParams = z.object({
  subject: z.enum(['self', 'self_minor', 'child', 'other']),
  /** The need chosen (here, or earlier in the information flow), or `none`. */
  need: z.enum(['medical', 'psychosocial', 'legal', 'safe_space', 'child_protection', 'migrants', 'none']).optional(),
  callLang: z.string().min(2).max(3),
  gender: z.enum(['female', 'male', 'any']),
  window: z.enum(['morning', 'afternoon', 'evening', 'any']),
  cover: z.string().min(1).max(40),
  contact: z.enum(['self', 'alternate']),
});

/** Feedback answers as the flow hands them over: question → answer code, each from the fixed list. */
const FeedbackParams = z.strictObject(Object.fromEntries(FEEDBACK_QUESTIONS.map((q) => [q, z.enum(FEEDBACK_ANSWERS[q]).optional()])));

/**
 * The one place where a conversation step performs I/O: it loads the session, runs
 * the pure engine, applies the effects it returns (intakes, sealed input, end),
 * localises the screen and stores the new state.
 */
export class Gateway {
  private readonly keywords: Keywords;

  constructor(private readonly options: GatewayOptions) {
    this.keywords = new Keywords(options.localizer, options.languages);
  }

  /** Handles one inbound request and returns the reply to show. */
  handle(message: InboundMessage): Promise<Reply> {
    const key = this.storeKey(message.channel, message.sessionKey, message.address);
    return this.options.lock.run(key, () => this.handleLocked(key, message));
  }

  /**
   * A conversation belongs to its address: every record of it (state, tombstone, the
   * intake's session hash) is keyed by the provider's session id *and* a keyed hash of
   * the address, so another phone sending a live session id shares nothing with it.
   */
  storeKey(channel: ChannelId, sessionKey: string, address: string): string {
    return `${channel}:${sessionKey}:${this.options.keyring.hash(`address\u0000${address}`).slice(0, 24)}`;
  }

  /**
   * Records whether the reply to a provider message was handed over for sending. A
   * reply that could not be (the outbox write failed) is sent again when the provider
   * retries the message, instead of being taken for one already sent.
   */
  async markDelivery(message: InboundMessage, delivered: boolean): Promise<void> {
    const seenKey = this.seenKey(message);
    if (!seenKey) return;
    const seen = await this.options.store.get(seenKey);
    if (seen) await this.options.store.set(seenKey, { ...seen, undelivered: !delivered }, SEEN_TTL_MS);
  }

  /** Forgets a conversation at once (quick exit from outside the flow: STOP, /exit). */
  async forget(channel: ChannelId, sessionKey: string, address: string): Promise<void> {
    await this.options.store.delete(this.storeKey(channel, sessionKey, address));
  }

  /** The store key remembering a provider message (text channels), or none without a message id; bound to the sender too. */
  private seenKey(message: InboundMessage): string | undefined {
    return message.messageId ? `seen:${this.options.keyring.hash(`${message.channel}:${message.messageId}\u0000${message.address}`).slice(0, 40)}` : undefined;
  }

  private async handleLocked(key: string, message: InboundMessage): Promise<Reply> {
    const session = await this.options.store.get(key);
    const turn = new Turn(this.options, message, key, session?.status === 'active' ? session.secrets : undefined);

    if (message.input.type === 'text') return this.handleText(key, session, turn, message.input.text, message);

    const segments = message.input.segments;
    if (!session) {
      if (segments.length === 0) return turn.save(turn.begin(), segments);
      // `0` was the quick exit on whatever screen the person saw: it ends at once, with no offer to resume.
      if (segments[segments.length - 1].trim() === GLOBAL.exit) {
        const begun = turn.begin();
        return turn.save(await turn.feed(begun.state, [GLOBAL.exit], begun), segments);
      }
      return turn.offerResume(segments);
    }
    const pathHash = turn.hashPath(segments);
    // A retried request gets the reply it already had (the final one too, within the tombstone's minute).
    if (segments.length === session.consumed && pathHash === session.pathHash) return session.last;
    // Once a session has ended, nothing of it is shown again: not even its last screen.
    if (session.status === 'ended') return turn.localise(goodbyeScreen(), this.options.languages[0]);
    // An empty path, or a late copy of the hop before, is not a new answer: the current screen again.
    if (segments.length === 0 || pathHash === session.previousPathHash) return session.last;
    turn.previousPathHash = session.pathHash;

    // Africa's Talking resends the whole path; what follows the part already read is new.
    // A path that does not extend the known one (a provider quirk) counts its last answer only.
    const extendsKnown = segments.length > session.consumed && turn.hashPath(segments.slice(0, session.consumed)) === session.pathHash;
    const fresh = extendsKnown ? segments.slice(session.consumed) : [segments[segments.length - 1]];

    if (session.status === 'resumeOffer') {
      const [first, ...rest] = fresh;
      const choice = first.trim();
      if (!['1', '2', GLOBAL.exit, GLOBAL.home].includes(choice)) return turn.offerResume(segments, session.replay, true);
      const begun = turn.begin();
      // Resuming replays the path the server had lost; its effects are idempotent (one intake per session).
      // `0` and `00` mean here what they mean on every screen.
      const inputs = choice === '1' ? [...segments.slice(0, session.replay ?? 0), ...rest] : choice === '2' ? rest : [choice, ...rest];
      return turn.save(await turn.feed(begun.state, inputs, begun), segments);
    }
    return turn.save(await turn.feed(session.flow!, fresh), segments);
  }

  /**
   * One message of a text channel (SMS, Telegram). A retried provider message gets the
   * reply it already had; keywords work at any point; a conversation idle longer than
   * the channel's TTL is gone, and the next message starts afresh at the welcome.
   */
  private async handleText(key: string, session: Session | undefined, turn: Turn, text: string, message: InboundMessage): Promise<Reply> {
    const { store } = this.options;
    const seenKey = this.seenKey(message);
    if (seenKey) {
      const seen = await store.get(seenKey);
      // A retry gets the reply already made; if that reply never reached the provider, it is sent now.
      if (seen) return seen.undelivered ? { ...seen.last, resend: true } : { ...seen.last, repeated: true };
    }
    const reply = await this.stepText(key, session, turn, text);
    if (seenKey) await store.set(seenKey, { status: 'ended', consumed: 0, pathHash: '', last: reply }, SEEN_TTL_MS);
    return reply;
  }

  private async stepText(key: string, session: Session | undefined, turn: Turn, text: string): Promise<Reply> {
    const active = session?.status === 'active' && session.flow ? session : undefined;
    const keyword = this.keywords.match(text);
    if (keyword?.action === 'stop') {
      await this.options.store.delete(key);
      return { ...turn.localise(goodbyeScreen(), active?.flow?.lang ?? keyword.lang), quickExit: true };
    }
    turn.conversation = active?.conversation ?? (this.options.randomId ?? (() => crypto.randomUUID()))();
    if (!active) turn.notice = this.options.notices?.[turn.channel];
    // A keyword starts the way again: a number typed earlier in this conversation is dropped.
    if (keyword) turn.dropSecrets();
    if (keyword?.action === 'help') {
      const begun = turn.begin(active?.flow?.lang ?? keyword.lang);
      return turn.save(await turn.feed(begun.state, [GLOBAL.home], begun), []);
    }
    if (keyword?.action === 'language') return turn.save(turn.begin(active?.flow?.lang ?? keyword.lang), []);
    if (keyword?.action === 'cancel') {
      const begun = turn.begin(active?.flow?.lang ?? keyword.lang);
      const home = await turn.feed(begun.state, [GLOBAL.home], begun);
      const asked = turn.jump(home.state, this.options.cancelNode ?? 'cancel.code');
      return turn.save(keyword.rest ? await turn.feed(asked.state, [keyword.rest], asked) : asked, []);
    }
    if (!active) return turn.save(turn.begin(), []);
    return turn.save(await turn.feed(active.flow!, [text]), []);
  }
}

/** One request's work on one conversation. */
class Turn {
  private readonly ctx: StepContext;
  private ended = false;
  /** This session's request exists already: the turn ends on the neutral goodbye. */
  private gone = false;
  /** The person chose the quick exit (`0`) during this turn. */
  private exited = false;
  /** Text channels: the conversation this turn belongs to. */
  conversation?: string;
  /** Shown with this turn's reply (the first of a conversation). */
  notice?: Text;
  /** USSD: the keyed hash of the path before this hop, kept to recognise a late copy of it. */
  previousPathHash?: string;

  constructor(
    private readonly options: GatewayOptions,
    private readonly message: InboundMessage,
    private readonly key: string,
    /** Sealed keypad input carried over from earlier steps. */
    private secrets: Record<string, Sealed> | undefined,
  ) {
    const renderer = options.renderers[message.channel];
    if (!renderer) throw new Error(`no renderer for channel ${message.channel}`);
    const { clock, data, params, validate } = options;
    this.ctx = {
      now: clock().getTime(),
      data,
      params,
      validate,
      capabilities: message.capabilities,
      fits: (screen, lang) => renderer.fits(this.localise(screen, lang)),
    };
  }

  get channel(): ChannelId {
    return this.message.channel;
  }

  dropSecrets(): void {
    this.secrets = undefined;
  }

  /** A new conversation at the welcome screen. */
  begin(lang = this.options.languages[0]): StepResult {
    return start(this.options.flow, this.ctx, lang);
  }

  /** Moves to a named node (a keyword's destination). */
  jump(state: FlowState, node: string): StepResult {
    return jump(this.options.flow, state, node, this.ctx);
  }

  /** Feeds inputs one by one, performing effects, until they are used up or the session ends. */
  async feed(state: FlowState, inputs: string[], initial?: StepResult): Promise<StepResult> {
    let result: StepResult = initial ?? { state, screen: null, effects: [] };
    for (const text of inputs) {
      if (this.ended) break;
      result = await this.settle(step(this.options.flow, result.state, { type: 'input', text }, this.ctx));
    }
    return result;
  }

  /** Applies a step's effects; an `await` effect is performed and its result fed back to the engine. */
  private async settle(first: StepResult): Promise<StepResult> {
    let result = first;
    for (;;) {
      if (this.gone) {
        // The session had already made its request (a replayed path): nothing of it is shown again.
        this.ended = true;
        return { state: result.state, screen: goodbyeScreen(), effects: [{ type: 'end', await: false, reason: 'done' }] };
      }
      for (const effect of result.effects) {
        if (effect.type === 'holdSecret') {
          this.secrets = { ...this.secrets, [effect.name]: this.options.keyring.seal(effect.value, this.key) };
        } else if (effect.type === 'end') {
          this.ended = true;
          if (effect.reason === 'exit') this.exited = true;
        }
      }
      const pending = result.effects.find((effect) => effect.await);
      if (!pending) return result;
      result = step(this.options.flow, result.state, await this.perform(pending, result.state), this.ctx);
    }
  }

  /** Performs an `await` effect and answers with the engine's result event. */
  private async perform(effect: Effect, state: FlowState): Promise<EngineEvent> {
    const { keyring, intakes, logger } = this.options;
    const { message } = this;
    const requesterHash = keyring.hash(message.address);
    try {
      if (effect.type === 'createIntake') {
        const params = CreateParams.parse(effect.params);
        const held = this.secrets?.altNumber;
        const knowsNumber = message.capabilities.knowsNumber;
        // A sender whose number is not known (Telegram, a WhatsApp user id) is only ever called back on a number they gave.
        const contact = params.contact === 'alternate' ? (held ? keyring.unseal(held, this.key) : null) : knowsNumber ? message.address : null;
        if (!contact) return { type: 'result', outcome: 'error' };
        // The open-request limit (the requester's and the callback number's) is kept by the
        // database: one transaction per request, serialised per number there, on any instance.
        const result = await intakes.createIntake({
          channel: message.channel,
          sessionHash: keyring.hash(this.conversation ? `${this.key}:${this.conversation}` : this.key),
          requesterHash,
          contact,
          subject: params.subject,
          topic: params.need ?? null,
          language: params.callLang,
          callerGender: params.gender,
          timeWindow: params.window,
          cover: params.cover,
        });
        this.secrets = undefined;
        if (result.outcome === 'limit') {
          logger.info({ channel: message.channel, who: requesterHash.slice(0, 12) }, 'callback request refused: open-request limit');
          return { type: 'result', outcome: 'limit' };
        }
        if (result.outcome === 'exists') {
          // A retry sees the tombstone's reply before it gets here; this is a replay after it
          // expired (or a forged session): the code, the choices, even that it existed stay unsaid.
          this.gone = true;
          return { type: 'result', outcome: 'error' };
        }
        logger.info({ channel: message.channel, intake: result.intakeId, lang: state.lang }, 'intake created');
        const format = this.options.formatReference ?? ((code: string) => code);
        return { type: 'result', outcome: 'ok', values: { reference: format(result.reference) } };
      }
      if (effect.type === 'cancelIntake') {
        const reference = String(effect.params.code ?? '');
        const outcome = await this.options.cancelGuard.attempt(message.address, (ownRequestOnly) =>
          intakes.cancelIntake({ reference, ...(ownRequestOnly ? { requesterHash } : {}) }),
        );
        if (outcome === 'ok') logger.info({ channel: message.channel }, 'intake cancelled by requester');
        // The code typed is not kept once it has been tried.
        return { type: 'result', outcome, values: { code: '' } };
      }
      if (effect.type === 'recordFeedback') {
        const params = FeedbackParams.parse(effect.params);
        const answers = Object.entries(params).flatMap(([question, answer]) => (answer ? [{ question, answer } as FeedbackAnswer] : []));
        // Counted under the week and the channel, nothing else: no session, address or time is passed on.
        if (answers.length > 0) await this.options.feedback.recordFeedback({ channel: message.channel, answers });
        // Only the event: not the answers, the channel or anything that would tie them to this conversation.
        logger.info('feedback recorded');
        // The answers leave the conversation's state once counted.
        return { type: 'result', outcome: 'ok', values: Object.fromEntries(FEEDBACK_QUESTIONS.map((q) => [q, ''])) };
      }
    } catch (err) {
      logger.error({ err, effect: effect.type }, 'effect failed');
    }
    return { type: 'result', outcome: 'error' };
  }

  /** Stores the new state (or a short-lived tombstone when the session ended) and returns the reply. */
  async save(result: StepResult, segments: string[]): Promise<Reply> {
    const reply = this.localise(result.screen ?? goodbyeScreen(), result.state.lang);
    if (this.exited) reply.quickExit = true;
    const base = { consumed: segments.length, pathHash: this.hashPath(segments), last: reply };
    if (this.ended || reply.end) {
      // Only the last reply is kept, for a retried final request; nothing of the conversation.
      await this.options.store.set(this.key, { status: 'ended', ...base }, ENDED_TTL_MS);
    } else {
      const ttl = this.options.sessionTtls?.[this.message.channel] ?? this.options.sessionTtlMs;
      const extra = {
        ...(this.secrets ? { secrets: this.secrets } : {}),
        ...(this.conversation ? { conversation: this.conversation } : {}),
        ...(this.previousPathHash ? { previousPathHash: this.previousPathHash } : {}),
      };
      await this.options.store.set(this.key, { status: 'active', flow: result.state, ...base, ...extra }, ttl);
    }
    return reply;
  }

  /** The server no longer knows this USSD session: offer to resume (replay the path) or start over. */
  async offerResume(segments: string[], replay = segments.length, invalid = false): Promise<Reply> {
    const screen = resumeScreen(invalid);
    const reply = this.localise(screen, this.options.languages[0]);
    const previous = this.previousPathHash ? { previousPathHash: this.previousPathHash } : {};
    await this.options.store.set(this.key, { status: 'resumeOffer', consumed: segments.length, pathHash: this.hashPath(segments), replay, last: reply, ...previous }, this.options.sessionTtlMs);
    return reply;
  }

  /**
   * Keyed hash of a USSD input path, so the path itself is never kept. Keyed, because a
   * path holds whatever was typed (a safer number): a plain hash of it could be reversed
   * by trying every number.
   */
  hashPath(segments: string[]): string {
    return this.options.keyring.hash(`ussd-path\u0000${segments.join('*')}`).slice(0, 32);
  }

  localise(screen: Screen, lang: string): Reply {
    const reply = localiseScreen(this.options.localizer, screen, lang, { labels: this.message.capabilities.buttons });
    if (this.notice) reply.notice = this.options.localizer.t(this.notice, lang);
    return reply;
  }
}
