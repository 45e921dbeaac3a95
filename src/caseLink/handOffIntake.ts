import { eraseDestroyed } from '../db';
import { AppError } from './appError';
import { assertClaimer, assertInTime, loadIntakeFor, reachedInThisClaim } from './deskIntake';
import type { HandoffAdapter, HandoffPayload } from './handoff/adapter';
import { sealHandoffContact } from './handoffContact';
import { storedConsent, writeConsent, type Consent } from './recordConsent';
import { destroyedContact, destroyNumbers, staffActor, type Actor, type DeskDeps } from './types';

export interface HandOffIntakeOptions {
  intakeId: string;
  actor: Actor;
  /** The adapter that will deliver it (its name is stored with the hand-off). */
  adapter: string;
  /** The person's consent, recorded with the hand-off; without it, the consent recorded earlier (recordConsent). */
  consent?: Consent;
}

/** The refusal a hand-off without consent to services gets. */
export const CONSENT_REQUIRED = new AppError(
  'consent_required',
  'The person has not consented to services: record their consent (asked during the call) before handing off. Without it nothing is handed on.',
  409,
);

/**
 * Hands an intake off to the case-management system once the claimer has spoken
 * with the person (outcome `reached`) and recorded their consent to services: queues a
 * de-identified hand-off for delivery and forgets the number in the same transaction.
 * With consent to share the number, it is sealed again under the hand-off's id for the
 * adapter alone, until delivered or failed and at the latest when the request's time
 * runs out. Delivery is `deliverHandoffs`.
 */
export async function handOffIntake(
  deps: Pick<DeskDeps, 'prisma' | 'keyring' | 'clock' | 'randomBytes' | 'config' | 'events'> & { handoffAdapter?: Pick<HandoffAdapter, 'name' | 'refusal' | 'carriesNumber'> },
  { intakeId, actor, adapter, consent: given }: HandOffIntakeOptions,
): Promise<{ handoffId: string }> {
  const { prisma, keyring, clock, randomBytes } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake);
  if (!reachedInThisClaim(intake)) throw new AppError('not_reached', 'Record that the person was reached before handing off', 409);
  const now = clock();
  assertInTime(intake, now, deps.config.INTAKE_TTL_HOURS);
  const consent = given ? { ...given, recordedAt: now } : storedConsent(intake);
  if (!consent?.services) throw CONSENT_REQUIRED;
  const payload: HandoffPayload = {
    label: intake.label,
    queue: intake.queue,
    language: intake.language,
    outcome: intake.lastOutcome,
    createdAt: intake.createdAt.toISOString(),
    claimedAt: intake.claimedAt?.toISOString() ?? null,
    firstCallAt: intake.firstCallAt?.toISOString() ?? null,
    handedOffAt: now.toISOString(),
    consent: { services: consent.services, shareWithOrganisations: consent.shareWithOrganisations, shareNumber: consent.shareNumber, recordedAt: consent.recordedAt.toISOString() },
  };
  // Asked before the number is destroyed: a hand-off that could never arrive is refused, and the request stays open.
  const refusal = deps.handoffAdapter?.name === adapter ? deps.handoffAdapter.refusal?.(payload) : undefined;
  if (refusal) throw new AppError('handoff_unroutable', refusal, 409);
  const handoffId = randomBytes(16).toString('hex');
  // The number is kept for the adapter only when the person agreed and the adapter sends it (Primero; the webhook never does).
  const keepNumber = consent.shareNumber && deps.handoffAdapter?.name === adapter && deps.handoffAdapter.carriesNumber === true;
  // Handing off on the consent recorded earlier: it must be the same when the hand-off commits (a change recorded meanwhile, on
  // another screen or a second tap, wins: the caseworker is asked to look again).
  const unchanged = given
    ? {}
    : { consentServices: intake.consentServices, consentShareOrgs: intake.consentShareOrgs, consentShareNumber: intake.consentShareNumber, consentRecordedAt: intake.consentRecordedAt };
  await prisma.$transaction(async (tx) => {
    if (given) await writeConsent(tx, intakeId, actor, given, now);
    const open = keepNumber ? await tx.openContact.findUnique({ where: { intakeId }, select: { sealedContact: true, contactNonce: true, contactKeyId: true } }) : null;
    const updated = await tx.intake.updateMany({
      where: { id: intakeId, status: 'claimed', claimedById: actor.id, expiresAt: { gt: now }, ...unchanged },
      data: { status: 'handed_off', handedOffAt: now, endedAt: now, closeReason: 'handed_off', ...destroyedContact(now) },
    });
    if (updated.count !== 1) {
      const still = await tx.intake.count({ where: { id: intakeId, status: 'claimed', claimedById: actor.id, expiresAt: { gt: now } } });
      if (still === 1) throw new AppError('consent_changed', 'The consent recorded for this request changed while handing off: check it and hand off again', 409);
      throw new AppError('not_claimer', 'This intake is no longer claimed by you', 409);
    }
    await destroyNumbers(tx, [intakeId]);
    await tx.handoff.create({ data: { id: handoffId, intakeId, adapter, payload: JSON.stringify(payload), status: 'pending', nextAttemptAt: now, createdAt: now } });
    if (open) {
      const number = keyring.unseal({ ciphertext: open.sealedContact, nonce: open.contactNonce, keyId: open.contactKeyId }, intakeId);
      // Kept no longer than the request itself was promised (INTAKE_TTL_HOURS after it was made).
      await tx.handoffContact.create({ data: { handoffId, ...sealHandoffContact(keyring, handoffId, number), destroyBy: intake.expiresAt } });
    }
    await tx.auditEvent.create({
      data: { intakeId, action: 'intake.handed_off', actor: staffActor(actor), detail: JSON.stringify({ adapter, consent: payload.consent, numberPassedOn: Boolean(open) }), at: now },
    });
  });
  await eraseDestroyed(prisma);
  deps.events?.count('handed_off');
  return { handoffId };
}
