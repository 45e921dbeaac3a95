import type { RequestHandler } from 'express';

/** A provider's callback form is a few hundred bytes; 16 KB leaves room and no more. */
export const WEBHOOK_BODY_LIMIT = 16 * 1024;

/**
 * Reads a provider's `application/x-www-form-urlencoded` callback into `req.body`, as
 * `express.urlencoded({ extended: false })` does, for the webhooks every person's step goes
 * through: one listener pair on the stream and the platform's URLSearchParams, instead of
 * body-parser's layers (type-is, raw-body, iconv, qs), which cost more than the step itself.
 * - Another content type leaves `req.body` undefined (the route's schema then names the
 *   missing fields: 400).
 * - Over `limitBytes` (declared or read): 413, and nothing runs.
 * - A compressed body or a charset other than UTF-8: 415.
 * - A key sent twice keeps every value (an array), as Node's querystring does; the object
 *   has no prototype, so `__proto__` is only ever a field name.
 */
export function formBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const type = req.headers['content-type'];
    if (typeof type !== 'string' || !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return next();
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return next(httpError(415, 'unsupported charset'));
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return next(httpError(415, 'unsupported content encoding'));
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limitBytes) {
      req.resume();
      return next(httpError(413, 'request body too large'));
    }

    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (error) {
        req.resume();
        return next(error);
      }
      req.body = parseForm(Buffer.concat(chunks, length).toString('utf8'));
      next();
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) return finish(httpError(413, 'request body too large'));
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(httpError(400, 'request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}

/** `a=1&b=2&a=3` → `{ a: ['1', '3'], b: '2' }` (no prototype). */
export function parseForm(text: string): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = form[key];
    form[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}

function httpError(status: number, message: string): Error & { status: number; expose: boolean } {
  return Object.assign(new Error(message), { status, expose: true });
}
