import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { FEEDBACK_QUESTIONS, type FeedbackQuestion } from '../../caseLink/recordFeedback';
import { CLOSE_REASONS, OUTCOMES, STAFF_ROLES } from '../../caseLink/types';

extendZodWithOpenApi(z);

/** Intake ids are 32 hex characters; anything else is unknown (404), never echoed. */
export const IntakeIdParam = z.object({ id: z.string().openapi({ example: '3f2a9c0d4e5b6a7980f1e2d3c4b5a697' }) });

export const ClaimBody = z.strictObject({ override: z.boolean().optional().openapi({ description: 'Supervisors only: claim past the caseload limit (audited).' }) }).openapi('ClaimBody');
export const OutcomeBody = z.strictObject({ outcome: z.enum(OUTCOMES) }).openapi('OutcomeBody');
/** What the person agreed to on the phone, each asked aloud during the call. */
export const ConsentBody = z
  .strictObject({
    services: z.boolean().openapi({ description: 'The person agrees to receive services. Without it a hand-off is refused (409).' }),
    shareWithOrganisations: z.boolean().openapi({ description: 'The person agrees that their case is shared with another organisation (Primero: disclosure_other_orgs).' }),
    shareNumber: z.boolean().openapi({ description: 'The person agrees that their number is passed on to the case-management system (Primero: telephone_current); otherwise it is never sent.' }),
  })
  .openapi('Consent');
export const HandoffBody = z
  .strictObject({ consent: ConsentBody.optional().openapi({ description: 'The consent, recorded with the hand-off; without it, the consent recorded earlier (POST …/consent).' }) })
  .openapi('HandoffBody');
export const CloseBody = z.strictObject({ reason: z.enum(CLOSE_REASONS) }).openapi('CloseBody');
export const ReassignBody = z.strictObject({ staffId: z.string().min(1).max(64), override: z.boolean().optional() }).openapi('ReassignBody');
/**
 * Statistics are published for whole calendar months only: two periods never partly
 * overlap, so no pair of answers can be subtracted to recover a suppressed cell (with
 * arbitrary ranges, many overlapping pairs average the rounding away).
 */
export const StatsQuery = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a calendar month such as 2026-11')
    .optional()
    .openapi({ description: 'The calendar month (UTC), default the current one. Arbitrary date ranges are not offered: overlapping ranges could be subtracted.', example: '2026-11' }),
});

/** Staff ids are 24 hex characters. */
export const StaffIdParam = z.object({ id: z.string().openapi({ example: '5f1c2a9d0b3e4f5a6b7c8d9e' }) });
export const NewStaffBody = z
  .strictObject({
    name: z.string().trim().min(2).max(80),
    role: z.enum(STAFF_ROLES),
    queues: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)).min(1),
    languages: z.array(z.string().regex(/^[a-z]{2,3}$/)).min(1),
    gender: z.enum(['f', 'm']).optional(),
    password: z.string().min(10).max(200).optional().openapi({ description: 'A console password (at least 10 characters); without it the account uses the API and Telegram only.' }),
    supervisorId: z.string().min(1).max(64).optional().openapi({ description: "A caseworker's supervisor: an active supervisor or admin account, under SUPERVISION_LIMIT caseworkers." }),
  })
  .openapi('NewStaff');
export const SupervisorBody = z
  .strictObject({
    supervisorId: z.string().min(1).max(64).nullable().openapi({ description: 'An active supervisor or admin account id; null removes the supervisor.' }),
    override: z.boolean().optional().openapi({ description: 'Assign past SUPERVISION_LIMIT caseworkers (audited).' }),
  })
  .openapi('SupervisorBody');
export const SupervisorResult = z
  .object({
    id: z.string(),
    supervisorId: z.string().nullable(),
    caseworkers: z.number().int().nullable().openapi({ description: 'Active caseworkers the supervisor now supports' }),
    overridden: z.boolean(),
    changed: z.boolean(),
  })
  .openapi('SupervisorResult');
export const PasswordBody = z.strictObject({ password: z.string().min(10).max(200) }).openapi('PasswordBody');
export const StaffView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(STAFF_ROLES),
    queues: z.array(z.string()),
    languages: z.array(z.string()),
    gender: z.enum(['f', 'm']).nullable(),
    active: z.boolean(),
    consolePassword: z.boolean(),
    telegramLinked: z.boolean(),
    supervisorId: z.string().nullable(),
    supervisor: z.string().nullable().openapi({ description: "The supervisor's name" }),
    createdAt: z.string(),
  })
  .openapi('Staff');
export const StaffList = z.object({ staff: z.array(StaffView) }).openapi('StaffList');
export const TokenResult = z.object({ id: z.string(), token: z.string().openapi({ description: 'The API token, shown this once (only its hash is stored).' }) }).openapi('TokenResult');
export const DeactivateResult = z.object({ id: z.string(), claimsReleased: z.number().int(), sessionsEnded: z.number().int() }).openapi('DeactivateResult');

