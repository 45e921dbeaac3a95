import type { DeliveryStatus } from './deliveryStats';

/** What one attempt to hand a message to a provider gave. */
export type SendResult = { ok: true; status: DeliveryStatus } | { ok: false; retry: boolean; status: DeliveryStatus; code?: number };

/**
 * Something that hands one message to a provider (Africa's Talking's SMS API); the
 * outbox retries what it reports as retryable. A channel that replies outside the
 * webhook's answer implements it.
 */
export interface Sender {
  send(to: string, body: string): Promise<SendResult>;
}
