import { AppError } from './appError';
import { caseloadCount, loadIntakeFor } from './deskIntake';
import { canWork } from './visibility';
import { isSupervisor, staffActor, type Actor, type DeskDeps } from './types';

export interface ClaimIntakeOptions {
  intakeId: string;
  actor: Actor;
  /** A supervisor may claim past the caseload limit; the override is audited. */
  override?: boolean;
}

export interface ClaimIntakeResult {
  intakeId: string;
  /** Active intakes held after this claim. */
  caseload: number;
  /** True from CASELOAD_WARNING active intakes on. */
  warning: boolean;
  overridden: boolean;
}

/**
 * Claims a pending intake for `actor`. Exclusive: the claim is one conditional
 * update (`status = pending`), so of two racing claims exactly one wins and the
 * other gets 409. Refused past the caseload limit unless a supervisor overrides.
 */
export async function claimIntake(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock' | 'events'>, { intakeId, actor, override = false }: ClaimIntakeOptions): Promise<ClaimIntakeResult> {
  const { prisma, config, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  if (intake.status !== 'pending') throw new AppError('already_claimed', 'This intake is no longer in the queue', 409);
  if (!canWork(actor, intake)) throw new AppError('not_your_queue', 'This intake is outside your queues, languages or the caller asked for', 403);
  if (override && !isSupervisor(actor)) throw new AppError('forbidden', 'Only a supervisor may override the caseload limit', 403);

  const now = clock();
  // Past its time but not yet swept by the purge: as good as expired.
  if (intake.expiresAt <= now) throw new AppError('expired', 'This request has expired', 409);

  const held = await caseloadCount(deps, actor.id);
  if (held >= config.CASELOAD_LIMIT && !override) {
    throw new AppError('caseload_limit', `Caseload limit reached (${held}/${config.CASELOAD_LIMIT}): close or release an intake first`, 409);
  }
  const claimed = await prisma.intake.updateMany({ where: { id: intakeId, status: 'pending', expiresAt: { gt: now } }, data: { status: 'claimed', claimedById: actor.id, claimedAt: now } });
  if (claimed.count !== 1) throw new AppError('already_claimed', 'Someone else claimed this intake first', 409);
  // Counted again once the claim is in: two claims of one person raced past the check above.
  const caseload = await caseloadCount(deps, actor.id);
  const overridden = caseload > config.CASELOAD_LIMIT;
  if (overridden && !override) {
    await prisma.intake.updateMany({ where: { id: intakeId, status: 'claimed', claimedById: actor.id }, data: { status: 'pending', claimedById: null, claimedAt: null } });
    throw new AppError('caseload_limit', `Caseload limit reached (${config.CASELOAD_LIMIT}): close or release an intake first`, 409);
  }
  await prisma.auditEvent.create({
    data: {
      intakeId,
      action: overridden ? 'intake.claimed_override' : 'intake.claimed',
      actor: staffActor(actor),
      detail: JSON.stringify({ caseload, ...(overridden ? { limit: config.CASELOAD_LIMIT } : {}) }),
      at: now,
    },
  });
  deps.events?.count('claimed');
  return { intakeId, caseload, warning: caseload >= config.CASELOAD_WARNING, overridden };
}
