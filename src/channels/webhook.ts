import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { formBody, WEBHOOK_BODY_LIMIT } from './formBody';

/** Compares a secret in constant time (see src/crypto/sameSecret.ts). */
export { sameSecret } from '../crypto/sameSecret';

/** 400 naming what is wrong with a provider's form: the schema's messages name fields, never their values. */
export function badRequest(res: Response, error: z.ZodError): void {
  res
    .status(400)
    .type('text/plain')
    .send(`bad request: ${error.issues.map((i) => i.message).join('; ')}`);
}

/** Checks a request whose body has been read; when it fails it has answered (400, 403) and returns false. */
export type Verify = (req: Request, res: Response) => boolean;

export interface FormWebhookOptions<F, R> {
  /** Runs before the body is even read (Africa's Talking's secret and allowed addresses). */
  guard?: RequestHandler;
  /** Runs once the body is read and before it is parsed (Twilio's signature covers the fields). */
  verify?: Verify;
  /** The provider's form; its messages name fields, never their values. */
  schema: z.ZodType<F>;
  /** What the request does: a conversation step, a delivery report counted, a session forgotten. */
  handle(form: F): Promise<R>;
  /** Writes the provider's answer (CON/END text, TwiML, `ok`). */
  respond(res: Response, result: R): void;
}

/**
 * The skeleton of every form-encoded provider webhook, written once: guard → read the
 * form → verify → parse with zod (400 naming the fields) → handle → respond. Nothing of
 * the request is looked at before the guard and the check pass; an error goes to the
 * app's error handler (a 5xx without internals).
 */
export function formWebhook<F, R>(options: FormWebhookOptions<F, R>): RequestHandler[] {
  const step: RequestHandler = async (req, res, next) => {
    try {
      if (options.verify && !options.verify(req, res)) return;
      const parsed = options.schema.safeParse(req.body ?? {});
      if (!parsed.success) return void badRequest(res, parsed.error);
      options.respond(res, await options.handle(parsed.data));
    } catch (err) {
      next(err);
    }
  };
  return [...(options.guard ? [options.guard] : []), formBody(WEBHOOK_BODY_LIMIT), step];
}

/** The plain `ok` that Africa's Talking expects from a callback it need not read. */
export function answerOk(res: Response): void {
  res.status(200).type('text/plain').send('ok');
}
