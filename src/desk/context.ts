import type { Logger } from 'pino';
import type { HandoffAdapter } from '../caseLink/handoff/adapter';
import type { DeskDeps } from '../caseLink/types';
import type { Config } from '../config';

/** What every part of the desk (API, console, staff bot) is built from. */
export interface DeskContext extends DeskDeps {
  config: Config;
  logger: Logger;
  handoffAdapter: HandoffAdapter;
  /** Runs due hand-off deliveries soon (after a hand-off); errors are logged, never thrown. */
  kickHandoffs(): void;
}

/** The cookie that carries a console session token (the database holds its hash). */
export const SESSION_COOKIE = 'psl_session';
