import type { HandoffAdapter, HandoffPayload } from './handoff/adapter';
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

/**
 * Delivers due hand-offs through `adapter`, rescheduling failures with exponential
 * backoff. Each hand-off is leased first (a conditional update of its next attempt),
 * so that runs overlapping on one or several instances deliver it once.
 */
export async function deliverHandoffs(deps: Pick<DeskDeps, 'prisma' | 'clock'>, adapter: HandoffAdapter): Promise<DeliverHandoffsResult> {
  const { prisma, clock } = deps;
  const due = await prisma.handoff.findMany({ where: { status: 'pending', adapter: adapter.name, nextAttemptAt: { lte: clock() } }, orderBy: { nextAttemptAt: 'asc' }, take: 50 });
  const result = { delivered: 0, retried: 0, failed: 0 };
  for (const handoff of due) {
    const leased = await prisma.handoff.updateMany({
      where: { id: handoff.id, status: 'pending', nextAttemptAt: handoff.nextAttemptAt },
      data: { nextAttemptAt: new Date(clock().getTime() + HANDOFF_LEASE_MS) },
    });
    if (leased.count !== 1) continue;
    const attempts = handoff.attempts + 1;
    try {
      await adapter.deliver({ handoffId: handoff.id, payload: JSON.parse(handoff.payload) as HandoffPayload, contact: null });
      await prisma.handoff.update({ where: { id: handoff.id }, data: { status: 'delivered', attempts, deliveredAt: clock() } });
      result.delivered += 1;
    } catch {
      const last = attempts >= HANDOFF_BACKOFF.maxAttempts;
      const delay = Math.min(HANDOFF_BACKOFF.baseMs * 2 ** (attempts - 1), HANDOFF_BACKOFF.maxMs);
      await prisma.handoff.update({
        where: { id: handoff.id },
        data: { attempts, status: last ? 'failed' : 'pending', nextAttemptAt: new Date(clock().getTime() + delay) },
      });
      if (last) result.failed += 1;
      else result.retried += 1;
    }
  }
  return result;
}
