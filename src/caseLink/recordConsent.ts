import type { Prisma } from '../generated/prisma/client';
import { AppError } from './appError';
import { assertClaimer, assertInTime, loadIntakeFor, reachedInThisClaim } from './deskIntake';
import { staffActor, type Actor, type DeskDeps } from './types';

/** What the person agreed to on the phone (each answer asked aloud by the caseworker). */
export interface Consent {
  /** to receive services: without it nothing is handed off */
  services: boolean;
  /** to have their case shared with another organisation */
  shareWithOrganisations: boolean;
  /** to have their number passed on to the case-management system */
  shareNumber: boolean;
}

export interface RecordConsentOptions {
  intakeId: string;
  actor: Actor;
  consent: Consent;
}

/**
 * The consent recorded during the current (or last) claim, or null. Answers recorded by
 * another caseworker in an earlier claim (before a release, a reassignment, a return to the
 * queue) do not count: consent is asked by whoever calls, on that call.
 */
export function storedConsent(intake: {
  claimedAt: Date | null;
  consentServices: boolean | null;
  consentShareOrgs: boolean | null;
  consentShareNumber: boolean | null;
  consentRecordedAt: Date | null;
}): (Consent & { recordedAt: Date }) | null {
  if (intake.consentRecordedAt === null || intake.consentServices === null || intake.claimedAt === null || intake.consentRecordedAt < intake.claimedAt) return null;
  return { services: intake.consentServices, shareWithOrganisations: intake.consentShareOrgs === true, shareNumber: intake.consentShareNumber === true, recordedAt: intake.consentRecordedAt };
}

/** The columns and the audit row of a consent recorded now, written in the caller's transaction. */
export async function writeConsent(tx: Prisma.TransactionClient, intakeId: string, actor: Actor, consent: Consent, now: Date): Promise<void> {
  const updated = await tx.intake.updateMany({
    where: { id: intakeId, status: 'claimed', claimedById: actor.id },
    data: { consentServices: consent.services, consentShareOrgs: consent.shareWithOrganisations, consentShareNumber: consent.shareNumber, consentRecordedAt: now },
  });
  if (updated.count !== 1) throw new AppError('not_claimer', 'This intake is no longer claimed by you', 409);
  await tx.auditEvent.create({
    data: {
      intakeId,
      action: 'intake.consent',
      actor: staffActor(actor),
      detail: JSON.stringify({ services: consent.services, shareWithOrganisations: consent.shareWithOrganisations, shareNumber: consent.shareNumber }),
      at: now,
    },
  });
}

/**
 * Records what the person agreed to during the call, before a hand-off: the claimer
 * only, after the person was reached, while the request is in time. Recording again
 * replaces the earlier answers (each recording is audited).
 */
export async function recordConsent(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock'>, { intakeId, actor, consent }: RecordConsentOptions): Promise<Consent & { recordedAt: Date }> {
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake);
  if (!reachedInThisClaim(intake)) throw new AppError('not_reached', 'Record that the person was reached before recording their consent', 409);
  const now = deps.clock();
  assertInTime(intake, now, deps.config.INTAKE_TTL_HOURS);
  await deps.prisma.$transaction((tx) => writeConsent(tx, intakeId, actor, consent, now));
  return { ...consent, recordedAt: now };
}
