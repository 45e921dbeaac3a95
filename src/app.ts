import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppError } from './caseLink/appError';

export interface AppOptions {
  /** The proxies to trust for client addresses (TRUST_PROXY): a hop count, or their addresses and ranges. */
  trustProxy?: number | string[];
  logger: Logger;
  /** Each `/healthz` entry (every provider's channels, the desk's staff bot). */
  channels: Record<string, 'enabled' | 'disabled'>;
  /** Counts every response by its path and status (metrics); `route` serves `GET /metrics` (only when METRICS_TOKEN is set). */
  metrics?: { observe(path: string, status: number): void; route?: RequestHandler };
  /** What this instance needs and cannot reach now (`database`, `redis`): `/healthz` answers 503 while any. */
  failing?: () => Promise<string[]>;
  /** Why a channel is disabled, where configuration explains it (`/healthz`). */
  disabledReasons?: Record<string, string>;
  /** Production: HSTS on every response. */
  production?: boolean;
  /** Serve the web simulator (off in production). */
  simulator: boolean;
  /** Every provider's webhook routes (the registry's, see src/channels/registry.ts). */
  channelRoutes?: Router;
  /** The providers' development helpers of the simulator (request signing, a simulated chat). */
  simulatorRoutes?: Router;
  /** The callback desk: staff API, web console, staff bot webhook. */
  desk?: { api: Router; console: Router; staffWebhook?: RequestHandler };
}

/** The HTTP surface: health, provider webhooks, simulator; errors mapped in one place. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? 0);
  const logEveryRequest = options.logger.isLevelEnabled('info');
  app.use(responseHooks({ production: options.production ?? false, logger: logEveryRequest ? undefined : options.logger, observe: options.metrics?.observe }));
  if (!options.trustProxy) app.use(forwardedWithoutTrust(options.logger));
  if (logEveryRequest) app.use(requestLogger(options.logger));

  if (options.metrics?.route) app.get('/metrics', options.metrics.route);

  app.get('/healthz', async (_req, res) => {
    const reasons = options.disabledReasons && Object.keys(options.disabledReasons).length > 0 ? { reasons: options.disabledReasons } : {};
    // A load balancer takes an instance out while what it needs does not answer (503).
    const failing = options.failing ? await options.failing() : [];
    if (failing.length > 0) {
      res.status(503).json({ status: 'unavailable', failing, channels: options.channels, ...reasons });
      return;
    }
    res.json({ status: 'ok', channels: options.channels, ...reasons });
  });

  if (options.channelRoutes) app.use(options.channelRoutes);

  if (options.desk) {
    app.use('/api/v1', options.desk.api);
    app.use('/console', options.desk.console);
    if (options.desk.staffWebhook) app.use('/webhooks/telegram/staff', options.desk.staffWebhook);
  }

  if (options.simulator) {
    // The helpers sign Twilio requests and hand out the simulated bot's secret: this machine only.
    if (options.simulatorRoutes) app.use('/simulator', loopbackOnly, options.simulatorRoutes);
    app.use('/simulator', express.static(path.join(__dirname, 'simulator', 'public'), { index: 'index.html', maxAge: 0 }));
  }
  app.get('/', (_req, res) => {
    res.type('text/plain').send(options.simulator ? 'Passerelle is running. Try it at /simulator/\n' : 'Passerelle is running.\n');
  });

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint' } });
  });
  app.use(errorHandler(options.logger));
  return app;
}

/** Request lines carry the method, the path (no query: it may hold a secret) and the status only. */
function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    quietReqLogger: true,
  });
}

/**
 * Answers only a client on this machine: the socket's own address is loopback and no
 * proxy forwarded the request (a proxy on this machine would make everyone look local).
 */
/** Headers a proxy or a tunnel adds: a request carrying any of them did not start on this machine. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto', 'via', 'x-client-ip', 'cf-connecting-ip', 'true-client-ip'];

export const loopbackOnly: RequestHandler = (req, res, next) => {
  const address = req.socket.remoteAddress ?? '';
  const local = address === '::1' || /^(::ffff:)?127\./.test(address);
  if (local && !PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) return next();
  res.status(403).json({ error: { code: 'forbidden', message: 'The simulator helpers answer only on this machine (loopback)' } });
};

/**
 * What every response gets, in one layer and one listener: the security headers (in
 * production also HSTS: the server is only ever reached over TLS there); when finished,
 * its count by part of the service and status class (metrics) and, above `info` (where
 * successful requests are not logged at all), a line for each refused or failed one.
 */
function responseHooks({ production, logger, observe }: { production: boolean; logger?: Logger; observe?: (path: string, status: number) => void }): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cache-Control', 'no-store');
    if (production) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (logger || observe) {
      res.once('finish', () => {
        const path = req.originalUrl.split('?')[0];
        const status = res.statusCode;
        observe?.(path, status);
        if (!logger || status < 400) return;
        const line = { req: { method: req.method, path }, res: { status } };
        if (status >= 500) logger.error(line, 'request failed');
        else logger.warn(line, 'request refused');
      });
    }
    next();
  };
}

/**
 * Requests that carry X-Forwarded-For while TRUST_PROXY trusts no proxy: behind a load
 * balancer every person then shares the proxy's address (one lockout locks everyone
 * out). Said once, so an operator sees it in the first minutes.
 */
function forwardedWithoutTrust(logger: Logger): RequestHandler {
  let said = false;
  return (req, _res, next) => {
    if (!said && req.headers['x-forwarded-for'] !== undefined) {
      said = true;
      logger.warn({ variable: 'TRUST_PROXY' }, 'requests arrive through a proxy (X-Forwarded-For) but TRUST_PROXY trusts none: set TRUST_PROXY to the proxy addresses so limits see client addresses');
    }
    next();
  };
}

/** Domain errors become 4xx with their message; anything else a 500 without internals. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (status >= 400 && status < 500) {
      // The body readers' errors: malformed, oversized, compressed or in another charset.
      const message = status === 413 ? 'request body too large' : status === 415 ? 'unsupported content encoding or charset' : 'malformed request';
      res.status(status).type('text/plain').send(`bad request: ${message}`);
      return;
    }
    logger.error({ err }, 'unexpected error');
    res.status(500).type('text/plain').send('internal error');
  };
}
