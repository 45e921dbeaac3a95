import express, { type Router } from 'express';
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Keyring } from '../../crypto/keyring';
import type { InboundMessage, Reply } from '../../messaging/types';
import type { DeliveryStatus } from '../../outbox/deliveryStats';
import { formWebhook, type Verify } from '../webhook';

/** A Twilio sid: its two-letter prefix and 32 hex digits. The message names the field, never its value. */
export const TwilioSid = (prefix: string, field: string) => z.string({ error: `${field} is required` }).regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `${field} must be a Twilio ${prefix} sid`);

/** Twilio's message status callback (the `action` of our `<Message>`), SMS and WhatsApp alike. */
export const TwilioStatusForm = z.object({
  MessageSid: TwilioSid('(?:SM|MM)', 'MessageSid'),
  MessageStatus: z.string({ error: 'MessageStatus is required' }).regex(/^[a-z_]{2,32}$/, 'MessageStatus is not a status'),
  ErrorCode: z
    .string()
    .regex(/^[0-9]{0,6}$/, 'ErrorCode must be a number')
    .optional(),
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

/**
 * The auth token Twilio signs with: the real one, or in development a token derived from
 * HASH_KEY that the simulator signs with. Production without TWILIO_AUTH_TOKEN has none:
 * its Twilio routes are not served. SMS and WhatsApp share it (one Twilio account).
 */
export function twilioAuthToken(config: Config, keyring: Keyring): string | undefined {
  return config.TWILIO_AUTH_TOKEN ?? (config.NODE_ENV === 'production' ? undefined : keyring.hash('twilio-development-auth-token'));
}

export interface TwilioSignatureOptions {
  authToken: string;
  /** The public origin Twilio calls; signatures are computed over it and the path. */
  publicBaseUrl?: string;
  /** Development only: without a public origin, check signatures against the request's own host. */
  trustHostHeader: boolean;
}

/** `X-Twilio-Signature`, checked with the twilio SDK before the form is parsed: missing → 400, wrong → 403. */
export function twilioSignature(options: TwilioSignatureOptions): Verify {
  return (req, res) => {
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
}

export interface TwilioMessageRouteOptions<F> extends TwilioSignatureOptions {
  /** The webhook's path: the status callback is `<path>/status`. */
  path: string;
  /** The incoming-message form of this Twilio channel. */
  schema: z.ZodType<F>;
  toMessage(form: F): InboundMessage;
  /** The gateway's step. */
  handle(message: InboundMessage): Promise<Reply>;
  /** Lays the reply out as the body of the `<Message>` (and logs what it costs, never the text). */
  render(reply: Reply): string;
  /** Counts one delivery report (no content, no number). */
  recordDelivery(status: DeliveryStatus): Promise<void>;
}

/**
 * A Twilio messaging webhook (SMS, WhatsApp) at `path` and its status callback at
 * `path/status`: the signature first, then the form; the reply is TwiML answering the
 * inbound message (never a message of our own initiative); a retried `MessageSid` gets
 * the same reply without running the step again (the gateway remembers it).
 */
export function twilioMessageRoute<F>(options: TwilioMessageRouteOptions<F>): Router {
  const router = express.Router();
  const verify = twilioSignature(options);
  const action = options.publicBaseUrl ? { action: `${options.publicBaseUrl.replace(/\/+$/, '')}${options.path}/status`, method: 'POST' } : {};
  router.post(
    '/',
    ...formWebhook({
      verify,
      schema: options.schema,
      handle: (form) => options.handle(options.toMessage(form)),
      respond: (res, reply) => {
        const twiml = new MessagingResponse();
        twiml.message(action, options.render(reply));
        res.status(200).type('text/xml').send(twiml.toString());
      },
    }),
  );
  router.post(
    '/status',
    ...formWebhook({
      verify,
      schema: TwilioStatusForm,
      handle: async (form) => {
        const status = TWILIO_STATUS_TABLE[form.MessageStatus];
        if (status !== null) await options.recordDelivery(status ?? 'other');
      },
      respond: (res) => res.status(200).type('text/xml').send(new MessagingResponse().toString()),
    }),
  );
  return router;
}

/**
 * Development only, and only with the derived token: the simulator asks the server to
 * sign its Twilio-shaped requests for a path under `path`. A real auth token never
 * serves as a signing oracle.
 */
export function twilioSignerRoute({ config, authToken, path }: { config: Config; authToken: string; path: string }): Router {
  const router = express.Router();
  router.post('/', express.json({ limit: '16kb' }), (req, res) => {
    const { path: asked, params } = (req.body ?? {}) as { path?: unknown; params?: unknown };
    const valid = typeof asked === 'string' && asked.startsWith(path) && typeof params === 'object' && params !== null && Object.values(params).every((v) => typeof v === 'string');
    if (!valid) {
      res.status(400).json({ error: { code: 'bad_request', message: `path (under ${path}) and params (strings) are required` } });
      return;
    }
    // The same URL the route checks: the public origin, else (development) this request's host.
    const origin = config.PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
    res.json({ signature: getExpectedTwilioSignature(authToken, `${origin}${asked}`, params as Record<string, string>) });
  });
  return router;
}
