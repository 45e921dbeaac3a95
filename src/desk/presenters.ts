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

type HandoffStatus = { adapter: string; status: string; attempts: number; nextAttemptAt: Date; deliveredAt: Date | null; failedAt: Date | null; lastError: string | null };

/** Why a hand-off failed or is being retried, as stored: a code and the refused fields' pointers (never values). */
export function handoffError(lastError: string | null): { code: string; pointers: string[] } | null {
  if (!lastError) return null;
  try {
    const parsed = JSON.parse(lastError) as { code?: unknown; pointers?: unknown };
    const pointers = Array.isArray(parsed.pointers) ? parsed.pointers.filter((p): p is string => typeof p === 'string') : [];
    return { code: typeof parsed.code === 'string' ? parsed.code : 'error', pointers };
  } catch {
    return { code: 'error', pointers: [] };
  }
}

/** A hand-off's state for the API: pending (with the next attempt), delivered or failed (with why). */
export function presentHandoff(handoff: HandoffStatus) {
  return {
    adapter: handoff.adapter,
    status: handoff.status,
    attempts: handoff.attempts,
    nextAttemptAt: handoff.status === 'pending' ? handoff.nextAttemptAt.toISOString() : null,
    deliveredAt: iso(handoff.deliveredAt),
    failedAt: iso(handoff.failedAt),
    error: handoffError(handoff.lastError),
  };
}

/** An intake for the API: dates as ISO strings, `claimedByMe` instead of another staff member's id, the time left; with its hand-off's state when loaded. */
export function presentIntake(intake: DeskIntake & { handoff?: HandoffStatus | null }, actor: Pick<Actor, 'id'>, now: Date) {
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
    ...(intake.handoff !== undefined ? { handoff: intake.handoff && presentHandoff(intake.handoff) } : {}),
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
