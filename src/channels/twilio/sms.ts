import type { Router } from 'express';
import { z } from 'zod';
import type { InboundMessage } from '../../messaging/types';
import { renderSmsReply, SMS_CAPABILITIES, type SmsRouteOptions } from '../sms/smsWebhook';
import { TwilioSid, twilioMessageRoute, type TwilioSignatureOptions } from './twilioWebhook';

export const TWILIO_SMS_PATH = '/webhooks/twilio/sms';

const Phone = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .regex(/^\+[1-9][0-9]{5,14}$/, `${field} must be an E.164 phone number`);

/**
 * Twilio's incoming-message webhook (application/x-www-form-urlencoded). Only the
 * fields used are read; the others (NumMedia, FromCity, ApiVersion…) are ignored.
 */
export const TwilioSmsForm = z.object({
  MessageSid: TwilioSid('(?:SM|MM)', 'MessageSid'),
  AccountSid: TwilioSid('AC', 'AccountSid'),
  From: Phone('From'),
  To: z.string({ error: 'To is required' }).min(1, 'To is required').max(40, 'To is too long'),
  Body: z.string().max(1600, 'Body is too long').default(''),
});
export type TwilioSmsForm = z.infer<typeof TwilioSmsForm>;

/** Normalises an incoming Twilio SMS into an inbound message (one conversation per sender). */
export function toInboundMessage(form: TwilioSmsForm, sessionKey: (address: string) => string): InboundMessage {
  return {
    channel: 'sms_twilio',
    capabilities: SMS_CAPABILITIES,
    sessionKey: sessionKey(form.From),
    address: form.From,
    input: { type: 'text', text: form.Body },
    messageId: form.MessageSid,
  };
}

export interface TwilioSmsRouteOptions extends SmsRouteOptions, TwilioSignatureOptions {}

/**
 * `POST /webhooks/twilio/sms` (and `/status`): `X-Twilio-Signature` is checked with the
 * twilio SDK before anything else (missing → 400, wrong → 403); the reply is TwiML; a
 * retried `MessageSid` gets the same reply without running the step again.
 */
export function twilioSmsRoute(options: TwilioSmsRouteOptions): Router {
  return twilioMessageRoute({
    ...options,
    path: TWILIO_SMS_PATH,
    schema: TwilioSmsForm,
    toMessage: (form) => toInboundMessage(form, options.sessionKey),
    render: (reply) => renderSmsReply(options, 'sms_twilio', reply),
  });
}
