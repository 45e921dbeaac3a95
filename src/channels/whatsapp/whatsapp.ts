import type { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChannelCapabilities, ChannelRenderer, InboundMessage, Reply } from '../../messaging/types';
import type { DeliveryStatus } from '../../outbox/deliveryStats';
import { TwilioSid, twilioMessageRoute, type TwilioSignatureOptions } from '../twilio/twilioWebhook';
import { WHATSAPP_BODY_MAX } from './whatsappRenderer';

export const TWILIO_WHATSAPP_PATH = '/webhooks/twilio/whatsapp';

/**
 * WhatsApp leaves its messages on the phone (a business cannot delete them there) and
 * has no buttons here (numbered menus); a sender known by phone number can be called
 * back on it.
 */
export const WHATSAPP_CAPABILITIES: ChannelCapabilities = { knowsNumber: true, leavesMessages: true, buttons: false };

/**
 * A WhatsApp address as Twilio writes it: `whatsapp:+E164`, or, since WhatsApp usernames
 * (2026), `whatsapp:` and a business-scoped user id (BSUID: a two-letter country code, a
 * dot, up to 128 letters and digits, such as `whatsapp:SN.13491208655302741918`).
 */
const WHATSAPP_ADDRESS = /^whatsapp:(?:\+[1-9][0-9]{5,14}|[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128})$/;

/**
 * Twilio's incoming-message webhook for a WhatsApp sender: the SMS fields with `From`
 * and `To` as WhatsApp addresses. Only the fields used are read: `ProfileName`, `WaId`,
 * `ExternalUserIdentifier`, the media fields and the rest are dropped here, so the
 * person's WhatsApp name and ids never go further than this schema.
 */
export const TwilioWhatsAppForm = z.object({
  MessageSid: TwilioSid('(?:SM|MM)', 'MessageSid'),
  AccountSid: TwilioSid('AC', 'AccountSid'),
  From: z.string({ error: 'From is required' }).trim().regex(WHATSAPP_ADDRESS, 'From must be whatsapp:+E164 or whatsapp:<business-scoped user id>'),
  To: z.string({ error: 'To is required' }).min(1, 'To is required').max(160, 'To is too long'),
  Body: z.string().max(WHATSAPP_BODY_MAX, 'Body is too long').default(''),
});
export type TwilioWhatsAppForm = z.infer<typeof TwilioWhatsAppForm>;

export interface WhatsAppKeys {
  /** A keyed hash of the sender's address: one conversation per sender, the address never a key in clear. */
  sessionKey(address: string): string;
  /** The address of a sender known only by a user id: a prefix and a keyed hash of the id, never the id itself. */
  userAddress(userId: string): string;
}

/**
 * Normalises an incoming WhatsApp message. A `From` phone number is the address, and
 * "call me on this number" is offered; a user id is replaced by a keyed hash at once and
 * the message says the number is not known, so the flow asks for one.
 */
export function toInboundMessage(form: TwilioWhatsAppForm, keys: WhatsAppKeys): InboundMessage {
  const sender = form.From.slice('whatsapp:'.length);
  const callable = sender.startsWith('+');
  const address = callable ? sender : keys.userAddress(sender);
  return {
    channel: 'whatsapp',
    capabilities: callable ? WHATSAPP_CAPABILITIES : { ...WHATSAPP_CAPABILITIES, knowsNumber: false },
    sessionKey: keys.sessionKey(address),
    address,
    input: { type: 'text', text: form.Body },
    messageId: form.MessageSid,
  };
}

export interface WhatsAppRouteOptions extends TwilioSignatureOptions, WhatsAppKeys {
  /** The gateway's step. */
  handle(message: InboundMessage): Promise<Reply>;
  renderer: ChannelRenderer;
  /** Counts one delivery report (no content, no number). */
  recordDelivery(status: DeliveryStatus): Promise<void>;
  logger: Logger;
}

/**
 * `POST /webhooks/twilio/whatsapp` (and `/status`): signed as Twilio SMS is (the same
 * auth token), answered with TwiML only (a reply to the person's message, never a
 * template sent of our own accord); a retried `MessageSid` is answered once.
 */
export function whatsappRoute(options: WhatsAppRouteOptions): Router {
  return twilioMessageRoute({
    ...options,
    path: TWILIO_WHATSAPP_PATH,
    schema: TwilioWhatsAppForm,
    toMessage: (form) => toInboundMessage(form, options),
    render: (reply) => {
      const text = options.renderer.render(reply);
      options.logger.info({ channel: 'whatsapp', characters: text.length }, 'whatsapp reply');
      return text;
    },
  });
}
