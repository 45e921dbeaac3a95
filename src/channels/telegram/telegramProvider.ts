import express from 'express';
import type { Bot } from 'grammy';
import type { OpenedProvider, Provider } from '../provider';
import { communityWebhook, createCommunityBot, TELEGRAM_CAPABILITIES, TELEGRAM_COMMUNITY_PATH, type TelegramRecord } from './communityBot';
import { SimulatedBotApi } from './simulatedBotApi';
import { renderTelegram, TELEGRAM_LIMITS, telegramRenderer } from './telegramRenderer';

/** The opened community bot: its grammY bot, for tests that feed it updates directly. */
export interface TelegramProvider extends OpenedProvider {
  bot?: Bot;
}

/**
 * The community Telegram bot: the real bot with TELEGRAM_COMMUNITY_TOKEN, or in
 * development a bot whose Bot API is simulated in memory (the simulator's chat view).
 * Started by registering its webhook with a public URL, or by long polling without one
 * (development). The staff bot belongs to the desk.
 */
export const telegramProvider: Provider = {
  name: 'telegram',
  channels: [
    {
      id: 'telegram',
      capabilities: TELEGRAM_CAPABILITIES,
      renderer: () => telegramRenderer,
      sessionTtlMs: (config) => config.TELEGRAM_SESSION_TTL_SECONDS * 1000,
      content: () => ({
        label: 'Telegram',
        renderer: telegramRenderer,
        size: (reply) => renderTelegram(reply, 999_999_999).text.length,
        limit: TELEGRAM_LIMITS.text,
        unit: 'characters',
        tooLong: 'telegram-length',
        problems: (reply) => {
          const { markup } = renderTelegram(reply, 999_999_999);
          const buttons = ('inline_keyboard' in markup ? markup.inline_keyboard.flat() : markup.keyboard.flat()) as Array<{ text: string } | string>;
          return buttons
            .map((button) => (typeof button === 'string' ? button : button.text))
            .filter((text) => text.length > TELEGRAM_LIMITS.buttonText)
            .map((text) => ({ kind: 'telegram-button', detail: `button "${text}" is longer than ${TELEGRAM_LIMITS.buttonText} characters` }));
        },
      }),
    },
  ],
  webhooks: { telegram_community: TELEGRAM_COMMUNITY_PATH },
  status: (config) => ({ telegram_community: { enabled: Boolean(config.TELEGRAM_COMMUNITY_TOKEN) } }),
  open(context): TelegramProvider {
    const { config, keyring, logger, clock } = context;
    const production = config.NODE_ENV === 'production';
    const token = config.TELEGRAM_COMMUNITY_TOKEN ?? (production ? undefined : 'simulator:development');
    if (!token) return {};
    const bot = createCommunityBot({
      token,
      apiRoot: config.TELEGRAM_API_ROOT,
      botInfo: context.seams.telegramBotInfo,
      handle: context.handle,
      forget: (sessionKey, address) => context.forget('telegram', sessionKey, address),
      hash: (value) => keyring.hash(value),
      store: context.stores.sessions<TelegramRecord>('telegram'),
      lock: context.stores.lock('telegram-chat'),
      ttlMs: config.TELEGRAM_SESSION_TTL_SECONDS * 1000,
      logger,
      clock: () => clock().getTime(),
    });
    // The simulated bot never uses the configured secret: the simulator hands its secret to any browser,
    // and TELEGRAM_WEBHOOK_SECRET also guards the staff bot's webhook.
    const derivedSecret = keyring.hash('telegram-webhook-secret:community').slice(0, 48);
    const secret = config.TELEGRAM_COMMUNITY_TOKEN ? (config.TELEGRAM_WEBHOOK_SECRET ?? derivedSecret) : derivedSecret;
    const routes = express.Router();
    routes.use(TELEGRAM_COMMUNITY_PATH, communityWebhook({ bot, secret }));
    const simulator = express.Router();
    let simulatedApi: SimulatedBotApi | undefined;
    if (!config.TELEGRAM_COMMUNITY_TOKEN) {
      const api = (simulatedApi = new SimulatedBotApi());
      bot.api.config.use(api.transformer);
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
    return {
      bot,
      routes,
      simulator,
      /** Webhook registration with a public URL, long polling without (development). */
      async start() {
        if (simulatedApi) return;
        if (config.PUBLIC_BASE_URL) {
          try {
            await bot.api.setWebhook(`${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}${TELEGRAM_COMMUNITY_PATH}`, { secret_token: secret, allowed_updates: ['message', 'callback_query'] });
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
      async stop() {
        if (bot.isRunning()) await bot.stop();
      },
    };
  },
};
