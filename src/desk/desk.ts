import crypto from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { deliverHandoffs } from '../caseLink/deliverHandoffs';
import { builtinHandoffAdapter, type HandoffAdapter } from '../caseLink/handoff/adapter';
import { primeroHandoffAdapter } from '../caseLink/handoff/primeroAdapter';
import { webhookHandoffAdapter } from '../caseLink/handoff/webhookAdapter';
import { purge } from '../caseLink/purge';
import { primeroModules, type Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../db';
import { Lease } from '../store/lease';
import { announceStaleClaims } from './announceStaleClaims';
import { apiRouter } from './api/apiRouter';
import { consoleRouter } from './console/consoleRouter';
import type { DeskContext, DeskStores } from './context';
import { createStaffBot, type StaffBot, type StaffBotOptions } from './staffBot/staffBot';
import type { StatisticsKeys } from '../caseLink/statistics';
import type { IntakeEvents } from '../caseLink/types';

export interface DeskOptions {
  prisma: PrismaClient;
  keyring: Keyring;
  config: Config;
  logger: Logger;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
  /** Overrides the adapter chosen from configuration (tests). */
  handoffAdapter?: HandoffAdapter;
  /** Staff bot options for tests: a fake Bot API, a scheduler, botInfo. */
  staffBot?: Partial<StaffBotOptions>;
  /** Failed attempts, the login limiter's store and work due later: shared by every instance with Redis. */
  stores: DeskStores;
  /** The keys every statistics table always shows. */
  statisticsKeys: StatisticsKeys;
  /** Where what happens to requests is counted (metrics). */
  events?: IntakeEvents;
}

export interface Desk {
  context: DeskContext;
  api: Router;
  console: Router;
  /** The staff bot's webhook handler, when TELEGRAM_STAFF_TOKEN is set. */
  staffWebhook?: RequestHandler;
  staffBot?: StaffBot;
  /** Announce a new intake to the staff group (called by the server when the gateway creates one). */
  onIntakeCreated(intakeId: string): void;
  /** The retention purge, stale claims told to the staff group, due hand-off deliveries: on one instance at a time; counts only, or undefined when another instance is running them. */
  runMaintenance(): Promise<Awaited<ReturnType<typeof purge>> | undefined>;
  /** The staff bot's due deletions of number messages (any instance); how many were deleted. */
  sweepDeletions(): Promise<number>;
}

/** How long a purge may run before another instance may take over (a dead holder frees it then). */
const MAINTENANCE_LEASE_MS = 10 * 60_000;

/** The hand-off adapter HANDOFF_ADAPTER names: the built-in queue, the signed webhook or Primero (loadConfig checked their settings). */
export function handoffAdapterFor(config: Config, clock: () => Date, logger?: Logger): HandoffAdapter {
  switch (config.HANDOFF_ADAPTER) {
    case 'webhook':
      if (!config.HANDOFF_WEBHOOK_URL || !config.HANDOFF_WEBHOOK_SECRET) throw new Error('HANDOFF_WEBHOOK_URL and HANDOFF_WEBHOOK_SECRET: required when HANDOFF_ADAPTER is webhook');
      return webhookHandoffAdapter({ url: config.HANDOFF_WEBHOOK_URL, secret: config.HANDOFF_WEBHOOK_SECRET, clock });
    case 'primero':
      if (!config.PRIMERO_URL || !config.PRIMERO_USERNAME || !config.PRIMERO_PASSWORD) throw new Error('PRIMERO_URL, PRIMERO_USERNAME and PRIMERO_PASSWORD: required when HANDOFF_ADAPTER is primero');
      return primeroHandoffAdapter({
        url: config.PRIMERO_URL,
        username: config.PRIMERO_USERNAME,
        password: config.PRIMERO_PASSWORD,
        modules: primeroModules(config),
        fields: Object.fromEntries((config.PRIMERO_FIELDS ?? []).map((p) => [p.name, p.value])),
        languages: config.PRIMERO_LANGUAGES && Object.fromEntries(config.PRIMERO_LANGUAGES.map((p) => [p.name, p.value])),
        timeZone: config.TIME_ZONE,
        timeoutMs: config.PRIMERO_TIMEOUT_SECONDS * 1000,
        logger,
        clock,
      });
    default:
      return builtinHandoffAdapter;
  }
}

/** The callback desk: staff API, web console, staff Telegram bot, hand-off and retention, wired on caseLink. */
export function createDesk(options: DeskOptions): Desk {
  const { prisma, keyring, config, logger, clock, randomBytes } = options;
  if (config.CASELOAD_WARNING > config.CASELOAD_LIMIT) throw new Error('CASELOAD_WARNING: must not be above CASELOAD_LIMIT');
  if (config.TELEGRAM_STAFF_TOKEN && !config.STAFF_TELEGRAM_GROUP_ID) logger.warn('STAFF_TELEGRAM_GROUP_ID is not set: new intakes are not announced to the staff bot');
  const handoffAdapter = options.handoffAdapter ?? handoffAdapterFor(config, clock, logger);
  let delivering: Promise<unknown> = Promise.resolve();
  const runHandoffs = () => {
    delivering = delivering
      .then(() => deliverHandoffs(context, handoffAdapter))
      .then((r) => {
        if (r.delivered || r.retried || r.failed) logger.info(r, 'hand-offs');
      })
      .catch((err) => logger.error({ err }, 'hand-off delivery failed'));
    return delivering;
  };
  const context: DeskContext = {
    prisma,
    keyring,
    config,
    logger,
    clock,
    randomBytes,
    events: options.events,
    handoffAdapter,
    kickHandoffs: () => void runHandoffs(),
    attempts: options.stores.attempts,
    stores: options.stores,
    statisticsKeys: options.statisticsKeys,
  };
  // Several instances purge on the same schedule: one at a time does it (the lease outlives a slow run).
  // (The holder's id is drawn apart from the injected randomness: it is seen nowhere, and tests' draws stay as they were.)
  const maintenance = new Lease(prisma, 'maintenance', crypto.randomUUID(), MAINTENANCE_LEASE_MS);
  const staffBot = config.TELEGRAM_STAFF_TOKEN ? createStaffBot(context, { token: config.TELEGRAM_STAFF_TOKEN, ...options.staffBot }) : undefined;
  return {
    context,
    api: apiRouter(context),
    console: consoleRouter(context),
    staffBot,
    staffWebhook: staffBot?.webhook,
    onIntakeCreated(intakeId) {
      staffBot?.announce(intakeId).catch((err) => logger.error({ err }, 'staff bot: announcement failed'));
    },
    runMaintenance() {
      return maintenance.run(clock(), async () => {
        const result = await purge(context, {
          onExpiredClaims: (claims) => {
            staffBot?.announceExpired(claims.map((c) => c.label)).catch((err) => logger.error({ err }, 'staff bot: expiry announcement failed'));
          },
        });
        // Claims stale for STALE_CLAIM_HOURS, each told once in the staff group (by label and staff name only).
        if (staffBot && config.STAFF_TELEGRAM_GROUP_ID) {
          const told = await announceStaleClaims(context, (claim) => staffBot.announceStale(claim)).catch((err) => {
            logger.error({ err }, 'staff bot: stale claims could not be read');
            return 0;
          });
          if (told > 0) logger.info({ staleClaimsAnnounced: told }, 'stale claims announced');
        }
        await runHandoffs();
        return result;
      });
    },
    async sweepDeletions() {
      return staffBot ? staffBot.sweepDeletions() : 0;
    },
  };
}
