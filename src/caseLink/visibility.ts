import { isSupervisor, type Actor } from './types';

/** The fields a visibility decision needs. */
export interface VisibleIntake {
  queue: string;
  language: string;
  callerGender: string;
  claimedById: string | null;
}

/**
 * Whether `actor` may see and claim `intake`: a queue and a language of theirs, and
 * the caller gender the person asked for (a child can choose who calls back).
 * Supervisors and admins see every queue; a claimer always sees their own intake.
 */
export function canSee(actor: Actor, intake: VisibleIntake): boolean {
  if (intake.claimedById === actor.id || isSupervisor(actor)) return true;
  return canWork(actor, intake);
}

/** Queue, language and caller gender match (what claiming needs, even for a supervisor claiming for themselves). */
export function canWork(actor: Actor, intake: Omit<VisibleIntake, 'claimedById'>): boolean {
  if (!actor.queues.includes(intake.queue) || !actor.languages.includes(intake.language)) return false;
  if (intake.callerGender === 'female') return actor.gender === 'f';
  if (intake.callerGender === 'male') return actor.gender === 'm';
  return true;
}

/** Prisma filter equivalent of `canWork` for listing a queue. */
export function workableWhere(actor: Actor) {
  const genders = ['any', ...(actor.gender === 'f' ? ['female'] : actor.gender === 'm' ? ['male'] : [])];
  return { queue: { in: actor.queues }, language: { in: actor.languages }, callerGender: { in: genders } };
}
