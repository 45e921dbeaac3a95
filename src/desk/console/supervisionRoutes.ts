import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../caseLink/appError';
import { getIntake } from '../../caseLink/getIntake';
import { listCaseload } from '../../caseLink/listCaseload';
import { reassignIntake } from '../../caseLink/reassignIntake';
import { statistics } from '../../caseLink/statistics';
import { supervisionOverview } from '../../caseLink/supervisionOverview';
import { type Actor } from '../../caseLink/types';
import { canWork } from '../../caseLink/visibility';
import { requireSupervisor, toActor, STAFF_SELECT } from '../auth';
import type { DeskContext } from '../context';
import { intakeIdOf } from '../intakeParam';
import { deactivateStaff, listStaff, reactivateStaff, rotateStaffToken, setStaffSupervisor } from '../staffLifecycle';
import { supervisedCount } from '../supervisionLimit';
import { errorText, translate, type ConsoleLang } from './i18n';
import { reassignPage, staffAccountPage, staffCaseloadPage, staffListPage, statsPage, supervisionPage, tokenPage } from './supervisionViews';
import type { PageContext } from './views';

/** What the console router lends these pages. */
export interface ConsoleHelpers {
  pageContext(req: Request, res: Response): PageContext;
  send(res: Response, body: string, status?: number): void;
  actorOf(res: Response): Actor & { name: string };
  langOf(req: Request): ConsoleLang;
}

const STAFF_ID = /^[0-9a-f]{24}$/;
const ReassignForm = z.object({ staffId: z.string().regex(STAFF_ID), override: z.literal('1').optional() });
const SupervisorForm = z.object({ supervisorId: z.union([z.literal(''), z.string().regex(STAFF_ID)]), override: z.literal('1').optional() });
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The supervisor's desk in the console (supervisors and admins): the overview, a staff
 * member's claims, reassignment, the monthly statistics; and staff administration for
 * admins (list, supervisor, new token, deactivate, reactivate). Every POST carries the
 * session's CSRF token (checked by the console router before these routes run).
 */
