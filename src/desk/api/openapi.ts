import { OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodType } from 'zod';
import * as S from './schemas';

const json = (schema: ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(S.ErrorResponse, description);
/** What every operation may answer besides its own: not authenticated, not allowed, an internal error. */
const common = { 401: err('Not authenticated'), 403: err('Not allowed (role, CSRF)'), 500: err('Internal error (nothing more is said)') };
/** What an operation with a JSON body may answer too. */
const withBody = { 400: err('Malformed JSON or invalid body'), 413: err('The body is too large (16 KB at most)') };

/** The document served at /api/v1/openapi.json, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'The API token printed by `passerelle staff add`.' });
  const session = registry.registerComponent('securitySchemes', 'consoleSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'psl_session',
    description: 'A web console session; state-changing requests also need the X-CSRF-Token header.',
  });
  const security = [{ [bearer.name]: [] }, { [session.name]: [] }];
  /** Every operation: authenticated, named (operationId), and with the statuses any route may answer. */
  const path = (config: Omit<RouteConfig, 'security'> & { operationId: string }) =>
    registry.registerPath({ ...config, security, responses: { ...(config.method === 'post' ? withBody : {}), ...common, ...config.responses } });
  const withId = { params: S.IntakeIdParam };
  const body = (schema: ZodType) => ({ content: { 'application/json': { schema } } });

  path({ method: 'get', path: '/api/v1/me', operationId: 'getMe', summary: 'Who am I', responses: { 200: json(S.Me, 'The authenticated staff member'), ...common } });
  path({
    method: 'post',
    operationId: 'createTelegramLinkCode',
    path: '/api/v1/me/telegram-link-code',
    summary: 'A one-time code to link a Telegram account to the staff bot (send `/link CODE` to the bot)',
    responses: { 200: json(S.LinkCode, 'The code, valid 15 minutes'), ...common },
  });
  path({
    method: 'get',
    operationId: 'listQueue',
    path: '/api/v1/intakes',
    summary: 'Pending intakes I may claim (my queues and languages), by time window then age; no contact detail',
    responses: { 200: json(S.IntakeList, 'The queue'), ...common },
  });
  path({
    method: 'get',
    operationId: 'getIntake',
    path: '/api/v1/intakes/{id}',
    summary: 'One intake, no contact detail',
    request: withId,
    responses: { 200: json(S.IntakeView, 'The intake'), ...common, 404: err('Unknown intake') },
  });
  path({
    method: 'post',
    operationId: 'claimIntake',
    path: '/api/v1/intakes/{id}/claim',
    summary: 'Claim an intake (exclusive; refused past the caseload limit unless a supervisor overrides)',
    request: { ...withId, body: body(S.ClaimBody) },
    responses: { 200: json(S.ClaimResult, 'Claimed'), 400: err('Invalid body'), ...common, 404: err('Unknown intake'), 409: err('Already claimed, expired, or caseload limit') },
  });
  path({
    method: 'post',
    operationId: 'revealContact',
    path: '/api/v1/intakes/{id}/reveal',
    summary: 'Reveal the callback number: the claimer only, audited, rate-limited',
    request: withId,
    responses: { 200: json(S.RevealResult, 'The number'), ...common, 404: err('Unknown intake'), 409: err('Not claimed (by me)'), 410: err('Number destroyed'), 429: err('Too many reveals') },
  });
  path({
    method: 'post',
    operationId: 'recordOutcome',
    path: '/api/v1/intakes/{id}/outcome',
    summary: 'Record the outcome of a call attempt',
    request: { ...withId, body: body(S.OutcomeBody) },
    responses: { 200: json(S.OutcomeResult, 'Recorded'), 400: err('Invalid body'), ...common, 404: err('Unknown intake'), 409: err('Not claimed') },
  });
  path({
    method: 'post',
    operationId: 'releaseIntake',
    path: '/api/v1/intakes/{id}/release',
    summary: 'Put a claimed intake back in the queue',
    request: withId,
    responses: { 200: json(S.IntakeView, 'Released'), ...common, 404: err('Unknown intake'), 409: err('Not claimed') },
  });
  path({
    method: 'post',
    operationId: 'closeIntake',
    path: '/api/v1/intakes/{id}/close',
    summary: 'Close with a reason code; the sealed number is destroyed at once',
    request: { ...withId, body: body(S.CloseBody) },
    responses: { 200: json(S.IntakeView, 'Closed'), 400: err('Invalid body'), ...common, 404: err('Unknown intake'), 409: err('Not claimed') },
  });
  path({
    method: 'post',
    operationId: 'recordConsent',
    path: '/api/v1/intakes/{id}/consent',
    summary: 'Record what the person agreed to during the call (claimer, after a reached outcome; audited)',
    request: { ...withId, body: body(S.ConsentBody) },
    responses: { 200: json(S.IntakeView, 'Recorded'), 400: err('Invalid body'), ...common, 404: err('Unknown intake'), 409: err('Not claimed or not reached') },
  });
  path({
    method: 'post',
    operationId: 'handOffIntake',
    path: '/api/v1/intakes/{id}/handoff',
    summary: 'Hand off to the case-management system (after a reached outcome, with consent to services); the number is forgotten here',
    request: { ...withId, body: body(S.HandoffBody) },
    responses: {
      200: json(S.IntakeView, 'Handed off'),
      400: err('Invalid body'),
      ...common,
      404: err('Unknown intake'),
      409: err('Not claimed, not reached, no consent to services (consent_required), or a queue the case-management system has no place for (handoff_unroutable)'),
    },
  });
  path({
    method: 'post',
    operationId: 'reassignIntake',
    path: '/api/v1/intakes/{id}/reassign',
    summary: 'Supervisors: give an open intake to another staff member',
    request: { ...withId, body: body(S.ReassignBody) },
    responses: { 200: json(S.IntakeView, 'Reassigned'), 400: err('Invalid body'), ...common, 404: err('Unknown intake or staff'), 409: err('Ended or expired, or caseload limit') },
  });
  path({
    method: 'get',
    operationId: 'getSupervision',
    path: '/api/v1/supervision',
    summary: 'Supervisors: caseloads against CASELOAD_WARNING / CASELOAD_LIMIT, caseworkers per supervisor, queue health and stale claims; never a number',
    responses: { 200: json(S.SupervisionView, 'The overview'), ...common, 403: err('Supervisors and admins only') },
  });
  path({ method: 'get', operationId: 'getCaseload', path: '/api/v1/caseload', summary: 'My claimed intakes and caseload level', responses: { 200: json(S.Caseload, 'My caseload'), ...common } });
  path({
    method: 'get',
    operationId: 'getStatistics',
    path: '/api/v1/stats',
    summary: 'Supervisors: counts per day, channel, queue, outcome and time to first call, and the anonymous feedback of the weeks whose Thursday falls in the month; small cells suppressed',
    request: { query: S.StatsQuery },
    responses: { 200: json(S.StatsView, 'Statistics'), 400: err('Invalid query'), ...common },
  });

  const withStaffId = { params: S.StaffIdParam };
  const adminOnly = { ...common, 403: err('Admins only (or CSRF)') };
  path({
    method: 'get',
    operationId: 'listStaff',
    path: '/api/v1/staff',
    summary: 'Admins: every staff account (never a token, password or Telegram id)',
    responses: { 200: json(S.StaffList, 'Staff accounts'), ...adminOnly },
  });
  path({
    method: 'post',
    operationId: 'createStaff',
    path: '/api/v1/staff',
    summary: 'Admins: create a staff account; the token is in this response only',
    request: { body: body(S.NewStaffBody) },
    responses: { 201: json(S.TokenResult, 'Created'), 400: err('Invalid body'), ...adminOnly, 409: err('An active account has this name') },
  });
  path({
    method: 'post',
    operationId: 'deactivateStaff',
    path: '/api/v1/staff/{id}/deactivate',
    summary: 'Admins: stop an account at once (token, console sessions, Telegram link); its requests go back to the queue',
    request: withStaffId,
    responses: { 200: json(S.DeactivateResult, 'Deactivated'), ...adminOnly, 404: err('Unknown account'), 409: err('Not active, or your own account') },
  });
  path({
    method: 'post',
    operationId: 'reactivateStaff',
    path: '/api/v1/staff/{id}/reactivate',
    summary: 'Admins: reactivate an account with a new token (the old one was destroyed)',
    request: withStaffId,
    responses: { 200: json(S.TokenResult, 'Reactivated'), ...adminOnly, 404: err('Unknown account'), 409: err('Already active, or the name is taken') },
  });
  path({
    method: 'post',
    operationId: 'rotateStaffToken',
    path: '/api/v1/staff/{id}/rotate-token',
    summary: 'Admins: a new API token; the old one stops at once',
    request: withStaffId,
    responses: { 200: json(S.TokenResult, 'New token'), ...adminOnly, 404: err('Unknown account'), 409: err('Not active') },
  });
  path({
    method: 'post',
    operationId: 'setStaffPassword',
    path: '/api/v1/staff/{id}/password',
    summary: "Admins: set an account's console password; its console sessions end",
    request: { ...withStaffId, body: body(S.PasswordBody) },
    responses: { 204: { description: 'Set' }, 400: err('Invalid body'), ...adminOnly, 404: err('Unknown account'), 409: err('Not active') },
  });

  path({
    method: 'post',
    operationId: 'setStaffSupervisor',
    path: '/api/v1/staff/{id}/supervisor',
    summary: "Admins: set or remove a caseworker's supervisor (refused past SUPERVISION_LIMIT caseworkers unless overridden; audited)",
    request: { ...withStaffId, body: body(S.SupervisorBody) },
    responses: {
      200: json(S.SupervisorResult, 'Set'),
      400: err('Invalid body'),
      ...adminOnly,
      404: err('Unknown account'),
      409: err('Not an active caseworker, not a supervisor, or the supervision limit'),
    },
  });

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Passerelle callback desk API',
      version: '1.0.0',
      description: 'Errors are `{ "error": { "code", "message" } }`. No endpoint ever returns a number except reveal.',
      license: { name: 'AGPL-3.0-or-later', url: 'https://www.gnu.org/licenses/agpl-3.0.html' },
    },
    servers: [{ url: '/' }],
  });
}
