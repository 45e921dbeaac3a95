import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../../caseLink/appError';
import { claimIntake } from '../../caseLink/claimIntake';
import { closeIntake } from '../../caseLink/closeIntake';
import { getIntake } from '../../caseLink/getIntake';
import { handOffIntake } from '../../caseLink/handOffIntake';
import { listCaseload } from '../../caseLink/listCaseload';
import { listQueue } from '../../caseLink/listQueue';
import { reassignIntake } from '../../caseLink/reassignIntake';
import { recordConsent } from '../../caseLink/recordConsent';
import { recordOutcome } from '../../caseLink/recordOutcome';
import { releaseIntake } from '../../caseLink/releaseIntake';
import { revealContact } from '../../caseLink/revealContact';
import { statistics } from '../../caseLink/statistics';
import { supervisionOverview } from '../../caseLink/supervisionOverview';
import type { Actor } from '../../caseLink/types';
import { requireAdmin, requireSupervisor } from '../auth';
import { deactivateStaff, listStaff, reactivateStaff, rotateStaffToken, setStaffPassword, setStaffSupervisor } from '../staffLifecycle';
import { createStaff } from '../staffAccounts';
import type { DeskContext } from '../context';
import { presentIntake, presentOverview } from '../presenters';
import { createLinkCode } from '../staffAccounts';
import { intakeIdOf } from '../intakeParam';
import { authenticate } from './authenticate';
import { openApiDocument } from './openapi';
import { ClaimBody, CloseBody, ConsentBody, HandoffBody, NewStaffBody, OutcomeBody, PasswordBody, ReassignBody, StatsQuery, SupervisorBody } from './schemas';

const actorOf = (res: Response) => res.locals.actor as Actor & { name: string };

/** The JSON body; a request without one is an empty object. */
const bodyOf = (req: Request) => req.body ?? {};

/**
 * The staff REST API under /api/v1/: zod-validated input, JSON output without any
 * contact detail except from reveal, errors as `{ error: { code, message } }`.
 */
