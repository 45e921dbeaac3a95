import { queueFor } from '../config';
import { generateLabel, generateReference, referenceHash } from './referenceCode';
import { Prisma } from '../generated/prisma/client';
import { OPEN_STATUSES, type CaseLinkDeps } from './types';

export interface CreateIntakeOptions {
  channel: string;
  /** HMAC of the channel session: a retried request finds the intake already made. */
  sessionHash: string;
  /** HMAC of the address that made the request. */
  requesterHash: string;
  /** The number to call back, normalised (E.164); sealed, never stored in clear. */
  contact: string;
  subject: 'self' | 'self_minor' | 'child' | 'other';
  /** What the person wants to talk about, if they said (a need, or `none`). */
  topic?: string | null;
  language: string;
  callerGender: 'female' | 'male' | 'any';
  timeWindow: 'morning' | 'afternoon' | 'evening' | 'any';
  cover: string;
}

export type CreateIntakeResult =
  /** A new intake; `reference` is the person's code, shown to them this once and stored only as a keyed hash. */
  | { outcome: 'ok'; intakeId: string; reference: string; label: string }
  /**
   * This session already made its intake (a provider retry that raced the first, a
   * replayed path): nothing more is created, and its code cannot be shown again.
   */
  | { outcome: 'exists'; intakeId: string }
  | { outcome: 'limit' };

const MAX_REFERENCE_TRIES = 8;

/**
 * Creates a pending intake with the contact sealed under the intake id.
 * Idempotent: a retried webhook finds the intake already created for this session (`exists`).
 * A number that already has too many open requests gets `limit` instead of a new intake.
 */
export async function createIntake(deps: CaseLinkDeps, options: CreateIntakeOptions): Promise<CreateIntakeResult> {
  const { prisma, keyring, config, clock, randomBytes } = deps;
  const now = clock();
  const contactHash = keyring.hash(options.contact);
  // Two statements on the usual path: the open-request count, then one insert. A retry
  // of this session is not counted against itself; its insert meets the unique
  // session hash below. The count is plain SQL (portable to PostgreSQL): on this
  // hot path it costs a fraction of a compiled Prisma query.
  const [{ n }] = await prisma.$queryRaw<Array<{ n: number | bigint }>>`
    SELECT COUNT(*) AS n FROM "OpenContact" o JOIN "Intake" i ON i."id" = o."intakeId"
    WHERE i."status" IN (${Prisma.join(OPEN_STATUSES)}) AND i."sessionHash" <> ${options.sessionHash}
      AND (o."requesterHash" = ${options.requesterHash} OR o."contactHash" = ${contactHash})`;
  const open = Number(n);
  if (open >= config.MAX_OPEN_REQUESTS) {
    await prisma.auditEvent.create({
      data: { action: 'intake.refused', actor: 'requester', detail: JSON.stringify({ reason: 'open_limit', channel: options.channel }), at: now },
    });
    return { outcome: 'limit' };
  }

  for (let attempt = 0; attempt < MAX_REFERENCE_TRIES; attempt += 1) {
    const id = randomBytes(16).toString('hex');
    const reference = generateReference(randomBytes);
    const label = generateLabel(randomBytes);
    const sealed = keyring.seal(options.contact, id);
    try {
      await prisma.intake.create({
        data: {
          id,
          referenceHash: referenceHash(keyring, reference),
          label,
          status: 'pending',
          queue: queueFor(config, options.subject, options.topic),
          channel: options.channel,
          subject: options.subject,
          topic: options.topic ?? null,
          language: options.language,
          callerGender: options.callerGender,
          timeWindow: options.timeWindow,
          cover: options.cover,
          sessionHash: options.sessionHash,
          // The sealed number and its lookup hashes live beside the intake only while it is open (see OpenContact).
          openContact: {
            create: { sealedContact: sealed.ciphertext, contactNonce: sealed.nonce, contactKeyId: sealed.keyId, requesterHash: options.requesterHash, contactHash },
          },
          createdAt: now,
          expiresAt: new Date(now.getTime() + config.INTAKE_TTL_HOURS * 3_600_000),
          // The audit entry is written in the same statement batch, atomically.
          events: { create: { action: 'intake.created', actor: 'requester', detail: JSON.stringify({ channel: options.channel }), at: now } },
        },
        select: { id: true },
      });
      return { outcome: 'ok', intakeId: id, reference, label };
    } catch (error) {
      if ((error as { code?: string }).code !== 'P2002') throw error;
      // This session already has its intake (a retry, or a concurrent retry that won the race).
      const raced = await prisma.intake.findUnique({ where: { sessionHash: options.sessionHash }, select: { id: true } });
      if (raced) return { outcome: 'exists', intakeId: raced.id };
      // Otherwise the reference code or the label collided: draw again.
    }
  }
  throw new Error('createIntake: could not draw a free reference code and label');
}
