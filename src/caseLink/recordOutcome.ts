import { eraseDestroyed } from '../db';
import { AppError } from './appError';
import { assertClaimer, assertInTime, loadIntakeFor } from './deskIntake';
import { destroyedContact, destroyNumbers, staffActor, type Actor, type DeskDeps, type Outcome } from './types';

export interface RecordOutcomeOptions {
  intakeId: string;
  actor: Actor;
  outcome: Outcome;
}

export interface RecordOutcomeResult {
  /** The intake's status afterwards: claimed (reached), pending (back in the queue), expired or closed. */
  status: 'claimed' | 'pending' | 'expired' | 'closed';
  attempts: number;
}

/**
 * Records the outcome of a call by the claimer. Reached: the claimer keeps the
 * intake (to close or hand off). No answer and unsafe to talk: the attempt is
 * counted and the intake goes back to the queue, or expires with its number
 * destroyed at MAX_CALL_ATTEMPTS. Wrong number and declined close it at once.
 */
export async function recordOutcome(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock' | 'events'>, { intakeId, actor, outcome }: RecordOutcomeOptions): Promise<RecordOutcomeResult> {
  const { prisma, config, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake);
  const now = clock();
  assertInTime(intake, now, config.INTAKE_TTL_HOURS);
  const firstCallAt = intake.firstCallAt ?? now;
  let status: RecordOutcomeResult['status'];
  let attempts = intake.attempts;
  let data: Record<string, unknown>;
  if (outcome === 'reached') {
    status = 'claimed';
    data = { lastOutcome: outcome, lastOutcomeAt: now, firstCallAt };
  } else if (outcome === 'no_answer' || outcome === 'unsafe') {
    attempts += 1;
    if (attempts >= config.MAX_CALL_ATTEMPTS) {
      status = 'expired';
      data = { status, attempts, lastOutcome: outcome, lastOutcomeAt: now, firstCallAt, endedAt: now, closeReason: 'unreachable', ...destroyedContact(now) };
    } else {
      status = 'pending';
      data = { status, attempts, lastOutcome: outcome, lastOutcomeAt: now, firstCallAt, claimedById: null, claimedAt: null };
    }
  } else {
    status = 'closed';
    data = { status, lastOutcome: outcome, lastOutcomeAt: now, firstCallAt, endedAt: now, closeReason: outcome, ...destroyedContact(now) };
  }
  await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({ where: { id: intakeId, status: 'claimed', claimedById: actor.id }, data });
    if (updated.count !== 1) throw new AppError('not_claimer', 'This intake is no longer claimed by you', 409);
    if (status === 'expired' || status === 'closed') await destroyNumbers(tx, [intakeId]);
    await tx.auditEvent.create({ data: { intakeId, action: 'intake.outcome', actor: staffActor(actor), detail: JSON.stringify({ outcome, attempts, status }), at: now } });
  });
  if (status === 'expired' || status === 'closed') await eraseDestroyed(prisma);
  if (status === 'expired' || status === 'closed') deps.events?.count(status);
  return { status, attempts };
}
