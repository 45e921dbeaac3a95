import crypto from 'node:crypto';
import type { ChannelId, InboundMessage, Reply } from '../messaging/types';
import { GLOBAL, type StepResult, type Text } from '../flows/engine';
import type { Lock } from '../store/lock';
import type { SessionStore } from '../store/sessionStore';
import { Keywords } from './keywords';
import { goodbyeScreen, resumeScreen } from './localiseScreen';
import type { ActiveSession, GatewayRecord, SeenRecord, Session } from './session';
import { readTextMessage, replyToRetry, seenKey, SEEN_TTL_MS } from './textRules';
import { Turn, type TurnOptions } from './turn';
import { readUssdHop, type UssdHop } from './ussdHop';

// The types a caller needs to build a Gateway (its services, what its store holds), from one import.
export type { FeedbackService, IntakeService } from './effects';
export type { GatewayRecord, SeenRecord, Session } from './session';

/** Everything a gateway is given at start (built once in server.ts): it builds nothing of its own. */
export interface GatewayOptions extends TurnOptions {
  /** Conversations and seen provider messages (see GatewayRecord). */
  store: SessionStore<GatewayRecord>;
  /** One request at a time per conversation (across instances with Redis). */
  lock: Lock;
  sessionTtlMs: number;
  /** Idle time after which a conversation is forgotten, per channel (SMS and Telegram: 30 minutes by default). */
  sessionTtls?: Partial<Record<ChannelId, number>>;
  /** A notice shown once, with the first reply of each conversation, per channel (SMS: messages stay on the phone). */
  notices?: Partial<Record<ChannelId, Text>>;
  /** Where `ANNULER <code>` leads: the node asking for a reference code. */
  cancelNode?: string;
  /** Random conversation ids (injected for deterministic tests). */
  randomId?: () => string;
}

/** How long an ended session's tombstone answers a retried final request. */
const ENDED_TTL_MS = 60_000;

/**
 * The one place where a conversation step performs I/O: it locks the conversation, loads
 * its session, has the request read (a USSD hop, a text message), runs it through a
 * `Turn` (the engine and its effects) and saves the new state.
 */
export class Gateway {
  private readonly keywords: Keywords;
  // Two kinds of record share the store under disjoint keys (a conversation's key, `seen:…`): each view reads its own.
  private readonly sessions: SessionStore<Session>;
  private readonly seen: SessionStore<SeenRecord>;

  constructor(private readonly options: GatewayOptions) {
    this.keywords = new Keywords(options.localizer, options.languages);
    this.sessions = options.store as SessionStore<Session>;
    this.seen = options.store as SessionStore<SeenRecord>;
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
    const key = seenKey(this.options.keyring, message);
    if (!key) return;
    const seen = await this.seen.get(key);
    if (seen) await this.seen.set(key, { ...seen, undelivered: !delivered }, SEEN_TTL_MS);
  }

  /** Forgets a conversation at once (quick exit from outside the flow: STOP, /exit). */
  async forget(channel: ChannelId, sessionKey: string, address: string): Promise<void> {
    await this.sessions.delete(this.storeKey(channel, sessionKey, address));
  }

  private async handleLocked(key: string, message: InboundMessage): Promise<Reply> {
    const session = await this.sessions.get(key);
    const turn = new Turn(this.options, message, key, session?.status === 'active' ? session.secrets : undefined);
    if (message.input.type === 'text') return this.handleText(key, session, turn, message.input.text, message);
    const segments = message.input.segments;
    return this.stepUssd(
      key,
      turn,
      readUssdHop(session, segments, (path) => this.hashPath(path)),
      segments,
    );
  }

  /** Does what a USSD hop asks for (see readUssdHop). */
  private async stepUssd(key: string, turn: Turn, hop: UssdHop, segments: string[]): Promise<Reply> {
    switch (hop.kind) {
      case 'retry':
      case 'lateCopy':
        return hop.reply;
      case 'ended':
        return turn.localise(goodbyeScreen(), this.options.languages[0]);
      case 'resumeOffer':
        return this.offerResume(key, turn, segments, hop.replay, hop.invalid, hop.previousPathHash);
      case 'answers': {
        if (hop.from !== 'welcome') return this.save(key, turn, await turn.feed(hop.from, hop.inputs), segments, hop.previousPathHash);
        const begun = turn.begin();
        return this.save(key, turn, await turn.feed(begun.state, hop.inputs, begun), segments, hop.previousPathHash);
      }
    }
  }

