import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { z } from 'zod';
import { AppError } from '../../caseLink/appError';
import { claimIntake } from '../../caseLink/claimIntake';
import { closeIntake } from '../../caseLink/closeIntake';
import { getIntake } from '../../caseLink/getIntake';
import { handOffIntake } from '../../caseLink/handOffIntake';
import { listCaseload } from '../../caseLink/listCaseload';
import { listQueue } from '../../caseLink/listQueue';
import { recordOutcome } from '../../caseLink/recordOutcome';
import { releaseIntake } from '../../caseLink/releaseIntake';
import { revealContact } from '../../caseLink/revealContact';
import { CLOSE_REASONS, OUTCOMES, type Actor } from '../../caseLink/types';
import { canWork } from '../../caseLink/visibility';
import { sameSecret } from '../../crypto/sameSecret';
import { login, openSession, sha256, staffBySession } from '../auth';
import { intakeIdOf } from '../intakeParam';
import { sessionCookieName, type DeskContext } from '../context';
import { DEVICE_DAYS, LoginThrottle } from '../loginThrottle';
import { createLinkCode } from '../staffAccounts';
import { errorText, translate, type ConsoleLang } from './i18n';
import { supervisionRoutes } from './supervisionRoutes';
import { caseloadPage, CSS_HASH, errorPage, intakePage, linkCodePage, loginPage, queuePage, type PageContext } from './views';

const LANG_COOKIE = 'psl_lang';
const LOGIN_CSRF_COOKIE = 'psl_login';
const DONE = ['claimed', 'claimedWarning', 'outcome', 'requeued', 'expiredAttempts', 'closed', 'released', 'handedOff'] as const;

const LoginForm = z.object({ name: z.string().trim().min(1).max(80), password: z.string().min(1).max(200), _csrf: z.string().max(100) });
const OutcomeForm = z.object({ outcome: z.enum(OUTCOMES), confirm: z.literal('1').optional() });
/** Closing destroys the number: the form asks the caseworker to confirm it. */
const CloseForm = z.object({ reason: z.enum(CLOSE_REASONS), confirm: z.literal('1') });
/** The consent asked during the call: an unticked box is absent from the form, so absent means no. */
const ticked = z
  .literal('1')
  .optional()
  .transform((v) => v === '1');
const HandoffForm = z.object({ services: ticked, shareWithOrganisations: ticked, shareNumber: ticked });

interface ConsoleLocals {
  actor: Actor & { name: string };
  csrf: string;
  sessionId: string;
}

/**
 * The web console at /console/: server-rendered, no JavaScript, small pages.
 * Sessions live in an httpOnly SameSite=Strict cookie (the database holds its
 * hash); every form carries the session's CSRF token; login is rate-limited.
 */
