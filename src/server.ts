import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app';
import { cancelIntake } from './caseLink/cancelIntake';
import { recordFeedback } from './caseLink/recordFeedback';
import { createIntake } from './caseLink/createIntake';
import { createDesk, type DeskOptions } from './desk/desk';
import { formatReference } from './caseLink/referenceCode';
import type { CaseLinkDeps } from './caseLink/types';
import { createChannels } from './channels/channels';
import type { ChannelStatus, ProviderSeams } from './channels/provider';
import { CHANNELS, channelStatuses, channelWebhooks } from './channels/registry';
import type { InboundMessage } from './messaging/types';
import { createMetrics } from './metrics';
import { configWarnings, flowParams, type Config } from './config';
import type { Keyring } from './crypto/keyring';
import { createPrisma, type PrismaClient } from './db';
import { Directory, seedDemoDirectory } from './directory/directory';
import { loadFlow } from './flows/loadFlow';
import { createFlowData, createValidator } from './gateway/flowData';
import { CancelGuard } from './gateway/cancelGuard';
import { Gateway, type GatewayRecord } from './gateway/gateway';
import { loadPacks, loadResources, Localizer } from './locales/localizer';
import { rehashLegacyReferences } from './caseLink/rehashLegacyReferences';
import { createStores, type Stores } from './store/stores';

/** Production refuses to start without a service directory: the message says how to import one. */
export class EmptyDirectoryError extends Error {
  constructor() {
    super(
      'The service directory is empty (no region, or no service): import one before starting in production (npx passerelle directory import FILE; `npx passerelle directory export` shows the format).',
    );
    this.name = 'EmptyDirectoryError';
  }
}

/** How often due deletions of the staff bot's number messages are looked for. */
const DELETION_SWEEP_MS = 10_000;

/** Wrong reference codes one number may send per hour (the service-wide limit is CANCEL_GUESS_LIMIT_PER_HOUR). */
const CANCEL_GUESSES_PER_NUMBER = 5;

export interface ServerOptions {
  config: Config;
  logger: Logger;
  keyring: Keyring;
  clock?: () => Date;
  randomBytes?: (size: number) => Buffer;
  /** An already-open database (tests share one); otherwise opened from DATABASE_URL. */
  prisma?: PrismaClient;
  /** Already-built stores; otherwise built here from the configuration (memory, or Redis with REDIS_URL). */
  stores?: Stores;
  /** Desk test seams: a hand-off adapter, a fake Telegram Bot API for the staff bot. */
  desk?: Pick<DeskOptions, 'handoffAdapter' | 'staffBot'>;
  /** Provider test seams: Africa's Talking's HTTP client, the community bot's identity. */
  channels?: ProviderSeams;
}

