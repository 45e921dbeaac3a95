/**
 * The contract between the channels and the gateway, below both: what every channel
 * adapter produces (an `InboundMessage`) and lays out (a `Reply`). Adapters only
 * verify, parse and normalise; the gateway never imports a channel.
 */

/**
 * A channel's id, as its provider's descriptor declares it (`ussd`, `sms_twilio`, `whatsapp`…)
 * and as stored on intakes and shown in statistics. The registry of providers is the list
 * of ids; the gateway takes whatever id a message carries.
 */
export type ChannelId = string;

/** What a medium can do; flows branch on it (`branch` nodes) and the gateway lays replies out by it. */
export interface ChannelCapabilities {
  /** The sender's address is a number that can be called back ("call me on this number"). */
  knowsNumber: boolean;
  /** Messages stay on the phone (an inbox, a chat): the person is told how to remove them. */
  leavesMessages: boolean;
  /** The channel draws its own buttons (quick exit, share my number), which need words. */
  buttons: boolean;
}

/** Input of one conversation step, normalised by a channel adapter. */
export type InboundInput =
  /** USSD resends every answer of the session joined by `*`; the gateway works out what is new. */
  | { type: 'path'; segments: string[] }
  /** One message (SMS, Telegram, WhatsApp). */
  | { type: 'text'; text: string };

export interface InboundMessage {
  channel: ChannelId;
  /**
   * What this message's channel can do, as the adapter knows it for this sender: usually
   * its channel's capabilities, but a WhatsApp message from a user id (no phone number)
   * does not know a number to call back.
   */
  capabilities: ChannelCapabilities;
  /** Identifies the conversation within the channel (a provider session id, a chat). */
  sessionKey: string;
  /**
   * The sender's normalised address (E.164 phone number; where the number is not known,
   * the channel's prefix and a keyed hash of the provider's user id, such as `telegram:…`).
   * Held only for the time of the request: it is sealed if the person asks for a callback,
   * hashed for lookups, and never stored or logged in clear.
   */
  address: string;
  input: InboundInput;
  /**
   * The provider's id of this message (Twilio `MessageSid`, Africa's Talking `id`),
   * so that a retried webhook is answered without running the step again.
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
  /** A one-time notice shown with the first reply of a conversation that leaves messages (SMS, WhatsApp). */
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
