import type { Logger } from 'pino';
import type { DeliveryStatus } from '../../outbox/deliveryStats';
import type { Keyring } from '../../crypto/keyring';
import type { ChannelCapabilities, ChannelId, ChannelRenderer, InboundMessage, Reply } from '../../messaging/types';
import { smsCost } from './smsRenderer';

/** SMS knows the sender's number, and its messages stay on the phone. */
export const SMS_CAPABILITIES: ChannelCapabilities = { knowsNumber: true, leavesMessages: true, buttons: false };

/** What the Twilio and Africa's Talking SMS routes both need. */
export interface SmsRouteOptions {
  /** The gateway's step. */
  handle(message: InboundMessage): Promise<Reply>;
  renderer: ChannelRenderer;
  /** A keyed hash of the sender, so the raw number never keys a session. */
  sessionKey(address: string): string;
  /** Counts one delivery report (no content, no number). */
  recordDelivery(status: DeliveryStatus): Promise<void>;
  logger: Logger;
}

/** One SMS conversation per sender, keyed by a keyed hash of the number (Twilio and Africa's Talking alike). */
export function smsSessionKey(keyring: Keyring): (address: string) => string {
  return (address) => keyring.hash(`sms-session:${address}`).slice(0, 40);
}

/** Lays a reply out as SMS text and logs what it costs: the segment count and encoding, never the text. */
export function renderSmsReply({ renderer, logger }: Pick<SmsRouteOptions, 'renderer' | 'logger'>, channel: ChannelId, reply: Reply): string {
  const text = renderer.render(reply);
  const cost = smsCost(text);
  logger.info({ channel, segments: cost.segments, encoding: cost.encoding }, 'sms reply');
  return text;
}
