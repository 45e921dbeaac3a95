import express, { type RequestHandler, type Router } from 'express';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../db';
import type { Stores } from '../store/stores';
import { deliveryRecorder } from '../outbox/deliveryStats';
import { Outbox } from '../outbox/outbox';
import { atSmsRoute } from './africastalking/sms';
import { createAtSmsSender } from './africastalking/smsApi';
import { createSmsRenderer } from './sms/smsRenderer';
import { communityWebhook, createCommunityBot, TELEGRAM_COMMUNITY_PATH, type TelegramRecord } from './telegram/communityBot';
import { SimulatedBotApi } from './telegram/simulatedBotApi';
import { telegramRenderer } from './telegram/telegramRenderer';
import { TWILIO_SMS_PATH, twilioSmsRoute } from './twilio/sms';
import type { ChannelId, ChannelRenderer, InboundMessage, Reply } from '../messaging/types';

export interface TextChannelsOptions {
  /** The gateway's record of replies handed over for sending (Gateway.markDelivery). */
  markDelivery?(message: InboundMessage, delivered: boolean): Promise<void>;
  config: Config;
  logger: Logger;
  keyring: Keyring;
  prisma: PrismaClient;
  /** Where the community bot keeps its chats' records and locks (built once by the server). */
  stores: Pick<Stores, 'sessions' | 'lock'>;
  clock: () => Date;
  randomBytes: (size: number) => Buffer;
  /** The gateway's step (bound late: the gateway needs these channels' renderers first). */
  handle(message: InboundMessage): Promise<Reply>;
  forget(channel: ChannelId, sessionKey: string, address: string): Promise<void>;
  /** Guards every Africa's Talking callback (secret, allowed addresses, off in production without a secret). */
  atGuard: RequestHandler;
  /** Test seams: the Africa's Talking HTTP client, the Telegram bot's identity (skips getMe). */
  fetch?: typeof fetch;
  telegramBotInfo?: UserFromGetMe;
}

/**
 * SMS (Twilio, Africa's Talking) and the community Telegram bot, wired: renderers and
 * per-channel rules for the gateway, webhook routes, the outbox, and the bot's start
 * (webhook registration, or long polling in development without a public URL).
 */
