import { AppError } from './appError';
import { assertClaimer, assertInTime, loadIntakeFor } from './deskIntake';
import { staffActor, type Actor, type DeskDeps } from './types';

export interface RevealContactOptions {
  intakeId: string;
  actor: Actor;
  /** Where the number is shown (api, console, telegram): kept in the audit entry. */
  via: string;
}

const HOUR_MS = 3_600_000;

/**
 * The only way staff-facing code gets a callback number: to the claimer only, each
 * reveal (and each refused attempt) written to the audit log, at most REVEAL_RATE_LIMIT reveals an hour per
 * staff member (counted from the audit log, so it holds across instances).
 */
export async function revealContact(deps: DeskDeps, { intakeId, actor, via }: RevealContactOptions): Promise<{ contact: string; cover: string }> {
  const { prisma, keyring, config, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  const now = clock();
  const refuse = async (reason: string, error: AppError): Promise<never> => {
    await prisma.auditEvent.create({ data: { intakeId, action: 'contact.reveal_refused', actor: staffActor(actor), detail: JSON.stringify({ reason, via }), at: now } });
    throw error;
  };
  try {
    assertClaimer(actor, intake);
    assertInTime(intake, now, config.INTAKE_TTL_HOURS);
  } catch (error) {
    return refuse((error as AppError).code, error as AppError);
  }
  const recent = await prisma.auditEvent.count({
    where: { action: 'contact.revealed', actor: staffActor(actor), at: { gt: new Date(now.getTime() - HOUR_MS) } },
  });
  if (recent >= config.REVEAL_RATE_LIMIT) return refuse('rate_limit', new AppError('rate_limited', 'Too many numbers revealed in the last hour', 429));
  // Read under the same condition, so that a release or reassignment since the check above reveals nothing.
  const claimed = await prisma.intake.findFirst({
    where: { id: intakeId, status: 'claimed', claimedById: actor.id, expiresAt: { gt: now } },
    select: { openContact: { select: { sealedContact: true, contactNonce: true, contactKeyId: true } } },
  });
  if (!claimed) return refuse('not_claimer', new AppError('not_claimer', 'This intake is no longer claimed by you', 409));
  const sealed = claimed.openContact;
  if (!sealed) throw new AppError('contact_gone', 'The number of this intake has been destroyed', 410);
  // Audited before the number leaves this function.
  await prisma.auditEvent.create({ data: { intakeId, action: 'contact.revealed', actor: staffActor(actor), detail: JSON.stringify({ via }), at: now } });
  const contact = keyring.unseal({ ciphertext: sealed.sealedContact, nonce: sealed.contactNonce, keyId: sealed.contactKeyId }, intakeId);
  return { contact, cover: intake.cover };
}