/** Everything a running Passerelle is made of, wired together; used by main, tests and benchmarks. */
export async function createServer({
  config,
  logger,
  keyring,
  clock = () => new Date(),
  randomBytes = crypto.randomBytes,
  prisma: given,
  stores: givenStores,
  desk: deskOptions,
  channels: channelOptions,
}: ServerOptions) {
  const prisma = given ?? (await createPrisma(config.DATABASE_URL));
  if (config.NODE_ENV !== 'production' && (await seedDemoDirectory(prisma))) {
    logger.warn('the directory was empty: the fictional demo directory was loaded');
  }
  let directory = await Directory.load(prisma, clock);
  // People would find no service and no way on: production never starts like that (a trial gets the demo directory).
  if (config.NODE_ENV === 'production' && (directory.regions().length === 0 || directory.entries().length === 0)) throw new EmptyDirectoryError();
  const localizer = new Localizer(loadResources(), { packs: loadPacks(), showDrafts: config.SHOW_DRAFT_STRINGS });
  for (const lang of config.LANGUAGES) {
    if (!localizer.resources[lang]) throw new Error(`LANGUAGES: no locale folder for "${lang}"`);
  }
  const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
  const statisticsQueues = [...new Set(config.QUEUE_ROUTES.map((r) => r.value))];
  const metrics = createMetrics({ prisma, clock, queues: statisticsQueues, webhooks: channelWebhooks() });
  const deps: CaseLinkDeps = { prisma, keyring, config, clock, randomBytes, events: metrics.events };
  const rehashed = await rehashLegacyReferences(deps);
  if (rehashed > 0) logger.info({ rehashed }, 'reference codes of earlier requests now kept as keyed hashes only');
  const production = config.NODE_ENV === 'production';
  // Built once, here: the channels, the gateway and the desk receive them.
  const stores = givenStores ?? (await createStores({ config, prisma, logger, keyring, clock: () => clock().getTime() }));
  const statisticsKeys = { channels: CHANNELS.map((channel) => channel.id), queues: statisticsQueues };
  const desk = createDesk({ prisma, keyring, config, logger, clock, randomBytes, stores, statisticsKeys, events: metrics.events, ...deskOptions });
  /** One step of a conversation, counted. */
  const handle = (message: InboundMessage) => {
    metrics.step(message.channel);
    return gateway.handle(message);
  };
  const store = stores.sessions<GatewayRecord>('gateway');
  const channels = createChannels({
    config,
    logger,
    keyring,
    prisma,
    stores,
    clock,
    randomBytes,
    handle,
    markDelivery: (message, delivered) => gateway.markDelivery(message, delivered),
    forget: (channel, sessionKey, address) => gateway.forget(channel, sessionKey, address),
    seams: channelOptions,
  });
  const gateway = new Gateway({
    flow,
    localizer,
    store,
    lock: stores.lock('conversation'),
    keyring,
    logger,
    clock,
    intakes: {
      createIntake: async (o) => {
        const result = await createIntake(deps, o);
        // The desk (staff bot) hears of new intakes; the gateway stays unaware of it.
        if (result.outcome === 'ok') desk.onIntakeCreated(result.intakeId);
        return result;
      },
      cancelIntake: (o) => cancelIntake(deps, o),
    },
    feedback: { recordFeedback: (o) => recordFeedback(deps, o) },
    renderers: channels.renderers,
    sessionTtls: channels.sessionTtls,
    notices: channels.notices,
    randomId: () => randomBytes(16).toString('hex'),
    data: createFlowData(() => directory, config.LANGUAGES),
    params: flowParams(config),
    validate: createValidator(config.DEFAULT_COUNTRY),
    languages: config.LANGUAGES,
    sessionTtlMs: config.USSD_SESSION_TTL_SECONDS * 1000,
    formatReference,
    cancelGuard: new CancelGuard({
      attempts: stores.attempts,
      keyring,
      logger,
      clock,
      perNumber: CANCEL_GUESSES_PER_NUMBER,
      perService: config.CANCEL_GUESS_LIMIT_PER_HOUR,
      onOutcome: (o) => metrics.wrongCode(o),
    }),
  });
  // Every provider's entries, and the desk's staff bot.
  const statuses: Record<string, ChannelStatus> = { ...channelStatuses(config), telegram_staff: { enabled: Boolean(config.TELEGRAM_STAFF_TOKEN) } };
  const disabledReasons: Record<string, string> = Object.fromEntries(Object.entries(statuses).flatMap(([name, s]) => (!s.enabled && s.reason ? [[name, s.reason]] : [])));
  const app = createApp({
    logger,
    trustProxy: config.TRUST_PROXY,
    production,
    metrics: { observe: metrics.observe, ...(config.METRICS_TOKEN ? { route: metrics.route(config.METRICS_TOKEN) } : {}) },
    disabledReasons,
    channels: Object.fromEntries(Object.entries(statuses).map(([name, s]) => [name, s.enabled ? 'enabled' : 'disabled'])),
    simulator: !production,
    failing: async () => {
      const [database, shared] = await Promise.all([
        prisma.$queryRawUnsafe('SELECT 1').then(
          () => true,
          () => false,
        ),
        stores.healthy(),
      ]);
      return [...(database ? [] : ['database']), ...(shared ? [] : ['redis'])];
    },
    channelRoutes: channels.routes,
    simulatorRoutes: channels.simulatorRoutes,
    desk: { api: desk.api, console: desk.console, staffWebhook: desk.staffWebhook },
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  /** Runs the retention purge once (unless another instance is running it: undefined); logs counts only. */
  const purge = async () => {
    const result = await desk.runMaintenance();
    if (result && (result.expired || result.contactsDestroyed)) logger.info(result, 'purge');
    return result;
  };

  return {
    app,
    prisma,
    gateway,
    localizer,
    flow,
    store,
    stores,
    purge,
    desk,
    /** Every provider of the registry: outbox, opened providers, start/stop. */
    channels,
    /** Re-reads the directory after an import. */
    reloadDirectory: async () => {
      directory = await Directory.load(prisma, clock);
    },
    /**
     * What the start log warns about, naming the variable: channels that configuration
     * leaves off, settings that trust too much, queues nobody works (their requests would
     * wait unseen until they expire).
     */
    async warnings(): Promise<void> {
      // One line per reason, naming the variable and the channels it leaves off.
      const off = new Map<string, { variable: string; channels: string[] }>();
      for (const [name, s] of Object.entries(statuses)) {
        if (s.enabled || !s.reason || !s.variable) continue;
        const entry = off.get(s.reason) ?? { variable: s.variable, channels: [] };
        entry.channels.push(name);
        off.set(s.reason, entry);
      }
      for (const [reason, entry] of off) logger.warn(entry, reason);
      for (const { variable, message } of configWarnings(config)) logger.warn({ variable }, message);
      const staffed = new Set((await prisma.staff.findMany({ where: { active: true }, select: { queues: true } })).flatMap((s) => s.queues.split(',')));
      for (const queue of new Set(config.QUEUE_ROUTES.map((r) => r.value))) {
        if (!staffed.has(queue))
          logger.warn(
            { variable: 'QUEUE_ROUTES', queue },
            `no active staff member works the queue "${queue}": its requests wait unseen until they expire (passerelle staff add --queues ${queue} ...)`,
          );
      }
    },
    /** Starts the periodic purge (the server's own schedule). */
    startPurge() {
      purgeTimer = setInterval(() => {
        purge().catch((err) => logger.error({ err }, 'purge failed'));
        // A directory imported with the CLI is picked up here.
        Directory.load(prisma, clock)
          .then((loaded) => {
            directory = loaded;
          })
          .catch((err) => logger.error({ err }, 'directory reload failed'));
      }, config.PURGE_INTERVAL_SECONDS * 1000);
      purgeTimer.unref();
      // The staff bot's number messages are deleted when due, whichever instance sent them.
      sweepTimer = setInterval(() => {
        desk.sweepDeletions().catch((err) => logger.error({ err }, 'staff bot: deletion sweep failed'));
      }, DELETION_SWEEP_MS);
      sweepTimer.unref();
    },
    async close(server?: Server) {
      if (purgeTimer) clearInterval(purgeTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      await channels.stop();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!givenStores) await stores.close();
      if (!given) await prisma.$disconnect();
    },
  };
}
export type PasserelleServer = Awaited<ReturnType<typeof createServer>>;
