import express from 'express';
import type { Provider } from '../provider';
import { twilioAuthToken, twilioSignerRoute } from '../twilio/twilioWebhook';
import { TWILIO_WHATSAPP_PATH, WHATSAPP_CAPABILITIES, whatsappRoute } from './whatsapp';
import { WHATSAPP_REPLY_BUDGET, whatsappRenderer } from './whatsappRenderer';

/**
 * WhatsApp through Twilio: enabled by TWILIO_WHATSAPP_NUMBER (with TWILIO_ACCOUNT_SID
 * and TWILIO_AUTH_TOKEN, which signs its requests as for SMS). In development it is also
 * served with the derived token, for the simulator. The first reply of a conversation
 * says how to turn on disappearing messages and delete the chat.
 */
export const whatsappProvider: Provider = {
  name: 'whatsapp',
  channels: [
    {
      id: 'whatsapp',
      capabilities: WHATSAPP_CAPABILITIES,
      renderer: () => whatsappRenderer,
      sessionTtlMs: (config) => config.WHATSAPP_SESSION_TTL_SECONDS * 1000,
      notice: 'whatsapp.reminder',
      content: () => ({
        label: 'WhatsApp',
        renderer: whatsappRenderer,
        size: (reply) => whatsappRenderer.render(reply).length,
        limit: WHATSAPP_REPLY_BUDGET,
        unit: 'characters',
        tooLong: 'whatsapp-length',
      }),
    },
  ],
  webhooks: { whatsapp: TWILIO_WHATSAPP_PATH },
  status: (config) => ({ whatsapp: { enabled: Boolean(config.TWILIO_WHATSAPP_NUMBER && config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) } }),
  open(context) {
    const { config, keyring, logger } = context;
    const production = config.NODE_ENV === 'production';
    const authToken = twilioAuthToken(config, keyring);
    if (!authToken || (production && !config.TWILIO_WHATSAPP_NUMBER)) return {};
    const routes = express.Router();
    routes.use(
      TWILIO_WHATSAPP_PATH,
      whatsappRoute({
        handle: context.handle,
        renderer: context.renderer('whatsapp'),
        authToken,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        trustHostHeader: !production && !config.PUBLIC_BASE_URL,
        sessionKey: (address) => keyring.hash(`whatsapp-session:${address}`).slice(0, 40),
        userAddress: (userId) => `whatsapp:${keyring.hash(`whatsapp-user:${userId}`).slice(0, 40)}`,
        recordDelivery: (status) => context.recordDelivery('whatsapp', status),
        logger,
      }),
    );
    const simulator = express.Router();
    if (!production && !config.TWILIO_AUTH_TOKEN) simulator.use('/whatsapp/sign', twilioSignerRoute({ config, authToken, path: TWILIO_WHATSAPP_PATH }));
    return { routes, simulator };
  },
};