export function apiRouter(ctx: DeskContext): Router {
  const router = express.Router();
  const document = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use(express.json({ limit: '16kb' }));
  router.use(authenticate(ctx));

  const show = async (res: Response, id: string) => presentIntake(await getIntake(ctx, { intakeId: id, actor: actorOf(res) }), actorOf(res), ctx.clock());

  router.get('/me', (_req, res) => {
    const { id, name, role, queues, languages, gender } = actorOf(res);
    res.json({ id, name, role, queues, languages, gender });
  });
  router.post('/me/telegram-link-code', async (_req, res) => {
    const { code, expiresAt } = await createLinkCode(ctx, actorOf(res).id);
    res.json({ code, expiresAt: expiresAt.toISOString() });
  });
  router.get('/intakes', async (_req, res) => {
    const actor = actorOf(res);
    const intakes = await listQueue(ctx, { actor });
    const now = ctx.clock();
    res.json({ intakes: intakes.map((i) => presentIntake(i, actor, now)) });
  });
  router.get('/intakes/:id', async (req, res) => {
    res.json(await show(res, intakeIdOf(req)));
  });
  router.post('/intakes/:id/claim', async (req, res) => {
    const id = intakeIdOf(req);
    const { override } = ClaimBody.parse(bodyOf(req));
    const result = await claimIntake(ctx, { intakeId: id, actor: actorOf(res), override });
    res.json({ intake: await show(res, id), caseload: result.caseload, warning: result.warning, overridden: result.overridden });
  });
  router.post('/intakes/:id/reveal', async (req, res) => {
    res.json(await revealContact(ctx, { intakeId: intakeIdOf(req), actor: actorOf(res), via: 'api' }));
  });
  router.post('/intakes/:id/outcome', async (req, res) => {
    const id = intakeIdOf(req);
    const { outcome } = OutcomeBody.parse(bodyOf(req));
    res.json(await recordOutcome(ctx, { intakeId: id, actor: actorOf(res), outcome }));
  });
  router.post('/intakes/:id/release', async (req, res) => {
    const id = intakeIdOf(req);
    await releaseIntake(ctx, { intakeId: id, actor: actorOf(res) });
    res.json(await show(res, id));
  });
  router.post('/intakes/:id/close', async (req, res) => {
    const id = intakeIdOf(req);
    const { reason } = CloseBody.parse(bodyOf(req));
    await closeIntake(ctx, { intakeId: id, actor: actorOf(res), reason });
    res.json(await show(res, id));
  });
  router.post('/intakes/:id/consent', async (req, res) => {
    const id = intakeIdOf(req);
    const consent = ConsentBody.parse(bodyOf(req));
    await recordConsent(ctx, { intakeId: id, actor: actorOf(res), consent });
    res.json(await show(res, id));
  });
  router.post('/intakes/:id/handoff', async (req, res) => {
    const id = intakeIdOf(req);
    const { consent } = HandoffBody.parse(bodyOf(req));
    await handOffIntake(ctx, { intakeId: id, actor: actorOf(res), adapter: ctx.handoffAdapter.name, consent });
    ctx.kickHandoffs();
    res.json(await show(res, id));
  });
  router.post('/intakes/:id/reassign', async (req, res) => {
    const actor = actorOf(res);
    requireSupervisor(actor);
    const id = intakeIdOf(req);
    const { staffId, override } = ReassignBody.parse(bodyOf(req));
    await reassignIntake(ctx, { intakeId: id, actor, toStaffId: staffId, override });
    res.json(await show(res, id));
  });
  router.get('/caseload', async (_req, res) => {
    const actor = actorOf(res);
    const caseload = await listCaseload(ctx, { actor });
    const now = ctx.clock();
    res.json({ ...caseload, intakes: caseload.intakes.map((i) => presentIntake(i, actor, now)), expired: caseload.expired.map((i) => presentIntake(i, actor, now)) });
  });
  router.get('/supervision', async (_req, res) => {
    const actor = actorOf(res);
    requireSupervisor(actor);
    res.json(presentOverview(await supervisionOverview(ctx, { actor })));
  });
  router.get('/stats', async (req, res) => {
    requireSupervisor(actorOf(res));
    const query = StatsQuery.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0];
      const message = issue.code === 'unrecognized_keys' ? 'Statistics are given for whole calendar months only: use ?month=YYYY-MM' : `month: ${issue.message}`;
      throw new AppError('invalid_query', message, 400);
    }
    const month = query.data.month ?? ctx.clock().toISOString().slice(0, 7);
    const [year, m] = month.split('-').map(Number);
    res.json(await statistics(ctx, { from: new Date(Date.UTC(year, m - 1, 1)), to: new Date(Date.UTC(year, m, 1)), keys: ctx.statisticsKeys }));
  });

  // Staff administration (admins): the operations of `passerelle staff …`, each audited.
  const staffIdOf = (req: Request) => {
    const id = String(req.params.id);
    if (!/^[0-9a-f]{24}$/.test(id)) throw new AppError('unknown_staff', 'No such staff account', 404);
    return id;
  };
  const admin = (res: Response) => {
    const actor = actorOf(res);
    requireAdmin(actor);
    return { by: `staff:${actor.id}`, actor };
  };
  router.get('/staff', async (_req, res) => {
    admin(res);
    res.json({ staff: await listStaff(ctx) });
  });
  router.post('/staff', async (req, res) => {
    const { by } = admin(res);
    const created = await createStaff(ctx, NewStaffBody.parse(bodyOf(req)), by);
    res.status(201).json({ id: created.id, token: created.token });
  });
  router.post('/staff/:id/deactivate', async (req, res) => {
    const { by, actor } = admin(res);
    const id = staffIdOf(req);
    // An admin cannot lock themselves out by mistake; another admin (or the CLI) can.
    if (id === actor.id) throw new AppError('self', 'You cannot deactivate your own account', 409);
    res.json({ id, ...(await deactivateStaff(ctx, { staffId: id, by })) });
  });
  router.post('/staff/:id/reactivate', async (req, res) => {
    const { by } = admin(res);
    const id = staffIdOf(req);
    res.json({ id, ...(await reactivateStaff(ctx, { staffId: id, by })) });
  });
  router.post('/staff/:id/rotate-token', async (req, res) => {
    const { by } = admin(res);
    const id = staffIdOf(req);
    res.json({ id, ...(await rotateStaffToken(ctx, { staffId: id, by })) });
  });
  router.post('/staff/:id/supervisor', async (req, res) => {
    const { by } = admin(res);
    const id = staffIdOf(req);
    const { supervisorId, override } = SupervisorBody.parse(bodyOf(req));
    res.json({ id, ...(await setStaffSupervisor(ctx, { staffId: id, supervisorId, override, by })) });
  });
  router.post('/staff/:id/password', async (req, res) => {
    const { by } = admin(res);
    const id = staffIdOf(req);
    const { password } = PasswordBody.parse(bodyOf(req));
    await setStaffPassword(ctx, { staffId: id, password, by });
    res.status(204).end();
  });

  router.use((_req, _res) => {
    throw new AppError('not_found', 'No such endpoint', 404);
  });
  router.use(apiErrors(ctx));
  return router;
}

/** The API's one error mapping: domain errors, invalid input, malformed JSON; a 500 says nothing more. */
function apiErrors(ctx: Pick<DeskContext, 'logger'>): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let error: AppError;
    if (err instanceof AppError) error = err;
    else if (err instanceof ZodError) {
      const issues = err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      error = new AppError('invalid_request', issues, 400);
    } else if (err?.type === 'entity.parse.failed') error = new AppError('malformed_json', 'The body is not valid JSON', 400);
    else if (err?.type === 'entity.too.large') error = new AppError('too_large', 'The body is too large', 413);
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) error = new AppError('bad_request', 'Bad request', err.status);
    else {
      ctx.logger.error({ err }, 'api: unexpected error');
      error = new AppError('internal', 'Internal error', 500);
    }
    res.status(error.status).json({ error: { code: error.code, message: error.message } });
  };
}
