import { eraseDestroyed } from '../db';
import { AppError } from './appError';
import { assertClaimer, loadIntakeFor } from './deskIntake';
import { destroyedContact, destroyNumbers, staffActor, type Actor, type CloseReason, type DeskDeps } from './types';

export interface CloseIntakeOptions {
  intakeId: string;
  actor: Actor;
  reason: CloseReason;
}

/** Closes a claimed intake with a reason code (the claimer, or a supervisor) and destroys its sealed number at once. */
export async function closeIntake(deps: Pick<DeskDeps, 'prisma' | 'clock' | 'events'>, { intakeId, actor, reason }: CloseIntakeOptions): Promise<void> {
  const { prisma, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake, true);
  const now = clock();
  await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({
      where: { id: intakeId, status: 'claimed', claimedById: intake.claimedById },
      data: { status: 'closed', closeReason: reason, endedAt: now, ...destroyedContact(now) },
    });
    if (updated.count !== 1) throw new AppError('not_claimed', 'This intake changed meanwhile', 409);
    await destroyNumbers(tx, [intakeId]);
    await tx.auditEvent.create({ data: { intakeId, action: 'intake.closed', actor: staffActor(actor), detail: JSON.stringify({ reason }), at: now } });
  });
  deps.events?.count('closed');
  await eraseDestroyed(prisma);
}
