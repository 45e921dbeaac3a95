import { queueFor } from '../config';
import { generateLabel, generateReference, referenceHash } from './referenceCode';
import { Prisma } from '../generated/prisma/client';
import { OPEN_STATUSES, type CaseLinkDeps } from './types';
import { engineOfClient } from '../db';

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
  const { prisma, keyring, randomBytes } = deps;
  const contactHash = keyring.hash(options.contact);
  for (let attempt = 0; attempt < MAX_REFERENCE_TRIES; attempt += 1) {
    const drawn = { id: randomBytes(16).toString('hex'), reference: generateReference(randomBytes), label: generateLabel(randomBytes) };
    try {
      // The count and the insert are one transaction, serialised per number by the database
      // (SQLite: one writer; PostgreSQL: advisory locks on the two hashes): two requests naming
      // the same number at the same moment, on one instance or two, never both pass the limit.
      const result = await prisma.$transaction((tx) => countThenInsert(deps, tx as unknown as typeof prisma, options, contactHash, drawn), TRANSACTION_OPTIONS);
      deps.events?.count(result.outcome === 'ok' ? 'created' : 'refused_limit');
      return result;
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

/** Requests wait for each other per number; a burst on one SQLite writer queues (seconds at most). */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

async function countThenInsert(
  deps: CaseLinkDeps,
  tx: CaseLinkDeps['prisma'],
  options: CreateIntakeOptions,
  contactHash: string,
  { id, reference, label }: { id: string; reference: string; label: string },
): Promise<CreateIntakeResult> {
  const { keyring, config, clock } = deps;
  if (engineOfClient(deps.prisma) === 'postgresql') {
    // Taken in one order, so two requests never wait on each other's second number; released at commit.
    for (const hash of [...new Set([options.requesterHash, contactHash])].sort()) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${hash}, 0))`;
    }
  }
  const now = clock();
  // A retry of this session is not counted against itself; its insert meets the unique
  // session hash. The count is plain SQL (both engines): on this hot path it costs a
  // fraction of a compiled Prisma query.
  const [{ n }] = await tx.$queryRaw<Array<{ n: number | bigint }>>`
    SELECT COUNT(*) AS n FROM "OpenContact" o JOIN "Intake" i ON i."id" = o."intakeId"
    WHERE i."status" IN (${Prisma.join(OPEN_STATUSES)}) AND i."sessionHash" <> ${options.sessionHash}
      AND (o."requesterHash" = ${options.requesterHash} OR o."contactHash" = ${contactHash})`;
  if (Number(n) >= config.MAX_OPEN_REQUESTS) {
    await tx.auditEvent.create({
      data: { action: 'intake.refused', actor: 'requester', detail: JSON.stringify({ reason: 'open_limit', channel: options.channel }), at: now },
    });
    return { outcome: 'limit' };
  }
  const sealed = keyring.seal(options.contact, id);
  await tx.intake.create({
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
      events: { create: { action: 'intake.created', actor: 'requester', detail: JSON.stringify({ channel: options.channel }), at: now } },
    },
    select: { id: true },
  });
  return { outcome: 'ok', intakeId: id, reference, label };
}
