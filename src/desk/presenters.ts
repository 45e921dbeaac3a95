import type { DeskIntake } from '../caseLink/deskIntake';
import { storedConsent } from '../caseLink/recordConsent';
import type { SupervisionOverview } from '../caseLink/supervisionOverview';
import type { Actor } from '../caseLink/types';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Minutes until an open request's number is destroyed (INTAKE_TTL_HOURS after the request); null once it has ended. */
export function minutesLeft(intake: Pick<DeskIntake, 'status' | 'expiresAt'>, now: Date): number | null {
  if (intake.status !== 'pending' && intake.status !== 'claimed') return null;
  return Math.max(0, Math.floor((intake.expiresAt.getTime() - now.getTime()) / 60_000));
}

/** An intake for the API: dates as ISO strings, `claimedByMe` instead of another staff member's id, the time left. */
export function presentIntake(intake: DeskIntake, actor: Pick<Actor, 'id'>, now: Date) {
  return {
    id: intake.id,
    label: intake.label,
    status: intake.status,
    queue: intake.queue,
    channel: intake.channel,
    subject: intake.subject,
    topic: intake.topic,
    language: intake.language,
    callerGender: intake.callerGender,
    timeWindow: intake.timeWindow,
    cover: intake.cover,
    createdAt: intake.createdAt.toISOString(),
    expiresAt: intake.expiresAt.toISOString(),
    timeLeftMinutes: minutesLeft(intake, now),
    endedAt: iso(intake.endedAt),
    claimedByMe: intake.claimedById === actor.id,
    claimedAt: iso(intake.claimedAt),
    attempts: intake.attempts,
    lastOutcome: intake.lastOutcome,
    firstCallAt: iso(intake.firstCallAt),
    closeReason: intake.closeReason,
    handedOffAt: iso(intake.handedOffAt),
    consent: presentConsent(intake),
  };
}

/** The recorded consent for the API, or null when none was recorded. */
function presentConsent(intake: DeskIntake) {
  const consent = storedConsent(intake);
  return consent && { services: consent.services, shareWithOrganisations: consent.shareWithOrganisations, shareNumber: consent.shareNumber, recordedAt: consent.recordedAt.toISOString() };
}

/** The supervisor's overview for the API: dates as ISO strings (it holds no contact detail to leave out). */
export function presentOverview(o: SupervisionOverview) {
  const intake = (i: SupervisionOverview['queue']['nearExpiryIntakes'][number]) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() });
  return {
    ...o,
    generatedAt: o.generatedAt.toISOString(),
    queue: {
      ...o.queue,
      oldestPendingAt: iso(o.queue.oldestPendingAt),
      byQueue: o.queue.byQueue.map((q) => ({ ...q, oldestCreatedAt: q.oldestCreatedAt.toISOString() })),
      nearExpiryIntakes: o.queue.nearExpiryIntakes.map(intake),
    },
    staleClaims: o.staleClaims.map((s) => ({ ...intake(s), claimedAt: s.claimedAt.toISOString(), announcedAt: iso(s.announcedAt) })),
  };
}
