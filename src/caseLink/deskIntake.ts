import { AppError } from './appError';
import { INTAKE_PUBLIC_FIELDS } from './listIntakes';
import { canSee } from './visibility';
import { isSupervisor, type Actor, type DeskDeps } from './types';

/** The fields of an intake the desk shows: never the contact, its hashes or the requester. */
export const DESK_INTAKE_FIELDS = {
  ...INTAKE_PUBLIC_FIELDS,
  claimedById: true,
  claimedAt: true,
  attempts: true,
  lastOutcome: true,
  firstCallAt: true,
  closeReason: true,
  handedOffAt: true,
  lastOutcomeAt: true,
  consentServices: true,
  consentShareOrgs: true,
  consentShareNumber: true,
  consentRecordedAt: true,
} as const;

/** Loads an intake for a staff operation; unknown or invisible ids are both 404 (no probing). */
export async function loadIntakeFor(deps: Pick<DeskDeps, 'prisma'>, actor: Actor, intakeId: string) {
  const intake = await deps.prisma.intake.findUnique({ where: { id: intakeId }, select: DESK_INTAKE_FIELDS });
  if (!intake || !canSee(actor, intake)) throw new AppError('not_found', 'No such intake', 404);
  return intake;
}

/** Refuses unless `actor` holds the claim on `intake` (a supervisor may act on any claimed intake when `supervisorMay`). */
export function assertClaimer(actor: Actor, intake: { status: string; claimedById: string | null }, supervisorMay = false): void {
  if (intake.status !== 'claimed') throw new AppError('not_claimed', 'This intake is not claimed', 409);
  if (intake.claimedById === actor.id) return;
  if (supervisorMay && isSupervisor(actor)) return;
  throw new AppError('not_claimer', 'Only the staff member who claimed this intake may do that', 403);
}

/**
 * Refuses to work on a request whose time has run out (INTAKE_TTL_HOURS after it was
 * made), claimed or not, even before the purge has expired it: its number is as good as
 * destroyed, as the person was promised.
 */
export function assertInTime(intake: { expiresAt: Date }, now: Date, hours: number): void {
  if (intake.expiresAt <= now) throw new AppError('expired', `This request has expired: its number is destroyed ${hours} h after the request`, 409);
}

/**
 * Whether the person was reached during the current claim: an outcome recorded in an
 * earlier claim (before a release, a reassignment or a return to the queue) is someone
 * else's call, and what the person agreed to then is not asked again by nobody.
 */
export function reachedInThisClaim(intake: { lastOutcome: string | null; lastOutcomeAt: Date | null; claimedAt: Date | null }): boolean {
  return intake.lastOutcome === 'reached' && intake.lastOutcomeAt !== null && intake.claimedAt !== null && intake.lastOutcomeAt >= intake.claimedAt;
}

export type DeskIntake = Awaited<ReturnType<typeof loadIntakeFor>>;

/** Active (claimed) intakes held by a staff member. */
export function caseloadCount(deps: Pick<DeskDeps, 'prisma'>, staffId: string): Promise<number> {
  return deps.prisma.intake.count({ where: { status: 'claimed', claimedById: staffId } });
}
