import { z } from 'zod';
import type { Sender, SendResult } from '../../outbox/sender';

/** Africa's Talking's answer to `POST /version1/messaging`. */
export const AtSendResponse = z.object({
  SMSMessageData: z.object({
    Message: z.string().optional(),
    Recipients: z.array(
      z.object({
        statusCode: z.coerce.number().int(),
        status: z.string(),
        number: z.string().optional(),
        messageId: z.string().optional(),
        cost: z.string().optional(),
      }),
    ),
  }),
});

/**
 * Africa's Talking per-recipient status codes → whether it went, whether another
 * attempt may help, and the status counted. A code not listed is retried.
 */
export const AT_SEND_STATUS_TABLE: Record<number, SendResult> = {
  100: { ok: true, status: 'queued' }, // Processed
  101: { ok: true, status: 'sent' }, // Sent
  102: { ok: true, status: 'queued' }, // Queued
  401: { ok: false, retry: false, status: 'rejected' }, // RiskHold
  402: { ok: false, retry: false, status: 'rejected' }, // InvalidSenderId
  403: { ok: false, retry: false, status: 'rejected' }, // InvalidPhoneNumber
  404: { ok: false, retry: false, status: 'rejected' }, // UnsupportedNumberType
  405: { ok: false, retry: true, status: 'failed' }, // InsufficientBalance
  406: { ok: false, retry: false, status: 'rejected' }, // UserInBlacklist
  407: { ok: false, retry: true, status: 'failed' }, // CouldNotRoute
  409: { ok: false, retry: false, status: 'rejected' }, // DoNotDisturbRejection
  500: { ok: false, retry: true, status: 'failed' }, // InternalServerError
  501: { ok: false, retry: true, status: 'failed' }, // GatewayError
  502: { ok: false, retry: false, status: 'rejected' }, // RejectedByGateway
};

export interface AtSmsSenderOptions {
  username: string;
  apiKey: string;
  /** `AT_API_BASE_URL`: the live API, the sandbox, or a local fake. */
  baseUrl?: string;
  /** Sender id or short code. */
  from?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The API origin for a username when `AT_API_BASE_URL` is not set. */
export function defaultAtBaseUrl(username: string): string {
  return username === 'sandbox' ? 'https://api.sandbox.africastalking.com' : 'https://api.africastalking.com';
}

/**
 * Sends one SMS with Africa's Talking's messaging API (a plain form POST: the
 * `africastalking` package cannot be pointed at another base URL).
 */
export function createAtSmsSender({ username, apiKey, baseUrl, from, fetch: doFetch = fetch, timeoutMs = 10_000 }: AtSmsSenderOptions): Sender {
  const url = `${(baseUrl ?? defaultAtBaseUrl(username)).replace(/\/+$/, '')}/version1/messaging`;
  return {
    async send(to, body) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { apiKey, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username, to, message: body, ...(from ? { from } : {}) }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch {
        return { ok: false, retry: true, status: 'failed' };
      }
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, retry: true, status: 'failed', code: response.status };
      }
      const parsed = AtSendResponse.safeParse(await response.json().catch(() => null));
      if (!parsed.success) return { ok: false, retry: true, status: 'failed', code: response.status };
      const [recipient] = parsed.data.SMSMessageData.Recipients;
      if (!recipient) return { ok: false, retry: false, status: 'rejected' };
      const outcome = AT_SEND_STATUS_TABLE[recipient.statusCode] ?? { ok: false, retry: true, status: 'failed' };
      return outcome.ok ? outcome : { ...outcome, code: recipient.statusCode };
    },
  };
}
