import { destroyedContact, ENDED_STATUSES, type CaseLinkDeps } from './types';

export interface ExpireIntakesResult {
  expired: number;
  contactsDestroyed: number;
}

/**
 * Expires pending intakes past their time and destroys the sealed contact of every
 * intake that has ended. Safe to run at any time and as often as wanted.
 */
export async function expireIntakes(deps: Pick<CaseLinkDeps, 'prisma' | 'clock'>): Promise<ExpireIntakesResult> {
  const { prisma, clock } = deps;
  const now = clock();
  const due = await prisma.intake.findMany({ where: { status: 'pending', expiresAt: { lte: now } }, select: { id: true } });
  if (due.length > 0) {
    const ids = due.map((d) => d.id);
    await prisma.$transaction([
      prisma.intake.updateMany({ where: { id: { in: ids }, status: 'pending' }, data: { status: 'expired', endedAt: now, ...destroyedContact(now) } }),
      prisma.auditEvent.createMany({ data: ids.map((intakeId) => ({ intakeId, action: 'intake.expired', actor: 'system', at: now })) }),
    ]);
  }
  const leftovers = await prisma.intake.updateMany({
    where: { status: { in: ENDED_STATUSES }, sealedContact: { not: null } },
    data: destroyedContact(now),
  });
  return { expired: due.length, contactsDestroyed: due.length + leftovers.count };
}