export const ErrorResponse = z.object({ error: z.object({ code: z.string().openapi({ example: 'already_claimed' }), message: z.string() }) }).openapi('Error');

const nullableDate = z.string().nullable();
/** Where a hand-off stands: the case-management system has it, it is being retried, or it failed for good (and why). */
export const HandoffStatusView = z
  .object({
    adapter: z.string().openapi({ description: 'builtin, webhook or primero' }),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: nullableDate.openapi({ description: 'While pending: when it is tried next' }),
    deliveredAt: nullableDate,
    failedAt: nullableDate,
    error: z
      .object({
        code: z.string().openapi({
          example: 'invalid_fields',
          description:
            "invalid_fields (Primero refused fields: see pointers), primero_401 / primero_403 (the API user was refused: tell the administrator), no_module, gave_up_<last error> after the last attempt, or while pending the last attempt's error (timeout, network, http_503, ...)",
        }),
        pointers: z.array(z.string()).openapi({ example: ['/language/0'], description: 'The refused fields as JSON pointers; never their values' }),
      })
      .nullable(),
  })
  .openapi('HandoffStatus');
/** An intake as the desk shows it: never a number, a hash or a requester. */
export const IntakeView = z
  .object({
    id: z.string(),
    label: z.string().openapi({ example: 'KXM-TRB', description: "What staff call the request. The person's reference code is theirs alone and never shown to staff." }),
    status: z.enum(['pending', 'claimed', 'closed', 'cancelled', 'expired', 'handed_off']),
    queue: z.string(),
    channel: z.string(),
    subject: z.enum(['self', 'self_minor', 'child', 'other']).openapi({ description: 'self_minor: the person, under 18 (routed to child protection)' }),
    topic: z
      .string()
      .nullable()
      .openapi({ description: 'What the person wants to talk about, if they said: medical, psychosocial, legal, safe_space, child_protection, migrants, none. Never what happened.' }),
    language: z.string(),
    callerGender: z.enum(['female', 'male', 'any']),
    timeWindow: z.enum(['morning', 'afternoon', 'evening', 'any']),
    cover: z.string().openapi({ description: 'How the caller introduces themselves (a cover key).' }),
    createdAt: z.string(),
    expiresAt: z.string().openapi({ description: 'When the number is destroyed if the request is still open: INTAKE_TTL_HOURS after the request, whatever its status' }),
    timeLeftMinutes: z.number().int().nullable().openapi({ description: 'Minutes until expiresAt; null once the request has ended' }),
    endedAt: nullableDate,
    claimedByMe: z.boolean(),
    claimedAt: nullableDate,
    attempts: z.number().int(),
    lastOutcome: z.enum(OUTCOMES).nullable(),
    firstCallAt: nullableDate,
    closeReason: z.string().nullable(),
    handedOffAt: nullableDate,
    consent: ConsentBody.extend({ recordedAt: z.string() }).nullable().openapi({ description: 'What the person agreed to, as recorded during the call; null until recorded.' }),
    handoff: HandoffStatusView.nullable().optional().openapi({ description: 'One intake only (not in lists): its hand-off once handed off, else null.' }),
  })
  .openapi('Intake');

export const IntakeList = z.object({ intakes: z.array(IntakeView) }).openapi('IntakeList');
export const Caseload = z
  .object({
    intakes: z.array(IntakeView),
    active: z.number().int(),
    limit: z.number().int(),
    warningFrom: z.number().int(),
    warning: z.boolean(),
    expired: z.array(IntakeView).openapi({ description: 'Requests I held that expired in the last 7 days (closeReason `retention`): their numbers were destroyed INTAKE_TTL_HOURS after the request' }),
  })
  .openapi('Caseload');
export const ClaimResult = z.object({ intake: IntakeView, caseload: z.number().int(), warning: z.boolean(), overridden: z.boolean() }).openapi('ClaimResult');
export const RevealResult = z.object({ contact: z.string().openapi({ description: 'The callback number (E.164). Audited.' }), cover: z.string() }).openapi('RevealResult');
export const OutcomeResult = z.object({ status: z.enum(['claimed', 'pending', 'expired', 'closed']), attempts: z.number().int() }).openapi('OutcomeResult');
export const Me = z
  .object({ id: z.string(), name: z.string(), role: z.enum(STAFF_ROLES), queues: z.array(z.string()), languages: z.array(z.string()), gender: z.enum(['f', 'm']).nullable() })
  .openapi('Me');
export const LinkCode = z.object({ code: z.string().openapi({ example: '48201937' }), expiresAt: z.string() }).openapi('TelegramLinkCode');
const StatCell = z.object({ key: z.string(), count: z.number().int().nullable().openapi({ description: 'null: suppressed (under the minimum cell size)' }) });
/**
 * Anonymous feedback from the people served, counted per ISO week (UTC) and channel only:
 * never linked to a request, a number or a session.
 */
