/**
 * What every channel adapter produces and consumes. Adapters only verify, parse
 * and normalise; they never import flows or caseLink.
 */

/** Channel identifiers, as stored on intakes and shown in statistics. */
export type ChannelId = 'ussd' | 'sms_twilio' | 'sms_africastalking' | 'telegram';

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
   * The sender's normalised address (E.164 phone number). Held only for the time of
   * the request: it is sealed if the person asks for a callback, hashed for lookups,
   * and never stored or logged in clear.
   */
  address: string;
  input: InboundInput;
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
}

/** How a channel lays out a reply, and whether it fits the medium. */
export interface ChannelRenderer {
  render(reply: Reply): string;
  fits(reply: Reply): boolean;
}
