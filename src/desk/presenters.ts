import type { DeskIntake } from '../caseLink/deskIntake';
import type { Actor } from '../caseLink/types';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** An intake for the API: dates as ISO strings, `claimedByMe` instead of another staff member's id. */
export function presentIntake(intake: DeskIntake, actor: Pick<Actor, 'id'>) {
  return {
    id: intake.id,
    label: intake.label,
    status: intake.status,
    queue: intake.queue,
    channel: intake.channel,
    subject: intake.subject,
    language: intake.language,
    callerGender: intake.callerGender,
    timeWindow: intake.timeWindow,
    cover: intake.cover,
    createdAt: intake.createdAt.toISOString(),
    expiresAt: intake.expiresAt.toISOString(),
    endedAt: iso(intake.endedAt),
    claimedByMe: intake.claimedById === actor.id,
    claimedAt: iso(intake.claimedAt),
    attempts: intake.attempts,
    lastOutcome: intake.lastOutcome,
    firstCallAt: iso(intake.firstCallAt),
    closeReason: intake.closeReason,
    handedOffAt: iso(intake.handedOffAt),
  };
}
