import type { Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../generated/prisma/client';

/** What every caseLink operation needs; clock and randomness are injected for tests. */
export interface CaseLinkDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  config: Pick<Config, 'QUEUE_ROUTES' | 'INTAKE_TTL_HOURS' | 'MAX_OPEN_REQUESTS'>;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
}

/** Intake states in which a person may still be called. */
export const OPEN_STATUSES = ['pending', 'claimed'];
/** States after which the sealed contact must be gone. */
export const ENDED_STATUSES = ['closed', 'cancelled', 'expired', 'handed_off'];

/** Fields that destroy an intake's contact, in one update. */
export function destroyedContact(now: Date) {
  return { sealedContact: null, contactNonce: null, contactKeyId: null, contactHash: null, contactDestroyedAt: now };
}
