import crypto from 'node:crypto';
import { HandoffRetry, type HandoffAdapter, type HandoffDelivery } from './adapter';

export interface WebhookAdapterOptions {
  url: string;
  secret: string;
  /** Injected for tests; seconds since the epoch. */
  clock?: () => Date;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'X-Passerelle-Signature';
export const TIMESTAMP_HEADER = 'X-Passerelle-Timestamp';

/**
 * The signature a receiver recomputes: HMAC-SHA256 over `<timestamp>.<body>` with
 * the shared secret, hex, as `sha256=<hex>`. The timestamp is signed so that a
 * captured request cannot be replayed later; receivers should refuse old ones.
 */
export function signHandoff(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * A signed JSON webhook; any non-2xx answer (redirects included) or network error is retried
 * by the caller with backoff. It sends the de-identified payload only, never the number: a
 * programme that needs the number passed on uses the Primero adapter.
 */
export function webhookHandoffAdapter({ url, secret, clock = () => new Date(), fetch: doFetch = fetch, timeoutMs = 10_000 }: WebhookAdapterOptions): HandoffAdapter {
  return {
    name: 'webhook',
    async deliver({ payload }: HandoffDelivery) {
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(clock().getTime() / 1000));
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signHandoff(secret, timestamp, body) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect is a failure: the signed payload goes to the configured URL only.
          redirect: 'manual',
        });
      } catch (err) {
        throw new HandoffRetry((err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network');
      }
      await res.body?.cancel().catch(() => undefined);
      if (!res.ok) throw new HandoffRetry(`http_${res.status}`);
    },
  };
}
