import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { ChannelCapabilities, ChannelRenderer, InboundMessage, Reply } from '../../messaging/types';
import { answerOk, formWebhook } from '../webhook';
import { clampUssd } from './ussdRenderer';

/**
 * Africa's Talking's USSD callback form. Unknown extra fields are ignored; the phone
 * number arrives in international form (`+2547...`), the text is every answer of the
 * session so far joined by `*` (empty on the first request).
 */
export const UssdForm = z.object({
  sessionId: z.string({ error: 'sessionId is required' }).trim().min(1, 'sessionId is required').max(128, 'sessionId is too long'),
  serviceCode: z.string({ error: 'serviceCode is required' }).trim().min(1, 'serviceCode is required').max(40, 'serviceCode is too long'),
  phoneNumber: z
    .string({ error: 'phoneNumber is required' })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\+?[1-9][0-9]{5,14}$/, 'phoneNumber must be an international number')),
  networkCode: z.string().max(16, 'networkCode is too long').optional(),
  text: z.string().max(2000, 'text is too long').default(''),
});
export type UssdForm = z.infer<typeof UssdForm>;

/**
 * Africa's Talking's end-of-session notification: only what identifies the session is
 * read. Its `input` (everything the person typed), `lastAppResponse` (the last screen),
 * cost, duration and status are dropped here and never reach anything.
 */
export const UssdEventForm = z.object({
  sessionId: UssdForm.shape.sessionId,
  phoneNumber: UssdForm.shape.phoneNumber,
});

export interface UssdRouteOptions {
  /** The gateway's step function. */
  handle(message: InboundMessage): Promise<Reply>;
  /** Forgets a session's state at once (the end-of-session notification). */
  forget(sessionKey: string, address: string): Promise<void>;
  /** Runs first: the secret, the allowed addresses, off in production without a secret (atCallbackGuard). */
  guard: RequestHandler;
  renderer: ChannelRenderer;
}

/** USSD knows the caller's number and leaves no message on the phone. */
export const USSD_CAPABILITIES: ChannelCapabilities = { knowsNumber: true, leavesMessages: false, buttons: false };

/** Normalises a USSD callback into an inbound message. */
export function toInboundMessage(form: UssdForm): InboundMessage {
  const digits = form.phoneNumber.replace(/^\+/, '');
  return {
    channel: 'ussd',
    capabilities: USSD_CAPABILITIES,
    sessionKey: form.sessionId,
    address: `+${digits}`,
    input: { type: 'path', segments: form.text === '' ? [] : form.text.split('*') },
  };
}

/**
 * `POST /webhooks/africastalking/ussd`: answers `CON …`/`END …` in at most 182 characters;
 * `POST …/ussd/events`: the end-of-session notification, which forgets the session at once.
 */
export function ussdRoute({ handle, forget, guard, renderer }: UssdRouteOptions): Router {
  const router = express.Router();
  router.post('/events', ...formWebhook({ guard, schema: UssdEventForm, handle: (form) => forget(form.sessionId, `+${form.phoneNumber.replace(/^\+/, '')}`), respond: answerOk }));
  router.post(
    '/',
    ...formWebhook({
      guard,
      schema: UssdForm,
      handle: (form) => handle(toInboundMessage(form)),
      respond: (res, reply) =>
        res
          .status(200)
          .type('text/plain')
          .send(clampUssd(renderer.render(reply))),
    }),
  );
  return router;
}
