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
export async function expireIntakes(deps: Pick<CaseLinkDeps, 'prisma' | 'clock'>): Promise<ExpireIntakesResult> {
  const { prisma, clock } = deps;
  const now = clock();
  const due = await prisma.intake.findMany({ where: { status: { in: OPEN_STATUSES }, expiresAt: { lte: now } }, select: { id: true, status: true, label: true, claimedById: true } });
  const expiredClaims: ExpiredClaim[] = [];
  if (due.length > 0) {
    const ids = due.map((d) => d.id);
    await prisma.$transaction([
      // Conditional on the status still being open: a request closed meanwhile stays closed.
      prisma.intake.updateMany({ where: { id: { in: ids }, status: { in: OPEN_STATUSES } }, data: { status: 'expired', closeReason: RETENTION_EXPIRY, endedAt: now, ...destroyedContact(now) } }),
      // Read again inside: only those that did expire (a request closed meanwhile has lost its row already).
      destroyNumbers(prisma, ids),
      prisma.auditEvent.createMany({
        data: due.map((d) => ({ intakeId: d.id, action: 'intake.expired', actor: 'system', detail: JSON.stringify({ reason: RETENTION_EXPIRY, was: d.status }), at: now })),
      }),
    ]);
    for (const d of due) if (d.status === 'claimed' && d.claimedById) expiredClaims.push({ intakeId: d.id, label: d.label, staffId: d.claimedById });
  }
  // A number an ended request somehow kept (an older version, an interrupted operation).
  const kept = (await prisma.openContact.findMany({ where: { intake: { status: { in: ENDED_STATUSES } } }, select: { intakeId: true } })).map((r) => r.intakeId);
  if (kept.length > 0) {
    await prisma.$transaction([destroyNumbers(prisma, kept), prisma.intake.updateMany({ where: { id: { in: kept } }, data: destroyedContact(now) })]);
  }
  const leftovers = { count: kept.length };
  return { expired: due.length, contactsDestroyed: due.length + leftovers.count, expiredClaims };
}
