import express from 'express';
import type { Provider } from '../provider';
import { smsChannel } from '../sms/smsChannel';
import { smsSessionKey } from '../sms/smsWebhook';
import { TWILIO_SMS_PATH, twilioSmsRoute } from './sms';
import { twilioAuthToken, twilioSignerRoute } from './twilioWebhook';

/**
 * Twilio SMS: served with TWILIO_AUTH_TOKEN, or in development with a token derived from
 * HASH_KEY (the simulator asks the server to sign with it); reported enabled on
 * `/healthz` with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.
 */
export const twilioProvider: Provider = {
  name: 'twilio',
  channels: [smsChannel('sms_twilio')],
  webhooks: { sms_twilio: TWILIO_SMS_PATH },
  status: (config) => ({ sms_twilio: { enabled: Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) } }),
  open(context) {
    const { config, keyring, logger } = context;
    const production = config.NODE_ENV === 'production';
    const authToken = twilioAuthToken(config, keyring);
    if (!authToken) return {};
    const routes = express.Router();
    routes.use(
      TWILIO_SMS_PATH,
      twilioSmsRoute({
        handle: context.handle,
        renderer: context.renderer('sms_twilio'),
        authToken,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        trustHostHeader: !production && !config.PUBLIC_BASE_URL,
        sessionKey: smsSessionKey(keyring),
        recordDelivery: (status) => context.recordDelivery('sms_twilio', status),
        logger,
      }),
    );
    const simulator = express.Router();
    if (!production && !config.TWILIO_AUTH_TOKEN) simulator.use('/twilio/sign', twilioSignerRoute({ config, authToken, path: TWILIO_SMS_PATH }));
    return {
      routes,
      simulator,
      async start() {
        if (production && !config.PUBLIC_BASE_URL) logger.warn({ channel: 'sms_twilio' }, 'twilio: PUBLIC_BASE_URL is needed to check signatures; every request will be refused');
      },
    };
  },
};
