import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { DeliveryStatus } from '../../outbox/deliveryStats';
import { renderSmsReply, SMS_CAPABILITIES, type SmsRouteOptions } from '../sms/smsWebhook';
import type { InboundMessage } from '../../messaging/types';
import { answerOk, formWebhook } from '../webhook';

/**
 * Africa's Talking's incoming-message callback (application/x-www-form-urlencoded).
 * Unknown extra fields (networkCode, cost…) are ignored.
 */
export const AtSmsForm = z.object({
  from: z
    .string({ error: 'from is required' })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\+?[1-9][0-9]{5,14}$/, 'from must be an international number')),
  to: z.string({ error: 'to is required' }).trim().min(1, 'to is required').max(40, 'to is too long'),
  text: z.string().max(1600, 'text is too long').default(''),
  date: z.string({ error: 'date is required' }).trim().min(1, 'date is required').max(40, 'date is too long'),
  id: z.string({ error: 'id is required' }).trim().min(1, 'id is required').max(128, 'id is too long'),
  linkId: z.string().max(128, 'linkId is too long').optional(),
});
export type AtSmsForm = z.infer<typeof AtSmsForm>;

/** Africa's Talking's delivery report callback. */
export const AtDeliveryForm = z.object({
  id: z.string({ error: 'id is required' }).trim().min(1, 'id is required').max(128, 'id is too long'),
  status: z.string({ error: 'status is required' }).regex(/^[A-Za-z]{2,32}$/, 'status is not a status'),
  failureReason: z.string().max(64).optional(),
  retryCount: z
    .string()
    .regex(/^[0-9]{0,4}$/, 'retryCount must be a number')
    .optional(),
});

/** Africa's Talking delivery statuses → the statuses counted. */
export const AT_DELIVERY_STATUS_TABLE: Record<string, DeliveryStatus> = {
  Sent: 'sent',
  Submitted: 'sent',
  Buffered: 'queued',
  Success: 'delivered',
  Rejected: 'rejected',
  Failed: 'failed',
  AbsentSubscriber: 'undelivered',
  Expired: 'expired',
};

/** Normalises an incoming Africa's Talking SMS (one conversation per sender). */
export function toInboundMessage(form: AtSmsForm, sessionKey: (address: string) => string): InboundMessage {
  const address = `+${form.from.replace(/^\+/, '')}`;
  return { channel: 'sms_africastalking', capabilities: SMS_CAPABILITIES, sessionKey: sessionKey(address), address, input: { type: 'text', text: form.text }, messageId: form.id };
}

export interface AtSmsRouteOptions extends SmsRouteOptions {
  /** Queues the reply in the outbox (sealed) and makes the first attempt. */
  send(to: string, body: string): Promise<void>;
  /** Tells the gateway whether a reply was handed over for sending (see Gateway.markDelivery). */
  markDelivery?(message: InboundMessage, delivered: boolean): Promise<void>;
  /** Runs first: the secret, the allowed addresses, off in production without a secret (atCallbackGuard). */
  guard: RequestHandler;
}

/**
 * `POST /webhooks/africastalking/sms` (replies go out through the SMS API, via the
 * outbox) and `POST /webhooks/africastalking/sms/delivery` (delivery reports, counted
 * only). A retried message id is not answered twice.
 */
export function atSmsRoute(options: AtSmsRouteOptions): Router {
  const router = express.Router();
  /** Replies go out through the outbox, not in the answer: the step, then the hand-over. */
  const converse = async (form: AtSmsForm) => {
    const message = toInboundMessage(form, options.sessionKey);
    const reply = await options.handle(message);
    if (reply.repeated) return;
    try {
      await options.send(message.address, renderSmsReply(options, 'sms_africastalking', reply));
    } catch (err) {
      // Not handed over: Africa's Talking's retry of this message will send it.
      await options.markDelivery?.(message, false);
      throw err;
    }
    if (reply.resend) await options.markDelivery?.(message, true);
  };
  router.post('/', ...formWebhook({ guard: options.guard, schema: AtSmsForm, handle: converse, respond: answerOk }));
  router.post(
    '/delivery',
    ...formWebhook({ guard: options.guard, schema: AtDeliveryForm, handle: (form) => options.recordDelivery(AT_DELIVERY_STATUS_TABLE[form.status] ?? 'other'), respond: answerOk }),
  );
  return router;
}