export function consoleRouter(ctx: DeskContext): Router {
  const router = express.Router();
  const production = ctx.config.NODE_ENV === 'production';
  const secure = production || (ctx.config.PUBLIC_BASE_URL?.startsWith('https:') ?? false);
  const SESSION_COOKIE = sessionCookieName(production);
  const throttle = new LoginThrottle({ attempts: ctx.attempts, keyring: ctx.keyring, clock: ctx.clock, randomBytes: ctx.randomBytes });
  const DEVICE_COOKIE = production ? '__Host-psl_device' : 'psl_device';
  const cookie = (name: string, value: string, maxAgeSeconds: number) =>
    serializeCookie(name, value, { httpOnly: true, sameSite: 'strict', secure, path: name === LANG_COOKIE || name === LOGIN_CSRF_COOKIE ? '/console' : '/', maxAge: maxAgeSeconds });

  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: [CSS_HASH],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      strictTransportSecurity: secure,
      xFrameOptions: { action: 'deny' },
    }),
  );
  router.use(express.urlencoded({ extended: false, limit: '8kb' }));

  const langOf = (req: Request): ConsoleLang => (parseCookie(req.headers.cookie ?? '')[LANG_COOKIE] === 'en' ? 'en' : 'fr');
  const pageContext = (req: Request, res: Response): PageContext => {
    const locals = res.locals as Partial<ConsoleLocals>;
    return {
      lang: langOf(req),
      actor: locals.actor,
      csrf: locals.csrf,
      now: ctx.clock(),
      timeZone: ctx.config.TIME_ZONE,
      ttlHours: ctx.config.INTAKE_TTL_HOURS,
      maxAttempts: ctx.config.MAX_CALL_ATTEMPTS,
    };
  };
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).type('html').send(body);
  };

  router.get('/lang', (req, res) => {
    const to = req.query.to === 'en' ? 'en' : 'fr';
    res.setHeader('Set-Cookie', cookie(LANG_COOKIE, to, 365 * 86_400));
    res.redirect(303, '/console/');
  });

  const showLogin = (req: Request, res: Response, status = 200, error?: string) => {
    const token = ctx.randomBytes(18).toString('base64url');
    res.setHeader('Set-Cookie', cookie(LOGIN_CSRF_COOKIE, token, 3600));
    send(res, loginPage(pageContext(req, res), token, error), status);
  };
  router.get('/login', (req, res) => showLogin(req, res));
  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: ctx.config.LOGIN_RATE_LIMIT,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Only failures count: a desk sharing one address can still log in all morning.
    skipSuccessfulRequests: true,
    // Every instance counts in one place (Redis) when there are several.
    store: ctx.stores.rateLimit('console-login'),
    handler: (req, res) => {
      ctx.logger.warn('console: login rate limit reached');
      showLogin(req, res, 429, translate(langOf(req), 'login.limited'));
    },
  });
  router.post('/login', loginLimiter, async (req, res) => {
    const form = LoginForm.safeParse(req.body ?? {});
    const expected = parseCookie(req.headers.cookie ?? '')[LOGIN_CSRF_COOKIE] ?? '';
    if (!form.success || !expected || !sameSecret(form.data._csrf, expected)) {
      showLogin(req, res, 400, translate(langOf(req), form.success ? 'error.csrf' : 'login.failed'));
      return;
    }
    // Each name is slowed down on its own (from this address, and from anywhere), a known device apart.
    const check = await throttle.begin({ name: form.data.name, address: req.ip ?? '', device: parseCookie(req.headers.cookie ?? '')[DEVICE_COOKIE] });
    if (!check.allowed) {
      ctx.logger.warn({ event: 'console.login_throttled' }, 'console: login refused, this name failed too often');
      res.setHeader('Retry-After', String(Math.ceil(check.waitMs / 1000)));
      showLogin(req, res, 429, translate(langOf(req), 'login.wait', { minutes: Math.max(1, Math.ceil(check.waitMs / 60_000)) }));
      return;
    }
    const actor = await login(ctx.prisma, form.data.name, form.data.password);
    if (!actor) {
      await check.failed();
      ctx.logger.info('console: login failed');
      showLogin(req, res, 401, translate(langOf(req), 'login.failed'));
      return;
    }
    const device = await check.succeeded();
    // A session this browser still held (someone else's, on a shared phone) ends here; the new one gets a fresh token.
    const previous = parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
    if (previous) await ctx.prisma.staffSession.deleteMany({ where: { id: sha256(previous) } });
    const { token } = await openSession(ctx.prisma, actor.id, { now: ctx.clock(), hours: ctx.config.CONSOLE_SESSION_HOURS, randomBytes: ctx.randomBytes });
    res.setHeader('Set-Cookie', [cookie(SESSION_COOKIE, token, ctx.config.CONSOLE_SESSION_HOURS * 3600), cookie(DEVICE_COOKIE, device, DEVICE_DAYS * 86_400), cookie(LOGIN_CSRF_COOKIE, '', 0)]);
    res.redirect(303, '/console/');
  });

  // Everything below needs a session; every POST its CSRF token.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const token = parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
    const session = token ? await staffBySession(ctx.prisma, token, ctx.clock()) : null;
    if (!session) {
      res.redirect(303, '/console/login');
      return;
    }
    Object.assign(res.locals, { actor: session.actor, csrf: session.csrfToken, sessionId: session.sessionId } satisfies ConsoleLocals);
    if (req.method === 'POST' && !sameSecret(String(req.body?._csrf ?? ''), session.csrfToken)) throw new AppError('csrf', 'Missing or wrong CSRF token', 403);
    next();
  });
  const actorOf = (res: Response) => (res.locals as ConsoleLocals).actor;
  const back = (res: Response, id: string, done: (typeof DONE)[number]) => res.redirect(303, `/console/intakes/${id}?done=${done}`);

  router.post('/logout', async (req, res) => {
    await ctx.prisma.staffSession.deleteMany({ where: { id: (res.locals as ConsoleLocals).sessionId } });
    res.setHeader('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
    res.redirect(303, '/console/login');
  });
  router.get('/', async (req, res) => {
    const actor = actorOf(res);
    const [intakes, caseload] = await Promise.all([listQueue(ctx, { actor, limit: 100 }), listCaseload(ctx, { actor })]);
    send(res, queuePage(pageContext(req, res), intakes, caseload));
  });
  router.get('/caseload', async (req, res) => {
    send(res, caseloadPage(pageContext(req, res), await listCaseload(ctx, { actor: actorOf(res) })));
  });

  router.post('/telegram-link', async (req, res) => {
    const { code } = await createLinkCode(ctx, actorOf(res).id);
    send(res, linkCodePage(pageContext(req, res), code));
  });

  const showIntake = async (
    req: Request,
    res: Response,
    extra: { revealed?: { contact: string; cover: string }; error?: string; status?: number; confirmOutcome?: (typeof OUTCOMES)[number] } = {},
  ) => {
    const actor = actorOf(res);
    const intake = await getIntake(ctx, { intakeId: intakeIdOf(req), actor });
    const p = pageContext(req, res);
    const done = DONE.find((d) => d === req.query.done);
    const notice = done && !extra.error ? translate(p.lang, `done.${done}`, { attempts: intake.attempts, max: ctx.config.MAX_CALL_ATTEMPTS }) : undefined;
    send(res, intakePage(p, { intake, revealed: extra.revealed, error: extra.error, notice, canClaim: canWork(actor, intake), confirmOutcome: extra.confirmOutcome }), extra.status);
  };
  router.get('/intakes/:id', (req, res) => showIntake(req, res));
  router.post('/intakes/:id/claim', async (req, res) => {
    const id = intakeIdOf(req);
    const result = await claimIntake(ctx, { intakeId: id, actor: actorOf(res), override: req.body?.override === '1' });
    back(res, id, result.warning ? 'claimedWarning' : 'claimed');
  });
  router.post('/intakes/:id/reveal', async (req, res) => {
    // The number is in this response only: never in a URL, a redirect or a cache (Cache-Control: no-store).
    const revealed = await revealContact(ctx, { intakeId: intakeIdOf(req), actor: actorOf(res), via: 'console' });
    await showIntake(req, res, { revealed });
  });
  router.post('/intakes/:id/outcome', async (req, res) => {
    const id = intakeIdOf(req);
    const { outcome, confirm } = OutcomeForm.parse(req.body ?? {});
    // An outcome that destroys the number (wrong number, declined, the last attempt) asks first, as closing does.
    if (!confirm) {
      const intake = await getIntake(ctx, { intakeId: id, actor: actorOf(res) });
      const lastAttempt = (outcome === 'no_answer' || outcome === 'unsafe') && intake.attempts + 1 >= ctx.config.MAX_CALL_ATTEMPTS;
      if (outcome === 'wrong_number' || outcome === 'declined' || lastAttempt) {
        await showIntake(req, res, { confirmOutcome: outcome });
        return;
      }
    }
    const result = await recordOutcome(ctx, { intakeId: id, actor: actorOf(res), outcome });
    // Every outcome says what happened to the request: kept, back in the queue (attempt n of max), expired or closed.
    back(res, id, result.status === 'claimed' ? 'outcome' : result.status === 'pending' ? 'requeued' : result.status === 'expired' ? 'expiredAttempts' : 'closed');
  });
  router.post('/intakes/:id/close', async (req, res) => {
    const id = intakeIdOf(req);
    const form = CloseForm.safeParse(req.body ?? {});
    if (!form.success) {
      await showIntake(req, res, { error: translate(langOf(req), 'error.closeConfirm'), status: 400 });
      return;
    }
    const { reason } = form.data;
    await closeIntake(ctx, { intakeId: id, actor: actorOf(res), reason });
    back(res, id, 'closed');
  });
  router.post('/intakes/:id/release', async (req, res) => {
    const id = intakeIdOf(req);
    await releaseIntake(ctx, { intakeId: id, actor: actorOf(res) });
    back(res, id, 'released');
  });
  router.post('/intakes/:id/handoff', async (req, res) => {
    const id = intakeIdOf(req);
    const consent = HandoffForm.parse(req.body ?? {});
    try {
      await handOffIntake(ctx, { intakeId: id, actor: actorOf(res), adapter: ctx.handoffAdapter.name, consent });
    } catch (err) {
      // Refused without consent to services: the same page again, saying why, nothing recorded.
      if (!(err instanceof AppError && err.code === 'consent_required')) throw err;
      await showIntake(req, res, { error: errorText(langOf(req), err.code), status: err.status });
      return;
    }
    ctx.kickHandoffs();
    back(res, id, 'handedOff');
  });

  supervisionRoutes(router, ctx, { pageContext, send, actorOf, langOf });

  router.use((req: Request, res: Response) => {
    send(res, errorPage(pageContext(req, res), translate(langOf(req), 'error.not_found')), 404);
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const lang = langOf(req);
    let code = 'other';
    let status = 500;
    if (err instanceof AppError) [code, status] = [err.code, err.status];
    else if (err instanceof z.ZodError) [code, status] = ['invalid_request', 400];
    else if (typeof (err as { status?: unknown })?.status === 'number' && (err as { status: number }).status < 500) [code, status] = ['invalid_request', (err as { status: number }).status];
    else ctx.logger.error({ err }, 'console: unexpected error');
    send(res, errorPage(pageContext(req, res), errorText(lang, code)), status);
  });
  return router;
}
