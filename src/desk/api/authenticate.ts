import { parse as parseCookie } from 'cookie';
import type { RequestHandler } from 'express';
import { AppError } from '../../caseLink/appError';
import { sameSecret } from '../../crypto/sameSecret';
import type { Actor } from '../../caseLink/types';
import { staffBySession, staffByToken } from '../auth';
import { sessionCookieName, type DeskContext } from '../context';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the staff member from a bearer token or a console session cookie into
 * `res.locals.actor`. With a cookie, a state-changing request must also carry the
 * session's CSRF token in `X-CSRF-Token`.
 */
export function authenticate(ctx: Pick<DeskContext, 'prisma' | 'clock' | 'config'>): RequestHandler {
  const SESSION_COOKIE = sessionCookieName(ctx.config.NODE_ENV === 'production');
  return async (req, res, next) => {
    const header = req.headers.authorization;
    let actor: (Actor & { name: string }) | null = null;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      actor = match ? await staffByToken(ctx.prisma, match[1]) : null;
      if (!actor) throw new AppError('unauthenticated', 'Invalid or revoked token', 401);
    } else {
      const token = parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
      const session = token ? await staffBySession(ctx.prisma, token, ctx.clock()) : null;
      if (!session) throw new AppError('unauthenticated', 'A bearer token or a console session is required', 401);
      if (!SAFE_METHODS.has(req.method) && !sameSecret(String(req.headers['x-csrf-token'] ?? ''), session.csrfToken)) {
        throw new AppError('csrf', 'Missing or wrong X-CSRF-Token header', 403);
      }
      actor = session.actor;
    }
    res.locals.actor = actor;
    next();
  };
}
