import express, { type Request, type Router } from 'express';
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { z } from 'zod';
import type { DeliveryStatus } from '../../outbox/deliveryStats';
import { renderSmsReply, SMS_CAPABILITIES, type SmsRouteOptions } from '../sms/smsWebhook';
import type { InboundMessage } from '../../messaging/types';
import { badRequest } from '../webhook';
import { formBody, WEBHOOK_BODY_LIMIT } from '../formBody';

export const TWILIO_SMS_PATH = '/webhooks/twilio/sms';
export const TWILIO_STATUS_PATH = '/webhooks/twilio/sms/status';

const Sid = (prefix: string, field: string) =>
  z.string({ error: `${field} is required` }).regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `${field} must be a Twilio ${prefix} sid`);

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
  MessageSid: Sid('(?:SM|MM)', 'MessageSid'),
  AccountSid: Sid('AC', 'AccountSid'),
  From: Phone('From'),
  To: z.string({ error: 'To is required' }).min(1, 'To is required').max(40, 'To is too long'),
  Body: z.string().max(1600, 'Body is too long').default(''),
});
export type TwilioSmsForm = z.infer<typeof TwilioSmsForm>;

/** Twilio's message status callback (the `action` of our `<Message>`). */
export const TwilioStatusForm = z.object({
  MessageSid: Sid('(?:SM|MM)', 'MessageSid'),
  MessageStatus: z.string({ error: 'MessageStatus is required' }).regex(/^[a-z_]{2,32}$/, 'MessageStatus is not a status'),
  ErrorCode: z.string().regex(/^[0-9]{0,6}$/, 'ErrorCode must be a number').optional(),
});

/** Twilio message statuses → the statuses counted; `null`: not about an outbound message. */
export const TWILIO_STATUS_TABLE: Record<string, DeliveryStatus | null> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  partially_delivered: 'undelivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  receiving: null,
  received: null,
};

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

export interface TwilioSmsRouteOptions extends SmsRouteOptions {
  authToken: string;
  /** The public origin Twilio calls; signatures are computed over it and the path. */
  publicBaseUrl?: string;
  /** Development only: without a public origin, check signatures against the request's own host. */
  trustHostHeader: boolean;
}

/**
 * `POST /webhooks/twilio/sms` (and `/status`): `X-Twilio-Signature` is checked with the
 * twilio SDK before anything else (missing → 400, wrong → 403); the reply is TwiML; a
 * retried `MessageSid` gets the same reply without running the step again.
 */
export function twilioSmsRoute(options: TwilioSmsRouteOptions): Router {
  const router = express.Router();
  const form = formBody(WEBHOOK_BODY_LIMIT);

  const verified = (req: Request, res: express.Response): boolean => {
    const signature = req.header('x-twilio-signature');
    if (!signature) {
      res.status(400).type('text/plain').send('bad request: X-Twilio-Signature is required');
      return false;
    }
    const origin = options.publicBaseUrl?.replace(/\/+$/, '') ?? (options.trustHostHeader ? `${req.protocol}://${req.get('host')}` : undefined);
    const params = typeof req.body === 'object' && req.body ? (req.body as Record<string, unknown>) : {};
    if (!origin || !validateRequest(options.authToken, signature, `${origin}${req.originalUrl}`, params)) {
      res.status(403).type('text/plain').send('forbidden: wrong X-Twilio-Signature');
      return false;
    }
    return true;
  };
  router.post('/', form, async (req, res, next) => {
    try {
      if (!verified(req, res)) return;
      const parsed = TwilioSmsForm.safeParse(req.body ?? {});
      if (!parsed.success) return void badRequest(res, parsed.error);
      const reply = await options.handle(toInboundMessage(parsed.data, options.sessionKey));
      const twiml = new MessagingResponse();
      const attributes = options.publicBaseUrl ? { action: `${options.publicBaseUrl.replace(/\/+$/, '')}${TWILIO_STATUS_PATH}`, method: 'POST' } : {};
      twiml.message(attributes, renderSmsReply(options, 'sms_twilio', reply));
      res.status(200).type('text/xml').send(twiml.toString());
    } catch (err) {
      next(err);
    }
  });

  router.post('/status', form, async (req, res, next) => {
    try {
      if (!verified(req, res)) return;
      const parsed = TwilioStatusForm.safeParse(req.body ?? {});
      if (!parsed.success) return void badRequest(res, parsed.error);
      const status = TWILIO_STATUS_TABLE[parsed.data.MessageStatus];
      if (status !== null) await options.recordDelivery(status ?? 'other');
      res.status(200).type('text/xml').send(new MessagingResponse().toString());
    } catch (err) {
      next(err);
    }
  });
  return router;
}
