import { destroyedContact, ENDED_STATUSES, destroyNumbers, OPEN_STATUSES, type CaseLinkDeps } from './types';

/** Why a request that was still open expired: its time ran out (INTAKE_TTL_HOURS after the request). */
export const RETENTION_EXPIRY = 'retention';

/** A claimed request whose time ran out: its caseworker is told why it is gone. */
export interface ExpiredClaim {
  intakeId: string;
  label: string;
  staffId: string;
}

export interface ExpireIntakesResult {
  expired: number;
  contactsDestroyed: number;
  /** The claimed requests among those that expired. */
  expiredClaims: ExpiredClaim[];
}

/**
 * Keeps the promise the screens make ("erased after the call, or after 72 h at the
 * latest"): every request still open INTAKE_TTL_HOURS after it was made expires and its
 * number is destroyed, whatever its status — pending or claimed (a request handed off,
 * closed or cancelled already has none). Then destroys the sealed contact of every
 * intake that has ended and somehow kept one. Safe to run at any time, as often as wanted.
 */
export async function expireIntakes(deps: Pick<CaseLinkDeps, 'prisma' | 'clock' | 'events'>): Promise<ExpireIntakesResult> {
  const { prisma, clock } = deps;
  const now = clock();
  const due = await prisma.intake.findMany({ where: { status: { in: OPEN_STATUSES }, expiresAt: { lte: now } }, select: { id: true, status: true, label: true, claimedById: true } });
  // Each one only if it is still as read (a request closed or handed off meanwhile stays so,
  // and is neither audited nor announced as expired): audit and announcement follow what changed.
  const expired =
    due.length === 0
      ? []
      : await prisma.$transaction(async (tx) => {
          const changed: typeof due = [];
          for (const d of due) {
            const updated = await tx.intake.updateMany({
              where: { id: d.id, status: d.status, claimedById: d.claimedById, expiresAt: { lte: now } },
              data: { status: 'expired', closeReason: RETENTION_EXPIRY, endedAt: now, ...destroyedContact(now) },
            });
            if (updated.count === 1) changed.push(d);
          }
          if (changed.length > 0) {
            await destroyNumbers(
              tx,
              changed.map((d) => d.id),
            );
            await tx.auditEvent.createMany({
              data: changed.map((d) => ({ intakeId: d.id, action: 'intake.expired', actor: 'system', detail: JSON.stringify({ reason: RETENTION_EXPIRY, was: d.status }), at: now })),
            });
          }
          return changed;
        });
  const expiredClaims: ExpiredClaim[] = expired.filter((d) => d.status === 'claimed' && d.claimedById).map((d) => ({ intakeId: d.id, label: d.label, staffId: d.claimedById! }));
  // A number an ended request somehow kept (an older version, an interrupted operation).
  const kept = (await prisma.openContact.findMany({ where: { intake: { status: { in: ENDED_STATUSES } } }, select: { intakeId: true } })).map((r) => r.intakeId);
  if (kept.length > 0) {
    await prisma.$transaction([destroyNumbers(prisma, kept), prisma.intake.updateMany({ where: { id: { in: kept } }, data: destroyedContact(now) })]);
  }
  const leftovers = { count: kept.length };
  if (expired.length > 0) deps.events?.count('expired', expired.length);
  return { expired: expired.length, contactsDestroyed: expired.length + leftovers.count, expiredClaims };
}
