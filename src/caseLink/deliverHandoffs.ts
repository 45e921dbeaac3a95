import type { Logger } from 'pino';
import { eraseDestroyed } from '../db';
import { HandoffRefused, HandoffRetry, HandoffRetryAt, type HandoffAdapter, type HandoffPayload } from './handoff/adapter';
import { openHandoffContact } from './handoffContact';
import type { DeskDeps } from './types';

/** Backoff: 30 s, 1 min, 2 min, ... capped at 1 h; after MAX_ATTEMPTS the hand-off is marked failed. */
export const HANDOFF_BACKOFF = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 10 };
/** How long a delivery in progress keeps other runs (another instance, an overlapping run) off its hand-off. */
export const HANDOFF_LEASE_MS = 5 * 60_000;

export interface DeliverHandoffsResult {
  delivered: number;
  retried: number;
  failed: number;
}

/** Why a hand-off is not delivered (yet), as stored in `lastError`: a code and, for a refusal, the refused fields' pointers. Never a value or a message. */
export interface HandoffError {
  code: string;
  pointers?: string[];
}

/** The `lastError` column's text for `error`. */
export function storedHandoffError(error: HandoffError): string {
  return JSON.stringify(error.pointers?.length ? { code: error.code, pointers: error.pointers } : { code: error.code });
}

/** What an attempt's failure means: final (with why), at a given time, or with backoff. */
function classify(err: unknown): { final: boolean; error: HandoffError; at?: Date } {
  if (err instanceof HandoffRefused) return { final: true, error: { code: err.code, pointers: err.pointers } };
  if (err instanceof HandoffRetryAt) return { final: false, error: { code: err.code }, at: err.at };
  if (err instanceof HandoffRetry) return { final: false, error: { code: err.code } };
  // An adapter's own error (the webhook's): its message may say more than a code should.
  return { final: false, error: { code: 'error' } };
}

/**
 * Delivers due hand-offs through `adapter`, rescheduling failures with exponential
 * backoff (or at the time the receiver asked for). Each hand-off is leased first (a
 * conditional update of its next attempt), so that runs overlapping on one or several
 * instances deliver it once. The number the person agreed to pass on is unsealed for the
 * attempt only; once the hand-off is delivered or has failed for good, it is deleted in the
 * same update and its bytes erased.
 */
export async function deliverHandoffs(deps: Pick<DeskDeps, 'prisma' | 'clock' | 'keyring'> & { logger?: Pick<Logger, 'warn' | 'error'> }, adapter: HandoffAdapter): Promise<DeliverHandoffsResult> {
  const { prisma, clock, keyring, logger } = deps;
  const due = await prisma.handoff.findMany({ where: { status: 'pending', adapter: adapter.name, nextAttemptAt: { lte: clock() } }, orderBy: { nextAttemptAt: 'asc' }, take: 50 });
  const result = { delivered: 0, retried: 0, failed: 0 };
  let destroyed = false;
  for (const handoff of due) {
    const leased = await prisma.handoff.updateMany({
      where: { id: handoff.id, status: 'pending', nextAttemptAt: handoff.nextAttemptAt },
      data: { nextAttemptAt: new Date(clock().getTime() + HANDOFF_LEASE_MS) },
    });
    if (leased.count !== 1) continue;
    const attempts = handoff.attempts + 1;
    // Read after the lease: the purge may have destroyed it since (past the request's time, it goes without the number).
    const sealed = await prisma.handoffContact.findUnique({ where: { handoffId: handoff.id } });
    let contact: string | null = null;
    if (sealed) {
      try {
        contact = openHandoffContact(keyring, sealed);
      } catch {
        logger?.error({ event: 'handoff.contact_unreadable', handoffId: handoff.id }, 'the number to pass on cannot be unsealed (key removed from DATA_KEYS?): the hand-off goes without it');
      }
    }
    // Ended: the held number goes in the same transaction (deleteMany: the purge may have taken it meanwhile).
    const finish = async (data: { status: string; deliveredAt?: Date; failedAt?: Date; lastError: string | null }) => {
      const [, gone] = await prisma.$transaction([
        prisma.handoff.update({ where: { id: handoff.id }, data: { ...data, attempts } }),
        prisma.handoffContact.deleteMany({ where: { handoffId: handoff.id } }),
      ]);
      destroyed ||= gone.count > 0;
    };
    let failure: { err: unknown } | undefined;
    try {
      await adapter.deliver({ handoffId: handoff.id, payload: JSON.parse(handoff.payload) as HandoffPayload, contact });
    } catch (err) {
      failure = { err };
    }
    if (!failure) {
      await finish({ status: 'delivered', deliveredAt: clock(), lastError: null });
      result.delivered += 1;
      continue;
    }
    const { final, error, at } = classify(failure.err);
    if (final || attempts >= HANDOFF_BACKOFF.maxAttempts) {
      await finish({ status: 'failed', failedAt: clock(), lastError: storedHandoffError(final ? error : { code: `gave_up_${error.code}` }) });
      logger?.warn({ event: 'handoff.failed', handoffId: handoff.id, adapter: adapter.name, attempts, error }, 'hand-off failed for good');
      result.failed += 1;
    } else {
      const now = clock().getTime();
      const backoff = Math.min(HANDOFF_BACKOFF.baseMs * 2 ** (attempts - 1), HANDOFF_BACKOFF.maxMs);
      // The receiver's own time when it gave one, within reason (a second to the backoff's cap).
      const delay = at ? Math.min(Math.max(at.getTime() - now, 1000), HANDOFF_BACKOFF.maxMs) : backoff;
      await prisma.handoff.update({ where: { id: handoff.id }, data: { attempts, status: 'pending', nextAttemptAt: new Date(now + delay), lastError: storedHandoffError(error) } });
      result.retried += 1;
    }
  }
  // The sealed numbers deleted above: their bytes leave every database file now.
  if (destroyed) await eraseDestroyed(prisma);
  return result;
}