export function createTextChannels(options: TextChannelsOptions) {
  const { config, logger, keyring, prisma, clock } = options;
  const production = config.NODE_ENV === 'production';
  const sms = createSmsRenderer({ transliterate: config.SMS_TRANSLITERATE });
  const record = deliveryRecorder(prisma, clock);
  const smsSessionKey = (address: string) => keyring.hash(`sms-session:${address}`).slice(0, 40);

  const atEnabled = Boolean(config.AT_USERNAME && config.AT_API_KEY);
  const outbox = new Outbox({
    prisma,
    keyring,
    logger,
    clock,
    randomBytes: options.randomBytes,
    recordDelivery: record,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    senders: atEnabled
      ? { sms_africastalking: createAtSmsSender({ username: config.AT_USERNAME!, apiKey: config.AT_API_KEY!, baseUrl: config.AT_API_BASE_URL, from: config.AT_SMS_SENDER, fetch: options.fetch }) }
      : {},
  });

  const routes = express.Router();
  const simulator = express.Router();

  // Twilio: the real auth token, or in development a derived one the simulator signs with.
  const twilioToken = config.TWILIO_AUTH_TOKEN ?? (production ? undefined : keyring.hash('twilio-development-auth-token'));
  if (twilioToken) {
    routes.use(
      TWILIO_SMS_PATH,
      twilioSmsRoute({
        handle: options.handle,
        renderer: sms,
        authToken: twilioToken,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        trustHostHeader: !production && !config.PUBLIC_BASE_URL,
        sessionKey: smsSessionKey,
        recordDelivery: (status) => record('sms_twilio', status),
        logger,
      }),
    );
    if (!production && !config.TWILIO_AUTH_TOKEN) {
      // Development only, and only with the derived token: the simulator asks the server to sign
      // its Twilio-shaped requests. A real auth token never serves as a signing oracle.
      simulator.post('/twilio/sign', express.json({ limit: '16kb' }), (req, res) => {
        const { path, params } = (req.body ?? {}) as { path?: unknown; params?: unknown };
        const valid = typeof path === 'string' && path.startsWith(TWILIO_SMS_PATH) && typeof params === 'object' && params !== null && Object.values(params).every((v) => typeof v === 'string');
        if (!valid) {
          res.status(400).json({ error: { code: 'bad_request', message: 'path (under /webhooks/twilio/sms) and params (strings) are required' } });
          return;
        }
        // The same URL the route checks: the public origin, else (development) this request's host.
        const origin = config.PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
        res.json({ signature: getExpectedTwilioSignature(twilioToken, `${origin}${path}`, params as Record<string, string>) });
      });
    }
  }

  if (atEnabled) {
    routes.use(
      '/webhooks/africastalking/sms',
      atSmsRoute({
        handle: options.handle,
        renderer: sms,
        send: (to, body) => outbox.send('sms_africastalking', to, body),
        markDelivery: options.markDelivery,
        guard: options.atGuard,
        sessionKey: smsSessionKey,
        recordDelivery: (status) => record('sms_africastalking', status),
        logger,
      }),
    );
  }

  // Telegram: the real bot, or in development a bot whose Bot API is simulated in memory.
  let simulatedApi: SimulatedBotApi | undefined;
  let telegramSecret: string | undefined;
  const token = config.TELEGRAM_COMMUNITY_TOKEN ?? (production ? undefined : 'simulator:development');
  const bot = token
    ? createCommunityBot({
        token,
        apiRoot: config.TELEGRAM_API_ROOT,
        botInfo: options.telegramBotInfo,
        handle: options.handle,
        forget: (sessionKey, address) => options.forget('telegram', sessionKey, address),
        hash: (value) => keyring.hash(value),
        store: options.stores.sessions<TelegramRecord>('telegram'),
        lock: options.stores.lock('telegram-chat'),
        ttlMs: config.TELEGRAM_SESSION_TTL_SECONDS * 1000,
        logger,
        clock: () => clock().getTime(),
      })
    : undefined;
  if (bot) {
    // The simulated bot never uses the configured secret: the simulator hands its secret to any browser,
    // and TELEGRAM_WEBHOOK_SECRET also guards the staff bot's webhook.
    const derivedSecret = keyring.hash('telegram-webhook-secret:community').slice(0, 48);
    telegramSecret = config.TELEGRAM_COMMUNITY_TOKEN ? (config.TELEGRAM_WEBHOOK_SECRET ?? derivedSecret) : derivedSecret;
    routes.use(TELEGRAM_COMMUNITY_PATH, communityWebhook({ bot, secret: telegramSecret }));
    if (!config.TELEGRAM_COMMUNITY_TOKEN) {
      simulatedApi = new SimulatedBotApi();
      bot.api.config.use(simulatedApi.transformer);
      const api = simulatedApi;
      const secret = telegramSecret;
      simulator.get('/telegram/config.json', (_req, res) => {
        res.json({ secret, path: TELEGRAM_COMMUNITY_PATH });
      });
      simulator.get('/telegram/chat/:id', (req, res) => {
        const id = Number(req.params.id);
        if (!Number.isSafeInteger(id)) {
          res.status(400).json({ error: { code: 'bad_request', message: 'chat id must be a number' } });
          return;
        }
        res.json(api.chat(id));
      });
    }
  }

  const renderers: Partial<Record<ChannelId, ChannelRenderer>> = { sms_twilio: sms, sms_africastalking: sms, telegram: telegramRenderer };
  const reminder = { key: 'sms.reminder' };

  return {
    renderers,
    sessionTtls: { sms_twilio: config.SMS_SESSION_TTL_SECONDS * 1000, sms_africastalking: config.SMS_SESSION_TTL_SECONDS * 1000, telegram: config.TELEGRAM_SESSION_TTL_SECONDS * 1000 },
    notices: { sms_twilio: reminder, sms_africastalking: reminder },
    /** Webhook routes (mounted at the root of the app). */
    routes: routes as Router,
    /** Development helpers mounted under `/simulator` (never in production). */
    simulatorRoutes: simulator as Router,
    outbox,
    bot,
    /** Starts the outbox timer and the bot: webhook registration with a public URL, long polling without (development). */
    async start(): Promise<void> {
      outbox.start();
      if (twilioToken && production && !config.PUBLIC_BASE_URL) logger.warn({ channel: 'sms_twilio' }, 'twilio: PUBLIC_BASE_URL is needed to check signatures; every request will be refused');
      if (!bot || simulatedApi) return;
      if (config.PUBLIC_BASE_URL) {
        try {
          await bot.api.setWebhook(`${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}${TELEGRAM_COMMUNITY_PATH}`, {
            secret_token: telegramSecret,
            allowed_updates: ['message', 'callback_query'],
          });
          logger.info({ channel: 'telegram' }, 'telegram webhook registered');
        } catch (err) {
          // The server keeps serving the other channels; the webhook can be registered again at the next start.
          logger.error({ err, channel: 'telegram' }, 'telegram webhook registration failed');
        }
      } else if (!production) {
        void bot.start({ drop_pending_updates: true, allowed_updates: ['message', 'callback_query'] }).catch((err) => logger.error({ err }, 'telegram long polling stopped'));
        logger.info({ channel: 'telegram' }, 'telegram long polling (no PUBLIC_BASE_URL)');
      } else {
        logger.warn({ channel: 'telegram' }, 'telegram: PUBLIC_BASE_URL is needed for the webhook in production');
      }
    },
    async stop(): Promise<void> {
      outbox.stop();
      if (bot?.isRunning()) await bot.stop();
    },
  };
}
export type TextChannels = ReturnType<typeof createTextChannels>;
