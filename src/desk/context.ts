import type { Logger } from 'pino';
import type { HandoffAdapter } from '../caseLink/handoff/adapter';
import type { StatisticsKeys } from '../caseLink/statistics';
import type { DeskDeps } from '../caseLink/types';
import type { Config } from '../config';
import type { AttemptLog } from '../store/attemptLog';
import type { Stores } from '../store/stores';

/** What the desk asks of the stores: failed attempts, the login limiter's store, work due later. */
export type DeskStores = Pick<Stores, 'attempts' | 'rateLimit' | 'dueQueue'>;

/** What every part of the desk (API, console, staff bot) is built from. */
export interface DeskContext extends DeskDeps {
  config: Config;
  logger: Logger;
  handoffAdapter: HandoffAdapter;
  /** Runs due hand-off deliveries soon (after a hand-off); errors are logged, never thrown. */
  kickHandoffs(): void;
  /** Failed attempts counted across restarts and instances (console logins). */
  attempts: AttemptLog;
  /** The shared stores the desk keeps limits and pending work in (built once by the server). */
  stores: DeskStores;
  /** The keys every statistics table always shows (channels served, queues routed to). */
  statisticsKeys: StatisticsKeys;
}

/**
 * The cookie that carries a console session token (the database holds its hash). In
 * production it has the `__Host-` prefix: the browser then only accepts it Secure,
 * for the whole host, from this host (no subdomain can set or shadow it).
 */
export function sessionCookieName(production: boolean): string {
  return production ? '__Host-psl_session' : 'psl_session';
}
