import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppError } from './caseLink/appError';
import { ussdRoute } from './channels/africastalking/ussd';
import type { InboundMessage, Reply } from './channels/types';

export interface AppOptions {
  /** Proxy hops to trust for client addresses (TRUST_PROXY). */
  trustProxy?: number;
  logger: Logger;
  handle(message: InboundMessage): Promise<Reply>;
  channels: Record<string, 'enabled' | 'disabled'>;
  atWebhookSecret?: string;
  /** Serve the web simulator (off in production). */
  simulator: boolean;
  ussdServiceCode: string;
  /** SMS and community Telegram webhooks (issue 3), mounted beside the USSD one. */
  channelRoutes?: Router;
  /** Development helpers of the simulator (Twilio signing, simulated Telegram chat). */
  simulatorRoutes?: Router;
  /** The callback desk: staff API, web console, staff bot webhook. */
  desk?: { api: Router; console: Router; staffWebhook?: RequestHandler };
}

/** The HTTP surface: health, provider webhooks, simulator; errors mapped in one place. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? 0);
  app.use(securityHeaders);
  app.use(options.logger.isLevelEnabled('info') ? requestLogger(options.logger) : problemLogger(options.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', channels: options.channels });
  });

  app.use('/webhooks/africastalking/ussd', ussdRoute({ handle: options.handle, secret: options.atWebhookSecret }));
  if (options.channelRoutes) app.use(options.channelRoutes);

  if (options.desk) {
    app.use('/api/v1', options.desk.api);
    app.use('/console', options.desk.console);
    if (options.desk.staffWebhook) app.use('/webhooks/telegram/staff', options.desk.staffWebhook);
  }

  if (options.simulator) {
    if (options.simulatorRoutes) app.use('/simulator', options.simulatorRoutes);
    app.get('/simulator/config.json', (_req, res) => {
      res.json({ serviceCode: options.ussdServiceCode });
    });
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
 * Above `info`, successful requests are not logged at all: this logs the others
 * alone, and costs nothing on the path of a request that goes well.
 */
function problemLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      const line = { req: { method: req.method, path: req.originalUrl.split('?')[0] }, res: { status: res.statusCode } };
      if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.warn(line, 'request refused');
    });
    next();
  };
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** Domain errors become 4xx with their message; anything else a 500 without internals. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (status >= 400 && status < 500) {
      // Body-parser errors: malformed or oversized bodies.
      const message = status === 413 ? 'request body too large' : 'malformed request';
      res.status(status).type('text/plain').send(`bad request: ${message}`);
      return;
    }
    logger.error({ err }, 'unexpected error');
    res.status(500).type('text/plain').send('internal error');
  };
}
