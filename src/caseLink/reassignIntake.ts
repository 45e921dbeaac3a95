import { AppError } from './appError';
import { caseloadCount, loadIntakeFor } from './deskIntake';
import { canWork } from './visibility';
import { OPEN_STATUSES, isSupervisor, staffActor, type Actor, type DeskDeps } from './types';

export interface ReassignIntakeOptions {
  intakeId: string;
  actor: Actor;
  toStaffId: string;
  /** Assign past the target's caseload limit; audited. */
  override?: boolean;
}

/**
 * A supervisor gives an open intake to another active staff member who works its
 * queue and language (and is the caller gender asked for), within their caseload
 * limit unless overridden (audited).
 */
export async function reassignIntake(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock'>, { intakeId, actor, toStaffId, override = false }: ReassignIntakeOptions) {
  const { prisma, config, clock } = deps;
  if (!isSupervisor(actor)) throw new AppError('forbidden', 'Only a supervisor may reassign', 403);
  const intake = await loadIntakeFor(deps, actor, intakeId);
  if (!OPEN_STATUSES.includes(intake.status)) throw new AppError('not_open', 'This intake has ended', 409);
  const now = clock();
  if (intake.status === 'pending' && intake.expiresAt <= now) throw new AppError('expired', 'This request has expired', 409);
  const target = await prisma.staff.findUnique({ where: { id: toStaffId }, select: { id: true, active: true, queues: true, languages: true, gender: true } });
  if (!target || !target.active) throw new AppError('unknown_staff', 'No such active staff member', 404);
  // The person's choices (language, the gender of who calls) hold whoever assigns.
  const targetActor: Actor = {
    id: target.id,
    role: 'caseworker',
    queues: target.queues.split(','),
    languages: target.languages.split(','),
    gender: target.gender === 'f' || target.gender === 'm' ? target.gender : null,
  };
  if (!canWork(targetActor, intake)) throw new AppError('not_their_queue', 'That staff member does not work this queue or language, or is not the caller the person asked for', 409);
  if (intake.claimedById === target.id) return { intakeId, caseload: await caseloadCount(deps, target.id), overridden: false };
  const held = await caseloadCount(deps, target.id);
  const overridden = held >= config.CASELOAD_LIMIT;
  if (overridden && !override) throw new AppError('caseload_limit', `That staff member is at the caseload limit (${held}/${config.CASELOAD_LIMIT})`, 409);
  await prisma.$transaction(async (tx) => {
    const updated = await tx.intake.updateMany({
      where: { id: intakeId, status: intake.status, claimedById: intake.claimedById },
      data: { status: 'claimed', claimedById: target.id, claimedAt: now },
    });
    if (updated.count !== 1) throw new AppError('conflict', 'This intake changed meanwhile', 409);
    await tx.auditEvent.create({
      data: {
        intakeId,
        action: overridden ? 'intake.reassigned_override' : 'intake.reassigned',
        actor: staffActor(actor),
        detail: JSON.stringify({ from: intake.claimedById, to: target.id }),
        at: now,
      },
    });
  });
  return { intakeId, caseload: held + 1, overridden };
}
