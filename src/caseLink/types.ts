import type { Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../generated/prisma/client';

/** What happens to requests, as counted by the metrics (`passerelle_intake_events_total`). */
export type IntakeEvent = 'created' | 'refused_limit' | 'claimed' | 'closed' | 'cancelled' | 'expired' | 'handed_off';

/** Where caseLink counts what happened (the metrics); nothing of the person goes there. */
export interface IntakeEvents {
  count(event: IntakeEvent, n?: number): void;
}

/** What every caseLink operation needs; clock and randomness are injected for tests. */
export interface CaseLinkDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  config: Pick<Config, 'QUEUE_ROUTES' | 'INTAKE_TTL_HOURS' | 'MAX_OPEN_REQUESTS'>;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
  events?: IntakeEvents;
}

/** Intake states in which a person may still be called. */
export const OPEN_STATUSES = ['pending', 'claimed'];
/** States after which the sealed contact must be gone. */
export const ENDED_STATUSES = ['closed', 'cancelled', 'expired', 'handed_off'];

/**
 * The field an intake keeps of a destroyed number: when it was destroyed. The number
 * itself goes in the same transaction (`destroyNumbers`), and its bytes are erased after
 * the commit (`eraseDestroyed`).
 */
export function destroyedContact(now: Date) {
  return { contactDestroyedAt: now };
}

/**
 * Destroys these intakes' numbers: deletes their OpenContact rows, the sealed number and
 * the lookup hashes of the requester's address and of the number, which serve only while
 * a request is open.
 */
export function destroyNumbers(tx: Pick<PrismaClient, 'openContact'>, intakeIds: string[]) {
  return tx.openContact.deleteMany({ where: { intakeId: { in: intakeIds } } });
}

/** The desk settings caseLink's staff operations read. */
export type DeskConfig = Pick<
  Config,
  | 'CASELOAD_LIMIT'
  | 'CASELOAD_WARNING'
  | 'SUPERVISION_WARNING'
  | 'SUPERVISION_LIMIT'
  | 'STALE_CLAIM_HOURS'
  | 'MAX_CALL_ATTEMPTS'
  | 'REVEAL_RATE_LIMIT'
  | 'AUDIT_RETENTION_DAYS'
  | 'STATS_MIN_CELL'
  | 'STATS_ROUNDING'
  | 'INTAKE_TTL_HOURS'
  | 'TIME_ZONE'
>;

/** What the staff operations (claim, reveal, outcome, close, ...) need. */
export interface DeskDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  config: DeskConfig;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
  events?: IntakeEvents;
}

export const STAFF_ROLES = ['caseworker', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The staff member acting, as the desk's edges resolved it (never from client input). */
export interface Actor {
  id: string;
  role: StaffRole;
  queues: string[];
  languages: string[];
  gender: 'f' | 'm' | null;
}

/** Outcomes of a call attempt. */
export const OUTCOMES = ['reached', 'no_answer', 'unsafe', 'wrong_number', 'declined'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why an intake was closed: codes only, never free text about the person. */
export const CLOSE_REASONS = ['resolved', 'referred', 'declined', 'wrong_number', 'duplicate', 'unreachable', 'not_eligible', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Supervisors and admins oversee every queue and may override limits. */
export function isSupervisor(actor: Pick<Actor, 'role'>): boolean {
  return actor.role === 'supervisor' || actor.role === 'admin';
}

/** The audit actor string of a staff member. */
export function staffActor(actor: Pick<Actor, 'id'>): string {
  return `staff:${actor.id}`;
}