export function supervisionRoutes(router: Router, ctx: DeskContext, h: ConsoleHelpers): void {
  const supervisor = (res: Response) => {
    const actor = h.actorOf(res);
    requireSupervisor(actor);
    return actor;
  };
  const admin = (res: Response) => {
    const actor = h.actorOf(res);
    if (actor.role !== 'admin') throw new AppError('forbidden_admin', 'Admins only', 403);
    return actor;
  };
  const staffIdOf = (req: Request) => {
    const id = String(req.params.id);
    if (!STAFF_ID.test(id)) throw new AppError('unknown_staff', 'No such staff account', 404);
    return id;
  };
  const tr = (req: Request, key: string, params?: Record<string, string | number>) => translate(h.langOf(req), key, params);

  router.get('/supervision', async (req, res) => {
    const actor = supervisor(res);
    let done: string | undefined;
    // After a reassignment: which request went to whom (looked up, so nothing but an id is in the URL).
    const reassigned = typeof req.query.reassigned === 'string' && /^[0-9a-f]{32}$/.test(req.query.reassigned) ? req.query.reassigned : undefined;
    if (reassigned) {
      const intake = await ctx.prisma.intake.findUnique({ where: { id: reassigned }, select: { label: true, claimedBy: { select: { name: true } } } });
      if (intake?.claimedBy) done = tr(req, 'done.reassigned', { label: intake.label, name: intake.claimedBy.name });
    }
    h.send(res, supervisionPage(h.pageContext(req, res), await supervisionOverview(ctx, { actor }), done));
  });

  router.get('/supervision/staff/:id', async (req, res) => {
    supervisor(res);
    const id = staffIdOf(req);
    const staff = await ctx.prisma.staff.findUnique({ where: { id }, select: { name: true } });
    if (!staff) throw new AppError('unknown_staff', 'No such staff account', 404);
    h.send(res, staffCaseloadPage(h.pageContext(req, res), staff.name, await listCaseload(ctx, { actor: { id } })));
  });

  const showReassign = async (req: Request, res: Response, error?: string, status = 200) => {
    const actor = supervisor(res);
    const intake = await getIntake(ctx, { intakeId: intakeIdOf(req), actor });
    const [staff, loads] = await Promise.all([
      ctx.prisma.staff.findMany({ where: { active: true }, select: STAFF_SELECT, orderBy: { name: 'asc' } }),
      ctx.prisma.intake.groupBy({ by: ['claimedById'], where: { status: 'claimed' }, _count: { _all: true } }),
    ]);
    const held = new Map(loads.map((l) => [l.claimedById, l._count._all]));
    const holder = staff.find((s) => s.id === intake.claimedById) ?? null;
    const candidates = staff
      .filter((s) => s.id !== intake.claimedById && canWork(toActor(s), intake))
      .map((s) => ({ id: s.id, name: s.name, active: held.get(s.id) ?? 0 }))
      .sort((a, b) => a.active - b.active || a.name.localeCompare(b.name));
    h.send(res, reassignPage(h.pageContext(req, res), { intake, holder, candidates, limit: ctx.config.CASELOAD_LIMIT, error }), status);
  };
  router.get('/supervision/reassign/:id', (req, res) => showReassign(req, res));
  router.post('/supervision/reassign/:id', async (req, res) => {
    const actor = supervisor(res);
    const intakeId = intakeIdOf(req);
    const form = ReassignForm.safeParse(req.body ?? {});
    if (!form.success) return showReassign(req, res, errorText(h.langOf(req), 'invalid_request'), 400);
    try {
      await reassignIntake(ctx, { intakeId, actor, toStaffId: form.data.staffId, override: form.data.override === '1' });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      const message = err.code === 'caseload_limit' ? tr(req, 'reassign.atLimit') : errorText(h.langOf(req), err.code);
      return showReassign(req, res, message, err.status);
    }
    res.redirect(303, `/console/supervision?reassigned=${intakeId}`);
  });

  router.get('/stats', async (req, res) => {
    supervisor(res);
    const given = req.query.month;
    if (given !== undefined && (typeof given !== 'string' || !MONTH.test(given))) throw new AppError('invalid_query', 'month: a calendar month such as 2026-11', 400);
    const month = (given as string | undefined) ?? ctx.clock().toISOString().slice(0, 7);
    const [year, m] = month.split('-').map(Number);
    const stats = await statistics(ctx, { from: new Date(Date.UTC(year, m - 1, 1)), to: new Date(Date.UTC(year, m, 1)), keys: ctx.statisticsKeys });
    h.send(res, statsPage(h.pageContext(req, res), month, stats as unknown as Parameters<typeof statsPage>[2]));
  });

  // === Staff administration (admins): the operations of `passerelle staff …`, each audited as `staff:<id>`.
  const by = (actor: Actor) => `staff:${actor.id}`;
  router.get('/staff', async (req, res) => {
    admin(res);
    h.send(res, staffListPage(h.pageContext(req, res), await listStaff(ctx)));
  });

  const DONE = ['supervisorSet', 'supervisorSetOver', 'deactivated'] as const;
  const showAccount = async (req: Request, res: Response, error?: string, status = 200) => {
    const actor = admin(res);
    const id = staffIdOf(req);
    const staff = (await listStaff(ctx)).find((s) => s.id === id);
    if (!staff) throw new AppError('unknown_staff', 'No such staff account', 404);
    const rows = await ctx.prisma.staff.findMany({ where: { active: true, role: { in: ['supervisor', 'admin'] } }, select: { id: true, name: true }, orderBy: { name: 'asc' } });
    const supervisors = await Promise.all(rows.map(async (r) => ({ ...r, caseworkers: await supervisedCount(ctx.prisma, r.id) })));
    const doneKey = DONE.find((d) => d === req.query.done);
    const done = doneKey && !error ? tr(req, `done.${doneKey}`, { n: Number(req.query.n) || 0 }) : undefined;
    h.send(res, staffAccountPage(h.pageContext(req, res), { staff, supervisors, supervisionLimit: ctx.config.SUPERVISION_LIMIT, self: id === actor.id, done, error }), status);
  };
  /** Runs an account operation; a refusal (409, 404…) is shown on the account's page rather than on an error page. */
  const onAccount = async (req: Request, res: Response, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      await showAccount(req, res, errorText(h.langOf(req), err.code), err.status);
    }
  };
  router.get('/staff/:id', (req, res) => showAccount(req, res));
  router.post('/staff/:id/supervisor', (req, res) =>
    onAccount(req, res, async () => {
      const actor = admin(res);
      const id = staffIdOf(req);
      const form = SupervisorForm.safeParse(req.body ?? {});
      if (!form.success) throw new AppError('invalid_request', 'Incomplete form', 400);
      const result = await setStaffSupervisor(ctx, { staffId: id, supervisorId: form.data.supervisorId || null, override: form.data.override === '1', by: by(actor) });
      res.redirect(303, `/console/staff/${id}?done=${result.overridden ? 'supervisorSetOver' : 'supervisorSet'}`);
    }),
  );
  const showToken = async (req: Request, res: Response, id: string, token: string) => {
    const staff = await ctx.prisma.staff.findUniqueOrThrow({ where: { id }, select: { name: true } });
    // The token is in this response only: never in a URL, a redirect or a cache.
    res.setHeader('Cache-Control', 'no-store');
    h.send(res, tokenPage(h.pageContext(req, res), staff.name, id, token));
  };
  router.post('/staff/:id/rotate-token', (req, res) =>
    onAccount(req, res, async () => {
      const actor = admin(res);
      const id = staffIdOf(req);
      const { token } = await rotateStaffToken(ctx, { staffId: id, by: by(actor) });
      await showToken(req, res, id, token);
    }),
  );
  router.post('/staff/:id/reactivate', (req, res) =>
    onAccount(req, res, async () => {
      const actor = admin(res);
      const id = staffIdOf(req);
      const { token } = await reactivateStaff(ctx, { staffId: id, by: by(actor) });
      await showToken(req, res, id, token);
    }),
  );
  router.post('/staff/:id/deactivate', (req, res) =>
    onAccount(req, res, async () => {
      const actor = admin(res);
      const id = staffIdOf(req);
      if (req.body?.confirm !== '1') throw new AppError('invalid_request', 'Tick the confirmation', 400);
      // An admin cannot lock themselves out by mistake; another admin (or the CLI) can.
      if (id === actor.id) throw new AppError('self', 'You cannot deactivate your own account', 409);
      const result = await deactivateStaff(ctx, { staffId: id, by: by(actor) });
      res.redirect(303, `/console/staff/${id}?done=deactivated&n=${result.claimsReleased}`);
    }),
  );
}
