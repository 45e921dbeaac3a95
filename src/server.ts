import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app';
import { cancelIntake } from './caseLink/cancelIntake';
import { createIntake } from './caseLink/createIntake';
import { expireIntakes } from './caseLink/expireIntakes';
import { formatReference } from './caseLink/referenceCode';
import type { CaseLinkDeps } from './caseLink/types';
import { ussdRenderer } from './channels/africastalking/ussdRenderer';
import type { Config } from './config';
import type { Keyring } from './crypto/keyring';
import { createPrisma, type PrismaClient } from './db';
import { Directory, seedDemoDirectory } from './directory/directory';
import { loadFlow } from './flows/loadFlow';
import { createFlowData, createValidator } from './gateway/flowData';
import { Gateway, type Session } from './gateway/gateway';
import { MemorySessionStore } from './gateway/sessionStore';
import { loadResources, Localizer } from './locales/localizer';

export interface ServerOptions {
  config: Config;
  logger: Logger;
  keyring: Keyring;
  clock?: () => Date;
  randomBytes?: (size: number) => Buffer;
  /** An already-open database (tests share one); otherwise opened from DATABASE_URL. */
  prisma?: PrismaClient;
}

/** Everything a running Passerelle is made of, wired together; used by main, tests and benchmarks. */
export async function createServer({ config, logger, keyring, clock = () => new Date(), randomBytes = crypto.randomBytes, prisma: given }: ServerOptions) {
  const prisma = given ?? (await createPrisma(config.DATABASE_URL));
  if (config.NODE_ENV !== 'production' && (await seedDemoDirectory(prisma))) {
    logger.warn('the directory was empty: the fictional demo directory was loaded');
  }
  let directory = await Directory.load(prisma, clock);
  const localizer = new Localizer(loadResources());
  for (const lang of config.LANGUAGES) {
    if (!localizer.resources[lang]) throw new Error(`LANGUAGES: no locale folder for "${lang}"`);
  }
  const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
  const deps: CaseLinkDeps = { prisma, keyring, config, clock, randomBytes };
  const store = new MemorySessionStore<Session>({ maxEntries: config.SESSION_MAX_ENTRIES, clock: () => clock().getTime() });
  const gateway = new Gateway({
    flow,
    localizer,
    store,
    keyring,
    logger,
    clock,
    intakes: { createIntake: (o) => createIntake(deps, o), cancelIntake: (o) => cancelIntake(deps, o) },
    renderers: { ussd: ussdRenderer },
    data: createFlowData(() => directory, config.LANGUAGES),
    params: {
      hotline: config.HOTLINE_NUMBER,
      emergency: config.EMERGENCY_NUMBERS.map((n) => `${n.name} ${n.value}`).join(', '),
      retentionHours: String(config.INTAKE_TTL_HOURS),
    },
    validate: createValidator(config.DEFAULT_COUNTRY),
    languages: config.LANGUAGES,
    sessionTtlMs: config.USSD_SESSION_TTL_SECONDS * 1000,
    formatReference,
  });
  const app = createApp({
    logger,
    handle: (message) => gateway.handle(message),
    channels: {
      ussd: 'enabled',
      sms_africastalking: config.AT_USERNAME && config.AT_API_KEY ? 'enabled' : 'disabled',
      sms_twilio: config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN ? 'enabled' : 'disabled',
      telegram_community: config.TELEGRAM_COMMUNITY_TOKEN ? 'enabled' : 'disabled',
      telegram_staff: config.TELEGRAM_STAFF_TOKEN ? 'enabled' : 'disabled',
    },
    atWebhookSecret: config.AT_WEBHOOK_SECRET,
    simulator: config.NODE_ENV !== 'production',
    ussdServiceCode: config.USSD_SERVICE_CODE,
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  /** Runs the retention purge once; logs counts only. */
  const purge = async () => {
    const result = await expireIntakes(deps);
    if (result.expired || result.contactsDestroyed) logger.info(result, 'purge');
    return result;
  };

  return {
    app,
    prisma,
    gateway,
    localizer,
    flow,
    store,
    purge,
    /** Re-reads the directory after an import. */
    reloadDirectory: async () => {
      directory = await Directory.load(prisma, clock);
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
    },
    async close(server?: Server) {
      if (purgeTimer) clearInterval(purgeTimer);
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!given) await prisma.$disconnect();
    },
  };
}
export type PasserelleServer = Awaited<ReturnType<typeof createServer>>;