const FeedbackStats = z
  .object({
    weeks: z.array(z.string()).openapi({
      description: 'The ISO weeks counted: those whose Thursday falls in the month (a week belongs to the month of its Thursday).',
      example: ['2026-W45', '2026-W46', '2026-W47', '2026-W48'],
    }),
    responses: z.number().int().nullable().openapi({ description: 'People who answered the questions to the end; null: suppressed' }),
    byWeek: z.array(StatCell).openapi({ description: 'Responses per ISO week, and `other`' }),
    byChannel: z.array(StatCell).openapi({ description: 'Responses per channel, and `other`' }),
    questions: z
      .array(z.object({ question: z.enum(FEEDBACK_QUESTIONS as [FeedbackQuestion, ...FeedbackQuestion[]]), answers: z.array(StatCell) }))
      .openapi({ description: '`useful` (yes, partly, no) and `respectful` (yes, no, not_called): per question, the answers given, and `other`; each adds up to the responses' }),
  })
  .openapi('FeedbackStatistics');
export const StatsView = z
  .object({
    from: z.string(),
    to: z.string(),
    minCell: z.number().int(),
    rounding: z.number().int().openapi({ description: 'Every published count is rounded to a multiple of this (STATS_ROUNDING)' }),
    total: z.number().int().nullable(),
    byDay: z.array(StatCell),
    byChannel: z.array(StatCell),
    byQueue: z.array(StatCell),
    byOutcome: z.array(StatCell),
    timeToFirstCall: z.array(StatCell),
    feedback: FeedbackStats,
  })
  .openapi('Statistics');

const Level = z.enum(['ok', 'warning', 'limit', 'over']).openapi({ description: 'Against the marks: under the warning, from the warning, at the limit, past it (an override)' });
const OverviewIntake = z.object({
  intakeId: z.string(),
  label: z.string(),
  queue: z.string(),
  language: z.string(),
  callerGender: z.enum(['female', 'male', 'any']),
  createdAt: z.string(),
  expiresAt: z.string(),
});
/** The supervisor's desk: counts, labels and staff names; never a number. */
export const SupervisionView = z
  .object({
    generatedAt: z.string(),
    marks: z.object({
      caseloadWarning: z.number().int().openapi({ description: 'CASELOAD_WARNING (15)' }),
      caseloadLimit: z.number().int().openapi({ description: 'CASELOAD_LIMIT (20)' }),
      supervisionWarning: z.number().int().openapi({ description: 'SUPERVISION_WARNING (5)' }),
      supervisionLimit: z.number().int().openapi({ description: 'SUPERVISION_LIMIT (8)' }),
      staleClaimHours: z.number().int().openapi({ description: 'STALE_CLAIM_HOURS (24)' }),
      nearExpiryHours: z.number().int().openapi({ description: 'A pending request is near expiry this many hours before its number is destroyed' }),
    }),
    caseloads: z
      .array(
        z.object({
          staffId: z.string(),
          name: z.string(),
          role: z.enum(STAFF_ROLES),
          supervisorId: z.string().nullable(),
          supervisorName: z.string().nullable(),
          active: z.number().int().openapi({ description: 'Claimed requests held' }),
          stale: z.number().int(),
          level: Level,
        }),
      )
      .openapi({ description: 'Every active caseworker, and any other active staff member holding a claim; most loaded first' }),
    supervisors: z.array(z.object({ staffId: z.string(), name: z.string(), role: z.enum(STAFF_ROLES), caseworkers: z.number().int(), level: Level })),
    unsupervised: z.array(z.object({ staffId: z.string(), name: z.string() })).openapi({ description: 'Active caseworkers without an active supervisor' }),
    queue: z.object({
      pending: z.number().int(),
      oldestPendingAt: z.string().nullable(),
      nearExpiry: z.number().int(),
      byQueue: z.array(z.object({ queue: z.string(), language: z.string(), pending: z.number().int(), oldestCreatedAt: z.string(), nearExpiry: z.number().int() })),
      nearExpiryIntakes: z.array(OverviewIntake).openapi({ description: 'Soonest first, at most 100' }),
    }),
    staleCount: z.number().int(),
    staleClaims: z
      .array(
        OverviewIntake.extend({
          staffId: z.string(),
          staffName: z.string(),
          claimedAt: z.string(),
          hours: z.number().int(),
          lastOutcome: z.enum(OUTCOMES).nullable(),
          announcedAt: z.string().nullable(),
        }),
      )
      .openapi({ description: 'Claims without an outcome since they were made, for STALE_CLAIM_HOURS or more; oldest first, at most 100' }),
  })
  .openapi('Supervision');
