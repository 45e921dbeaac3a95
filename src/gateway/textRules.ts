import type { Keyring } from '../crypto/keyring';
import type { FlowState } from '../flows/engine';
import type { InboundMessage, Reply } from '../messaging/types';
import type { KeywordMatch } from './keywords';
import type { ActiveSession, SeenRecord } from './session';

/** How long a provider message id is remembered, with the reply it got, for retried webhooks. */
export const SEEN_TTL_MS = 10 * 60_000;

/**
 * The store key remembering a provider message (text channels), or none without a message
 * id. Bound to the sender too: another address reusing a message id shares nothing.
 */
export function seenKey(keyring: Pick<Keyring, 'hash'>, message: InboundMessage): string | undefined {
  return message.messageId ? `seen:${keyring.hash(`${message.channel}:${message.messageId}\u0000${message.address}`).slice(0, 40)}` : undefined;
}

/** A retry gets the reply already made; if that reply never reached the provider, it is sent now. */
export function replyToRetry(seen: SeenRecord): Reply {
  return seen.undelivered ? { ...seen.last, resend: true } : { ...seen.last, repeated: true };
}

/**
 * What one text message (SMS, Telegram, WhatsApp) asks for. Keywords work at any point and
 * start the way again in the conversation's language (or the keyword's own, when none is
 * under way); any other message answers the current screen, or starts at the welcome.
 */
export type TextStep =
  /** Leave at once: the conversation is forgotten. */
  | { kind: 'stop'; lang: string }
  /** The main menu. */
  | { kind: 'help'; lang: string }
  /** The language choice (the welcome screen). */
  | { kind: 'language'; lang: string }
  /** The node asking for a reference code, with the code if the message carried one (`ANNULER 2345`). */
  | { kind: 'cancel'; lang: string; code: string }
  /** No conversation under way: the welcome screen, whatever the message said. */
  | { kind: 'welcome' }
  /** An answer to the current screen. */
  | { kind: 'answer'; state: FlowState; text: string };

/** Reads a text message against the conversation under way (if any) and the keyword it carries (if any). */
export function readTextMessage(text: string, keyword: KeywordMatch | null, active: ActiveSession | undefined): TextStep {
  if (keyword) {
    const lang = active?.flow.lang ?? keyword.lang;
    if (keyword.action === 'cancel') return { kind: 'cancel', lang, code: keyword.rest };
    return { kind: keyword.action, lang };
  }
  if (!active) return { kind: 'welcome' };
  return { kind: 'answer', state: active.flow, text };
}
