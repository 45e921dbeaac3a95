import pino from 'pino';
import { createSmsRenderer } from '../../../src/channels/sms/smsRenderer';
import { SMS_CAPABILITIES } from '../../../src/channels/sms/smsWebhook';
import { twilioSmsRoute } from '../../../src/channels/twilio/sms';
import { fakeKeys, runAdapterCases, type AdapterCase } from '../../support/adapterCases';
import { TWILIO_ENV, TWILIO_INBOUND as FORM, twilioSignature } from '../../support/smsPhones';

const PATH = '/webhooks/twilio/sms';
const without = (form: Record<string, string>, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));
const from = (address: string, text: string) => ({
  channel: 'sms_twilio',
  capabilities: SMS_CAPABILITIES,
  sessionKey: `session(${address})`,
  address,
  input: { type: 'text' as const, text },
  messageId: FORM.MessageSid,
});

const cases: AdapterCase[] = [
  { label: 'the fixture → one text message from its sender', body: FORM, status: 200, message: from('+221770000021', 'Bonjour') },
  { label: 'missing Body → an empty message', body: without(FORM, 'Body'), status: 200, message: from('+221770000021', '') },
  { label: 'unknown extra fields are ignored', body: { ...FORM, AddOns: '{}', MediaUrl0: 'https://example.org/x.jpg' }, status: 200, message: from('+221770000021', 'Bonjour') },
  { label: 'missing signature → 400, the gateway never reached', body: FORM, headers: {}, status: 400, message: null },
  { label: 'wrong signature → 403', body: FORM, headers: { 'X-Twilio-Signature': twilioSignature(PATH, { ...FORM, Body: 'other' }) }, status: 403, message: null },
  { label: 'a WhatsApp From → 400 (WhatsApp has its own webhook)', body: { ...FORM, From: 'whatsapp:+221770000021' }, status: 400, message: null },
  { label: 'malformed MessageSid → 400', body: { ...FORM, MessageSid: 'SM123' }, status: 400, message: null },
  { label: 'JSON instead of a form → 400', body: { raw: JSON.stringify(FORM), type: 'application/json' }, headers: { 'X-Twilio-Signature': twilioSignature(PATH, {}) }, status: 400, message: null },
];

describe('the Twilio SMS adapter normalises Twilio’s form', () => {
  runAdapterCases(cases, {
    path: PATH,
    headers: (form) => ({ 'X-Twilio-Signature': twilioSignature(PATH, form) }),
    mount: (spy) =>
      twilioSmsRoute({
        handle: spy.handle,
        renderer: createSmsRenderer({ transliterate: true }),
        authToken: TWILIO_ENV.TWILIO_AUTH_TOKEN,
        publicBaseUrl: TWILIO_ENV.PUBLIC_BASE_URL,
        trustHostHeader: false,
        sessionKey: fakeKeys.sessionKey,
        recordDelivery: async () => undefined,
        logger: pino({ level: 'silent' }),
      }),
  });
});
