import type { Logger } from 'pino';
import { z } from 'zod';
import type { CancelIntakeOptions } from '../caseLink/cancelIntake';
import type { CreateIntakeOptions, CreateIntakeResult } from '../caseLink/createIntake';
import { FEEDBACK_ANSWERS, FEEDBACK_QUESTIONS, type FeedbackAnswer, type RecordFeedbackOptions } from '../caseLink/recordFeedback';
import type { Keyring, Sealed } from '../crypto/keyring';
import type { Effect, EngineEvent, FlowState } from '../flows/engine';
import type { InboundMessage } from '../messaging/types';
import type { CancelGuard } from './cancelGuard';

/** The operations the gateway asks of caseLink. */
export interface IntakeService {
  createIntake(options: CreateIntakeOptions): Promise<CreateIntakeResult>;
  cancelIntake(options: CancelIntakeOptions): Promise<'ok' | 'notFound'>;
}

/** The operation the gateway asks of caseLink for the feedback questions. */
export interface FeedbackService {
  recordFeedback(options: RecordFeedbackOptions): Promise<void>;
}

/** What the effect handlers are given once, at start: the services they call. */
export interface EffectServices {
  intakes: IntakeService;
  /** Counts the answers to the feedback questions (per week and channel only). */
  feedback: FeedbackService;
  keyring: Keyring;
  logger: Logger;
  /** Shows a reference code as people read it. */
  formatReference?: (code: string) => string;
  /** Limits the guessing of reference codes (per number and service-wide, held in the database). */
  cancelGuard: CancelGuard;
}

/**
 * What an effect may read and change of the request performing it. The turn owns it; a
 * handler changes only what its effect is about.
 */
export interface EffectScope {
  readonly services: EffectServices;
  readonly message: InboundMessage;
  /** The conversation's store key: sealing's associated data, and the intake's session. */
  readonly key: string;
  /** Text channels: the conversation this request belongs to. */
  conversation?: string;
  /** Sealed keypad input held for this conversation. */
  secrets?: Record<string, Sealed>;
  /** The session ends with this step. */
  ended: boolean;
  /** The person chose the quick exit (`0`). */
  exited: boolean;
  /** This session's request exists already: the turn ends on the neutral goodbye. */
  gone: boolean;
}

type EffectOf<T extends Effect['type']> = Extract<Effect, { type: T }>;

/**
 * One handler per effect the engine can return. An `await` effect's handler answers with
 * the engine's result event; the others only change the scope. A new effect is one entry.
 */
export type EffectHandlers = {
  [T in Effect['type']]: (effect: EffectOf<T>, scope: EffectScope, state: FlowState) => EffectOf<T> extends { await: true } ? Promise<EngineEvent> : void;
};

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

/** The gateway's effects: what a conversation step may ask to be done, and how it is done. */
export const effectHandlers: EffectHandlers = {
  holdSecret(effect, scope) {
    scope.secrets = { ...scope.secrets, [effect.name]: scope.services.keyring.seal(effect.value, scope.key) };
  },

  end(effect, scope) {
    scope.ended = true;
    if (effect.reason === 'exit') scope.exited = true;
  },

  async createIntake(effect, scope, state) {
    const { keyring, intakes, logger } = scope.services;
    const { message, key, conversation } = scope;
    const requesterHash = keyring.hash(message.address);
    const params = CreateParams.parse(effect.params);
    const held = scope.secrets?.altNumber;
    const knowsNumber = message.capabilities.knowsNumber;
    // A sender whose number is not known (Telegram, a WhatsApp user id) is only ever called back on a number they gave.
    const contact = params.contact === 'alternate' ? (held ? keyring.unseal(held, key) : null) : knowsNumber ? message.address : null;
    if (!contact) return { type: 'result', outcome: 'error' };
    // The open-request limit (the requester's and the callback number's) is kept by the
    // database: one transaction per request, serialised per number there, on any instance.
    const result = await intakes.createIntake({
      channel: message.channel,
      sessionHash: keyring.hash(conversation ? `${key}:${conversation}` : key),
      requesterHash,
      contact,
      subject: params.subject,
      topic: params.need ?? null,
      language: params.callLang,
      callerGender: params.gender,
      timeWindow: params.window,
      cover: params.cover,
    });
    scope.secrets = undefined;
    if (result.outcome === 'limit') {
      logger.info({ channel: message.channel, who: requesterHash.slice(0, 12) }, 'callback request refused: open-request limit');
      return { type: 'result', outcome: 'limit' };
    }
    if (result.outcome === 'exists') {
      // A retry sees the tombstone's reply before it gets here; this is a replay after it
      // expired (or a forged session): the code, the choices, even that it existed stay unsaid.
      scope.gone = true;
      return { type: 'result', outcome: 'error' };
    }
    logger.info({ channel: message.channel, intake: result.intakeId, lang: state.lang }, 'intake created');
    const format = scope.services.formatReference ?? ((code: string) => code);
    return { type: 'result', outcome: 'ok', values: { reference: format(result.reference) } };
  },

  async cancelIntake(effect, scope) {
    const { keyring, intakes, logger, cancelGuard } = scope.services;
    const { message } = scope;
    const requesterHash = keyring.hash(message.address);
    const reference = String(effect.params.code ?? '');
    const outcome = await cancelGuard.attempt(message.address, (ownRequestOnly) => intakes.cancelIntake({ reference, ...(ownRequestOnly ? { requesterHash } : {}) }));
    if (outcome === 'ok') logger.info({ channel: message.channel }, 'intake cancelled by requester');
    // The code typed is not kept once it has been tried.
    return { type: 'result', outcome, values: { code: '' } };
  },

  async recordFeedback(effect, scope) {
    const { feedback, logger } = scope.services;
    const params = FeedbackParams.parse(effect.params);
    const answers = Object.entries(params).flatMap(([question, answer]) => (answer ? [{ question, answer } as FeedbackAnswer] : []));
    // Counted under the week and the channel, nothing else: no session, address or time is passed on.
    if (answers.length > 0) await feedback.recordFeedback({ channel: scope.message.channel, answers });
    // Only the event: not the answers, the channel or anything that would tie them to this conversation.
    logger.info('feedback recorded');
    // The answers leave the conversation's state once counted.
    return { type: 'result', outcome: 'ok', values: Object.fromEntries(FEEDBACK_QUESTIONS.map((q) => [q, ''])) };
  },
};

/** Applies an effect that needs no answer (held input, the end of the session). */
export function applyEffect(effect: Extract<Effect, { await: false }>, scope: EffectScope, state: FlowState, handlers: EffectHandlers = effectHandlers): void {
  // TypeScript cannot pair a union's member with its own handler: the map's type guarantees it.
  (handlers[effect.type] as (effect: Effect, scope: EffectScope, state: FlowState) => void)(effect, scope, state);
}

/**
 * Performs an `await` effect and answers with the engine's result event. A failure is
 * logged by effect type only and answered `error`: the flow shows its own error screen.
 */
export async function performEffect(effect: Extract<Effect, { await: true }>, scope: EffectScope, state: FlowState, handlers: EffectHandlers = effectHandlers): Promise<EngineEvent> {
  try {
    return await (handlers[effect.type] as (effect: Effect, scope: EffectScope, state: FlowState) => Promise<EngineEvent>)(effect, scope, state);
  } catch (err) {
    scope.services.logger.error({ err, effect: effect.type }, 'effect failed');
    return { type: 'result', outcome: 'error' };
  }
}
