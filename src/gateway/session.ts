import type { Sealed } from '../crypto/keyring';
import type { FlowState } from '../flows/engine';
import type { Reply } from '../messaging/types';

/** What every stored conversation keeps, whatever its status: enough to answer a retried request. */
interface SessionBase {
  /** How many USSD path segments have been read, and a keyed hash of them (retry and resume detection). */
  consumed: number;
  pathHash: string;
  /** The last reply, re-sent as is to a retried request. */
  last: Reply;
}

/** A conversation under way: its position in the flow and the choices made, never raw text. */
export interface ActiveSession extends SessionBase {
  status: 'active';
  flow: FlowState;
  /** The keyed hash of the path one hop earlier: a late copy of that hop is not a new answer. */
  previousPathHash?: string;
  /** Sensitive keypad input (a safer number), sealed with the session key as associated data. */
  secrets?: Record<string, Sealed>;
  /**
   * Text channels: a random id per conversation. One sender has many conversations
   * over time, and intake idempotency is per conversation, not per sender.
   */
  conversation?: string;
}

/** A USSD session the server had lost: the person is asked whether to resume it. */
export interface ResumeOfferSession extends SessionBase {
  status: 'resumeOffer';
  /** Segments to replay if the person chooses to resume. */
  replay: number;
  previousPathHash?: string;
}

/** A tombstone: only the last reply, for a retried final request; nothing of the conversation. */
export interface EndedSession extends SessionBase {
  status: 'ended';
}

/**
 * What the gateway keeps between two requests, by status: each status carries only what
 * it needs, so an ended session cannot hold a flow position or a sealed number.
 */
export type Session = ActiveSession | ResumeOfferSession | EndedSession;

/**
 * A provider message already answered (text channels), kept with its reply so that a
 * retried webhook gets the same reply instead of a second step.
 */
export interface SeenRecord {
  last: Reply;
  /** The reply was not handed over for sending: a retry sends it now. */
  undelivered?: boolean;
}

/**
 * Everything the gateway's store holds. Conversations and seen records live under
 * disjoint keys (a conversation's store key, `seen:…`), so a key says which it is.
 */
export type GatewayRecord = Session | SeenRecord;
