/**
 * What every channel adapter produces and consumes. Adapters only verify, parse
 * and normalise; they never import flows or caseLink.
 */

/** Channel identifiers, as stored on intakes and shown in statistics. */
export type ChannelId = 'ussd' | 'sms_twilio' | 'sms_africastalking' | 'telegram';

/** What each medium can do; flows branch on it (`branch` nodes) and the gateway applies text rules. */
export const CHANNEL_CAPABILITIES: Record<ChannelId, { knowsNumber: boolean; leavesMessages: boolean }> = {
  ussd: { knowsNumber: true, leavesMessages: false },
  sms_twilio: { knowsNumber: true, leavesMessages: true },
  sms_africastalking: { knowsNumber: true, leavesMessages: true },
  telegram: { knowsNumber: false, leavesMessages: true },
};

/** Input of one conversation step, normalised by a channel adapter. */
export type InboundInput =
  /** USSD resends every answer of the session joined by `*`; the gateway works out what is new. */
  | { type: 'path'; segments: string[] }
  /** One message (SMS, Telegram). */
  | { type: 'text'; text: string };

export interface InboundMessage {
  channel: ChannelId;
  /** Identifies the conversation within the channel (a provider session id, a chat). */
  sessionKey: string;
  /**
   * The sender's normalised address (E.164 phone number; on Telegram, where the number
   * is not known, `telegram:` and a keyed hash of the user id). Held only for the time of
   * the request: it is sealed if the person asks for a callback, hashed for lookups,
   * and never stored or logged in clear.
   */
  address: string;
  input: InboundInput;
  /**
   * The provider's id of this message (Twilio `MessageSid`, Africa's Talking `id`),
   * so that a retried webhook is answered without running the step twice.
   */
  messageId?: string;
}

/** A screen in words, ready for a channel to lay out. */
export interface Reply {
  end: boolean;
  hint?: string;
  body: string[];
  items: string[];
  options: Array<{ input: string; label: string }>;
  /** Global inputs to show (more, back, menu, exit), with their labels. */
  nav: Array<{ input: string; label: string }>;
  /** A one-time notice shown with the first reply of an SMS conversation (messages stay on the phone). */
  notice?: string;
  /** Free input this screen waits for, so a channel can offer a control (Telegram's share-number button). */
  expects?: 'phone' | 'reference';
  /** Words a channel needs for its own controls: the quick-exit and share-number buttons. */
  labels?: { exit: string; sharePhone: string };
  /** The reply already given to this provider message (a retried webhook): do not send it again. */
  repeated?: boolean;
  /** The reply to a retried message whose first reply never reached the provider: send it now. */
  resend?: boolean;
  /** The person left at once (`0`, a stop keyword in any language): a channel that can also wipes the conversation (Telegram). */
  quickExit?: boolean;
}

/** How a channel lays out a reply, and whether it fits the medium. */
export interface ChannelRenderer {
  render(reply: Reply): string;
  fits(reply: Reply): boolean;
}
