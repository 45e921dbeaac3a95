import type { Logger } from 'pino';
import type { Keyring } from '../crypto/keyring';
import { eraseDestroyed, type PrismaClient } from '../db';
import type { RecordDelivery } from './deliveryStats';
import type { Sender } from './sender';

export interface OutboxOptions {
  prisma: PrismaClient;
  keyring: Keyring;
  logger: Logger;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
  /** Senders per channel (`sms_africastalking`). */
  senders: Partial<Record<string, Sender>>;
  recordDelivery: RecordDelivery;
  /** Attempts before a message is dropped (OUTBOX_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Delay before the n-th retry (n from 1); default 30 s × 4^(n-1), at most an hour. */
  backoffMs?: (attempt: number) => number;
}

/** While an attempt is in flight its row is leased, so a concurrent drain leaves it alone. */
const LEASE_MS = 60_000;

const defaultBackoff = (attempt: number) => Math.min(30_000 * 4 ** (attempt - 1), 3_600_000);

/** What one drain did, as counts. */
export interface DrainResult {
  sent: number;
  retrying: number;
  dropped: number;
}

/**
 * Outbound SMS that must survive a failed send: the recipient and the body are both
 * sealed (AES-256-GCM, the row id and the field name as associated data), a failed
 * attempt is retried with backoff, and the row is deleted on success or after the
 * last attempt — nothing of the message stays behind either way.
 */
export class Outbox {
  private timer?: NodeJS.Timeout;
  private readonly backoff: (attempt: number) => number;

  constructor(private readonly options: OutboxOptions) {
    this.backoff = options.backoffMs ?? defaultBackoff;
  }

  /** Queues one message and makes the first attempt at once. */
  async send(channel: string, to: string, body: string): Promise<void> {
    const { prisma, keyring, clock, randomBytes } = this.options;
    const id = randomBytes(16).toString('hex');
    const recipient = keyring.seal(to, `${id}:recipient`);
    const sealedBody = keyring.seal(body, `${id}:body`);
    const now = clock();
    await prisma.outboxMessage.create({
      data: {
        id,
        channel,
        sealedRecipient: recipient.ciphertext,
        recipientNonce: recipient.nonce,
        sealedBody: sealedBody.ciphertext,
        bodyNonce: sealedBody.nonce,
        keyId: recipient.keyId,
        attempts: 0,
        nextAttemptAt: new Date(now.getTime() + LEASE_MS),
        createdAt: now,
      },
    });
    await this.attempt(id);
  }

  /** Attempts every message that is due; the server runs it on a timer, tests call it. */
  async drain(): Promise<DrainResult> {
    const { prisma, clock } = this.options;
    const now = clock();
    const due = await prisma.outboxMessage.findMany({ where: { nextAttemptAt: { lte: now } }, select: { id: true, nextAttemptAt: true }, orderBy: { nextAttemptAt: 'asc' }, take: 100 });
    const result: DrainResult = { sent: 0, retrying: 0, dropped: 0 };
    for (const row of due) {
      // Take the lease; another drain that got there first wins.
      const taken = await prisma.outboxMessage.updateMany({ where: { id: row.id, nextAttemptAt: row.nextAttemptAt }, data: { nextAttemptAt: new Date(now.getTime() + LEASE_MS) } });
      if (taken.count !== 1) continue;
      result[await this.attempt(row.id)] += 1;
    }
    if (due.length > 0) this.options.logger.info({ ...result }, 'outbox drained');
    return result;
  }

  /** How many messages wait for another attempt. */
  pending(): Promise<number> {
    return this.options.prisma.outboxMessage.count();
  }

  /** Drains every `intervalMs` (unref'd: it never keeps the process alive). */
  start(intervalMs = 15_000): void {
    this.timer = setInterval(() => {
      this.drain().catch((err) => this.options.logger.error({ err }, 'outbox drain failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async attempt(id: string): Promise<keyof DrainResult> {
    const { prisma, keyring, logger, clock, senders, recordDelivery, maxAttempts } = this.options;
    const row = await prisma.outboxMessage.findUnique({ where: { id } });
    if (!row) return 'dropped';
    const attempts = row.attempts + 1;
    const sender = senders[row.channel];
    let outcome;
    try {
      if (!sender) throw new Error('no sender for this channel');
      const to = keyring.unseal({ keyId: row.keyId, nonce: row.recipientNonce, ciphertext: row.sealedRecipient }, `${id}:recipient`);
      const body = keyring.unseal({ keyId: row.keyId, nonce: row.bodyNonce, ciphertext: row.sealedBody }, `${id}:body`);
      outcome = await sender.send(to, body);
    } catch (err) {
      logger.error({ err, channel: row.channel }, 'outbox attempt failed');
      outcome = { ok: false as const, retry: false, status: 'failed' as const };
    }
    if (outcome.ok) {
      await prisma.outboxMessage.delete({ where: { id } });
      // The sealed recipient is a number: no copy of it stays in the write-ahead log either.
      await eraseDestroyed(prisma);
      await recordDelivery(row.channel, outcome.status);
      return 'sent';
    }
    const last = !outcome.retry || attempts >= maxAttempts;
    logger.warn({ channel: row.channel, attempt: attempts, code: outcome.code, retry: !last }, last ? 'sms dropped after a failed send' : 'sms send failed, will retry');
    if (last) {
      await prisma.outboxMessage.delete({ where: { id } });
      await eraseDestroyed(prisma);
      await recordDelivery(row.channel, outcome.status);
      return 'dropped';
    }
    await prisma.outboxMessage.update({ where: { id }, data: { attempts, nextAttemptAt: new Date(clock().getTime() + this.backoff(attempts)) } });
    return 'retrying';
  }
}
