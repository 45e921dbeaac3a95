import express from 'express';
import type { Config } from '../../config';
import { isGsm7Char, septets, transliterate } from '../gsm7';
import type { Provider } from '../provider';
import { smsChannel } from '../sms/smsChannel';
import { smsSessionKey } from '../sms/smsWebhook';
import { atCallbackGuard, atCallbackStatus } from './callbackGuard';
import { atSmsRoute } from './sms';
import { createAtSmsSender } from './smsApi';
import { USSD_CAPABILITIES, ussdRoute } from './ussd';
import { createUssdRenderer, USSD_MAX_SEPTETS } from './ussdRenderer';

export const AT_USSD_PATH = '/webhooks/africastalking/ussd';
export const AT_SMS_PATH = '/webhooks/africastalking/sms';

const smsConfigured = (config: Config) => Boolean(config.AT_USERNAME && config.AT_API_KEY);

/**
 * Africa's Talking: USSD (always served, behind the callback guard) and SMS (with
 * AT_USERNAME and AT_API_KEY; replies go out through the SMS API, via the outbox). In
 * production both are off without AT_WEBHOOK_SECRET, and `/healthz` says why.
 */
export const africasTalkingProvider: Provider = {
  name: 'africastalking',
  channels: [
    {
      id: 'ussd',
      capabilities: USSD_CAPABILITIES,
      renderer: (config) => createUssdRenderer({ transliterate: config.USSD_TRANSLITERATE }),
      content: (config) => {
        const renderer = createUssdRenderer({ transliterate: config.USSD_TRANSLITERATE });
        return {
          label: 'USSD',
          renderer,
          size: (reply) => renderer.septets(reply),
          limit: USSD_MAX_SEPTETS,
          unit: 'septets',
          tooLong: 'ussd-length',
          // The tightest channel, in the network's alphabet: its room is each string's budget.
          measure: (text) => septets(config.USSD_TRANSLITERATE ? transliterate(text) : text),
          problems: (reply) => {
            if (renderer.gsm7(reply)) return [];
            const outside = [...new Set([...renderer.render(reply)].filter((c) => !isGsm7Char(c)))].join(' ');
            return [{ kind: 'ussd-alphabet', detail: `outside GSM-7, garbled by operators: ${outside}` }];
          },
        };
      },
    },
    smsChannel('sms_africastalking'),
  ],
  webhooks: { ussd: AT_USSD_PATH, sms_africastalking: AT_SMS_PATH },
  status(config) {
    const callbacks = atCallbackStatus({ production: config.NODE_ENV === 'production', secret: config.AT_WEBHOOK_SECRET });
    const off = callbacks.enabled ? {} : { reason: callbacks.reason, variable: 'AT_WEBHOOK_SECRET' };
    return {
      ussd: { enabled: callbacks.enabled, ...off },
      sms_africastalking: smsConfigured(config) ? { enabled: callbacks.enabled, ...off } : { enabled: false },
    };
  },
  open(context) {
    const { config, keyring, logger } = context;
    const guard = atCallbackGuard({ production: config.NODE_ENV === 'production', secret: config.AT_WEBHOOK_SECRET, allowedIps: config.AT_ALLOWED_IPS });
    const routes = express.Router();
    routes.use(AT_USSD_PATH, ussdRoute({ handle: context.handle, forget: (sessionKey, address) => context.forget('ussd', sessionKey, address), guard, renderer: context.renderer('ussd') }));
    // The USSD simulator's phone dials the deployment's code.
    const simulator = express.Router().get('/config.json', (_req, res) => {
      res.json({ serviceCode: config.USSD_SERVICE_CODE });
    });
    if (!smsConfigured(config)) return { routes, simulator };
    routes.use(
      AT_SMS_PATH,
      atSmsRoute({
        handle: context.handle,
        renderer: context.renderer('sms_africastalking'),
        send: (to, body) => context.send('sms_africastalking', to, body),
        markDelivery: context.markDelivery,
        guard,
        sessionKey: smsSessionKey(keyring),
        recordDelivery: (status) => context.recordDelivery('sms_africastalking', status),
        logger,
      }),
    );
    const sender = createAtSmsSender({ username: config.AT_USERNAME!, apiKey: config.AT_API_KEY!, baseUrl: config.AT_API_BASE_URL, from: config.AT_SMS_SENDER, fetch: context.seams.fetch });
    return { routes, simulator, senders: { sms_africastalking: sender } };
  },
};
