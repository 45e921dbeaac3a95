import { eraseDestroyed } from '../db';
import { referenceHash } from './referenceCode';
import { destroyedContact, destroyNumbers, OPEN_STATUSES, type CaseLinkDeps } from './types';

export interface CancelIntakeOptions {
  /** The code as the person typed it, bare (see normaliseReference). */
  reference: string;
  /** Only a request made from this address (its requester hash): while guessing floods the service. */
  requesterHash?: string;
}

/**
 * Cancels an open intake by its reference code and destroys its sealed contact at
 * once. Anyone holding the code may cancel: the code is what proves the request.
 * Guessing is limited by the caller (see cancelGuard).
 */
export async function cancelIntake(deps: Pick<CaseLinkDeps, 'prisma' | 'clock' | 'keyring' | 'events'>, { reference, requesterHash }: CancelIntakeOptions): Promise<'ok' | 'notFound'> {
  const { prisma, clock, keyring } = deps;
  const now = clock();
  const intake = await prisma.intake.findFirst({
    where: { referenceHash: referenceHash(keyring, reference), status: { in: OPEN_STATUSES }, ...(requesterHash ? { openContact: { is: { requesterHash } } } : {}) },
    select: { id: true },
  });
  if (!intake) return 'notFound';
  // An intake closed or expired meanwhile is not cancelled, and the audit log does not say it was.
  const outcome = await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({
      where: { id: intake.id, status: { in: OPEN_STATUSES } },
      data: { status: 'cancelled', endedAt: now, ...destroyedContact(now) },
    });
    if (updated.count !== 1) return 'notFound';
    await destroyNumbers(tx, [intake.id]);
    await tx.auditEvent.create({ data: { intakeId: intake.id, action: 'intake.cancelled', actor: 'requester', at: now } });
    return 'ok' as const;
  });
  if (outcome === 'ok') {
    deps.events?.count('cancelled');
    await eraseDestroyed(prisma);
  }
  return outcome;
}
