import { rewriteDestroyed } from '../db';
import { expireIntakes, type ExpiredClaim } from './expireIntakes';
import type { DeskDeps } from './types';

/**
 * What one purge removed. `expired` and `contactsDestroyed` are always there; the
 * other counts appear only when something of that kind was removed.
 */
export interface PurgeResult {
  expired: number;
  contactsDestroyed: number;
  /** Intakes held by a deactivated staff member, put back in the queue (then expired as usual). */
  claimsReleased?: number;
  auditPruned?: number;
  sessionsPruned?: number;
  linkCodesCleared?: number;
  handoffsPruned?: number;
  /** Numbers held for hand-offs still undelivered when the request's time ran out (the hand-off goes on without them). */
  handoffNumbersDestroyed?: number;
  /** Failed attempts (wrong codes, logins) older than a day, no longer counted by any limit. */
  attemptsPruned?: number;
}

const DAY_MS = 86_400_000;

/**
 * The retention purge: puts back in the queue the intakes of deactivated staff (no one
 * else could call or close them), expires every open intake past INTAKE_TTL_HOURS (claimed too), destroys
 * the sealed number of every ended intake (and forgets its requester hash), prunes
 * audit entries and finished hand-offs past AUDIT_RETENTION_DAYS, the numbers held for
 * hand-offs past the request's time (INTAKE_TTL_HOURS, whatever the delivery), expired console
 * sessions, stale Telegram link codes and day-old failed attempts, then erases the
 * destroyed bytes from every database file. Idempotent; runs on the server's schedule
 * and as `passerelle purge`.
 */
export async function purge(
  deps: Pick<DeskDeps, 'prisma' | 'clock'> & { config: Pick<DeskDeps['config'], 'AUDIT_RETENTION_DAYS'> },
  options: { onExpiredClaims?: (claims: ExpiredClaim[]) => void } = {},
): Promise<PurgeResult> {
  const { prisma, clock, config } = deps;
  const now = clock();
  const stranded = (await prisma.intake.findMany({ where: { status: 'claimed', claimedBy: { is: { active: false } } }, select: { id: true } })).map((i) => i.id);
  if (stranded.length > 0) {
    await prisma.$transaction([
      prisma.intake.updateMany({ where: { id: { in: stranded }, status: 'claimed' }, data: { status: 'pending', claimedById: null, claimedAt: null } }),
      prisma.auditEvent.createMany({ data: stranded.map((intakeId) => ({ intakeId, action: 'intake.released', actor: 'system', detail: JSON.stringify({ reason: 'staff_inactive' }), at: now })) }),
    ]);
  }
  const { expiredClaims, ...expiry } = await expireIntakes(deps);
  const result: PurgeResult = { ...expiry };
  // Their caseworkers are told why they are gone (counts only are returned and printed).
  if (expiredClaims.length > 0) options.onExpiredClaims?.(expiredClaims);
  const horizon = new Date(now.getTime() - config.AUDIT_RETENTION_DAYS * DAY_MS);
  const counts = {
    claimsReleased: stranded.length,
    auditPruned: (await prisma.auditEvent.deleteMany({ where: { at: { lt: horizon } } })).count,
    sessionsPruned: (await prisma.staffSession.deleteMany({ where: { expiresAt: { lte: now } } })).count,
    linkCodesCleared: (await prisma.staff.updateMany({ where: { linkCodeExpiresAt: { lte: now } }, data: { linkCodeHash: null, linkCodeExpiresAt: null } })).count,
    handoffsPruned: (await prisma.handoff.deleteMany({ where: { status: { in: ['delivered', 'failed'] }, createdAt: { lt: horizon } } })).count,
    handoffNumbersDestroyed: (await prisma.handoffContact.deleteMany({ where: { destroyBy: { lte: now } } })).count,
    attemptsPruned: (await prisma.attempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - DAY_MS) } } })).count,
  };
  for (const [key, value] of Object.entries(counts)) if (value > 0) result[key as keyof typeof counts] = value;
  // Whatever was destroyed above, or since the last purge (PostgreSQL), or by an operation whose own erasure found the log busy (SQLite).
  await rewriteDestroyed(prisma);
  return result;
}
