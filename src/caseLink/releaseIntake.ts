import { AppError } from './appError';
import { assertClaimer, loadIntakeFor } from './deskIntake';
import { staffActor, type Actor, type DeskDeps } from './types';

export interface ReleaseIntakeOptions {
  intakeId: string;
  actor: Actor;
}

/** Puts a claimed intake back in the queue (the claimer, or a supervisor); no attempt is counted. */
export async function releaseIntake(deps: Pick<DeskDeps, 'prisma' | 'clock'>, { intakeId, actor }: ReleaseIntakeOptions): Promise<void> {
  const { prisma, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake, true);
  const now = clock();
  await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({ where: { id: intakeId, status: 'claimed', claimedById: intake.claimedById }, data: { status: 'pending', claimedById: null, claimedAt: null } });
    if (updated.count !== 1) throw new AppError('not_claimed', 'This intake changed meanwhile', 409);
    await tx.auditEvent.create({ data: { intakeId, action: 'intake.released', actor: staffActor(actor), at: now } });
  });
}
