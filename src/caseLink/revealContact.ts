import { AppError } from './appError';
import { assertClaimer, loadIntakeFor } from './deskIntake';
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
 * reveal written to the audit log, at most REVEAL_RATE_LIMIT reveals an hour per
 * staff member (counted from the audit log, so it holds across instances).
 */
export async function revealContact(deps: DeskDeps, { intakeId, actor, via }: RevealContactOptions): Promise<{ contact: string; cover: string }> {
  const { prisma, keyring, config, clock } = deps;
  const intake = await loadIntakeFor(deps, actor, intakeId);
  assertClaimer(actor, intake);
  const now = clock();
  const recent = await prisma.auditEvent.count({
    where: { action: 'contact.revealed', actor: staffActor(actor), at: { gt: new Date(now.getTime() - HOUR_MS) } },
  });
  if (recent >= config.REVEAL_RATE_LIMIT) {
    await prisma.auditEvent.create({ data: { intakeId, action: 'contact.reveal_refused', actor: staffActor(actor), detail: JSON.stringify({ reason: 'rate_limit', via }), at: now } });
    throw new AppError('rate_limited', 'Too many numbers revealed in the last hour', 429);
  }
  const sealed = await prisma.intake.findUnique({ where: { id: intakeId }, select: { sealedContact: true, contactNonce: true, contactKeyId: true } });
  if (!sealed?.sealedContact || !sealed.contactNonce || !sealed.contactKeyId) throw new AppError('contact_gone', 'The number of this intake has been destroyed', 410);
  const contact = keyring.unseal({ ciphertext: sealed.sealedContact, nonce: sealed.contactNonce, keyId: sealed.contactKeyId }, intakeId);
  await prisma.auditEvent.create({ data: { intakeId, action: 'contact.revealed', actor: staffActor(actor), detail: JSON.stringify({ via }), at: now } });
  return { contact, cover: intake.cover };
}