  /**
   * One message of a text channel (SMS, Telegram, WhatsApp). A retried provider message
   * gets the reply it already had; keywords work at any point; a conversation idle longer
   * than the channel's TTL is gone, and the next message starts afresh at the welcome.
   */
  private async handleText(key: string, session: Session | undefined, turn: Turn, text: string, message: InboundMessage): Promise<Reply> {
    const messageKey = seenKey(this.options.keyring, message);
    if (messageKey) {
      const seen = await this.seen.get(messageKey);
      if (seen) return replyToRetry(seen);
    }
    const reply = await this.stepText(key, session?.status === 'active' ? session : undefined, turn, text);
    if (messageKey) await this.seen.set(messageKey, { last: reply }, SEEN_TTL_MS);
    return reply;
  }

  /** Does what a text message asks for (see readTextMessage). */
  private async stepText(key: string, active: ActiveSession | undefined, turn: Turn, text: string): Promise<Reply> {
    const keyword = this.keywords.match(text);
    const request = readTextMessage(text, keyword, active);
    if (request.kind === 'stop') {
      await this.sessions.delete(key);
      return { ...turn.localise(goodbyeScreen(), request.lang), quickExit: true };
    }
    turn.conversation = active?.conversation ?? (this.options.randomId ?? (() => crypto.randomUUID()))();
    if (!active) turn.notice = this.options.notices?.[turn.channel];
    // A keyword starts the way again: a number typed earlier in this conversation is dropped.
    if (keyword) turn.dropSecrets();
    const save = (result: StepResult) => this.save(key, turn, result, []);
    switch (request.kind) {
      case 'help': {
        const begun = turn.begin(request.lang);
        return save(await turn.feed(begun.state, [GLOBAL.home], begun));
      }
      case 'language':
        return save(turn.begin(request.lang));
      case 'cancel': {
        const begun = turn.begin(request.lang);
        const home = await turn.feed(begun.state, [GLOBAL.home], begun);
        const asked = turn.jump(home.state, this.options.cancelNode ?? 'cancel.code');
        return save(request.code ? await turn.feed(asked.state, [request.code], asked) : asked);
      }
      case 'welcome':
        return save(turn.begin());
      case 'answer':
        return save(await turn.feed(request.state, [request.text]));
    }
  }

  /** Stores the new state (or a short-lived tombstone when the session ended) and returns the reply. */
  private async save(key: string, turn: Turn, result: StepResult, segments: string[], previousPathHash?: string): Promise<Reply> {
    const reply = turn.localise(result.screen ?? goodbyeScreen(), result.state.lang);
    if (turn.exited) reply.quickExit = true;
    const base = { consumed: segments.length, pathHash: this.hashPath(segments), last: reply };
    if (turn.ended || reply.end) {
      // Only the last reply is kept, for a retried final request; nothing of the conversation.
      await this.sessions.set(key, { status: 'ended', ...base }, ENDED_TTL_MS);
    } else {
      const ttl = this.options.sessionTtls?.[turn.channel] ?? this.options.sessionTtlMs;
      const extra = {
        ...(turn.secrets ? { secrets: turn.secrets } : {}),
        ...(turn.conversation ? { conversation: turn.conversation } : {}),
        ...(previousPathHash ? { previousPathHash } : {}),
      };
      await this.sessions.set(key, { status: 'active', flow: result.state, ...base, ...extra }, ttl);
    }
    return reply;
  }

  /** The server no longer knows this USSD session: offer to resume (replay the path) or start over. */
  private async offerResume(key: string, turn: Turn, segments: string[], replay: number, invalid: boolean, previousPathHash?: string): Promise<Reply> {
    const reply = turn.localise(resumeScreen(invalid), this.options.languages[0]);
    const previous = previousPathHash ? { previousPathHash } : {};
    await this.sessions.set(key, { status: 'resumeOffer', consumed: segments.length, pathHash: this.hashPath(segments), replay, last: reply, ...previous }, this.options.sessionTtlMs);
    return reply;
  }

  /**
   * Keyed hash of a USSD input path, so the path itself is never kept. Keyed, because a
   * path holds whatever was typed (a safer number): a plain hash of it could be reversed
   * by trying every number.
   */
  private hashPath(segments: string[]): string {
    return this.options.keyring.hash(`ussd-path\u0000${segments.join('*')}`).slice(0, 32);
  }
}
