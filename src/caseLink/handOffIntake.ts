import { eraseDestroyed } from '../db';
import { AppError } from './appError';
import { assertClaimer, assertInTime, loadIntakeFor } from './deskIntake';
import type { HandoffPayload } from './handoff/adapter';
import { destroyedContact, destroyNumbers, staffActor, type Actor, type DeskDeps } from './types';

export interface HandOffIntakeOptions {
  intakeId: string;
  actor: Actor;
  /** The adapter that will deliver it (its name is stored with the hand-off). */
  adapter: string;
}

/**
 * Hands an intake off to the case-management system once the claimer has spoken
 * with the person (outcome `reached`): queues a de-identified hand-off for delivery
 * and forgets the number in the same transaction. Delivery is `deliverHandoffs`.
 */
export async function handOffIntake(deps: Pick<DeskDeps, 'prisma' | 'clock' | 'randomBytes' | 'config' | 'events'>, { intakeId, actor, adapter }: HandOffIntakeOptions): Promise<{ handoffId: string }> {
  const { prisma, clock, randomBytes } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake);
  if (intake.lastOutcome !== 'reached') throw new AppError('not_reached', 'Record that the person was reached before handing off', 409);
  const now = clock();
  assertInTime(intake, now, deps.config.INTAKE_TTL_HOURS);
  const payload: HandoffPayload = {
    label: intake.label,
    queue: intake.queue,
    language: intake.language,
    outcome: intake.lastOutcome,
    createdAt: intake.createdAt.toISOString(),
    claimedAt: intake.claimedAt?.toISOString() ?? null,
    firstCallAt: intake.firstCallAt?.toISOString() ?? null,
    handedOffAt: now.toISOString(),
  };
  const handoffId = randomBytes(16).toString('hex');
  await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({
      where: { id: intakeId, status: 'claimed', claimedById: actor.id, expiresAt: { gt: now } },
      data: { status: 'handed_off', handedOffAt: now, endedAt: now, closeReason: 'handed_off', ...destroyedContact(now) },
    });
    if (updated.count !== 1) throw new AppError('not_claimer', 'This intake is no longer claimed by you', 409);
    await destroyNumbers(tx, [intakeId]);
    await tx.handoff.create({ data: { id: handoffId, intakeId, adapter, payload: JSON.stringify(payload), status: 'pending', nextAttemptAt: now, createdAt: now } });
    await tx.auditEvent.create({ data: { intakeId, action: 'intake.handed_off', actor: staffActor(actor), detail: JSON.stringify({ adapter }), at: now } });
  });
  await eraseDestroyed(prisma);
  deps.events?.count('handed_off');
  return { handoffId };
}
