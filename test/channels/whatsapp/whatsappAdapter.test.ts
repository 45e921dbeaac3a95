import pino from 'pino';
import { WHATSAPP_CAPABILITIES, whatsappRoute } from '../../../src/channels/whatsapp/whatsapp';
import { whatsappRenderer } from '../../../src/channels/whatsapp/whatsappRenderer';
import { fakeKeys, runAdapterCases, type AdapterCase } from '../../support/adapterCases';
import { TWILIO_ENV, twilioSignature, WHATSAPP_INBOUND as PHONE, WHATSAPP_USER_INBOUND as USER } from '../../support/smsPhones';

const PATH = '/webhooks/twilio/whatsapp';
const signed = (form: Record<string, string>) => ({ 'X-Twilio-Signature': twilioSignature(PATH, form) });
const without = (form: Record<string, string>, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));
const text = (t: string) => ({ type: 'text' as const, text: t });
const NO_NUMBER = { ...WHATSAPP_CAPABILITIES, knowsNumber: false };

const cases: AdapterCase[] = [
  {
    label: 'a phone-number From → its number is the address, the number is known',
    body: PHONE,
    status: 200,
    message: { channel: 'whatsapp', capabilities: WHATSAPP_CAPABILITIES, sessionKey: 'session(+221770000081)', address: '+221770000081', input: text('Bonjour'), messageId: PHONE.MessageSid },
  },
  {
    label: 'a user-id From (no +) → a hashed address, the number is not known',
    body: USER,
    status: 200,
    message: {
      channel: 'whatsapp',
      capabilities: NO_NUMBER,
      sessionKey: 'session(whatsapp:hash(SN.27718304592816630457))',
      address: 'whatsapp:hash(SN.27718304592816630457)',
      input: text('Bonjour'),
      messageId: USER.MessageSid,
    },
  },
  {
    label: 'an enterprise (parent) user id is a user id too',
    body: { ...USER, From: 'whatsapp:SN.ENT.11815799212886844830' },
    status: 200,
    message: {
      channel: 'whatsapp',
      capabilities: NO_NUMBER,
      sessionKey: 'session(whatsapp:hash(SN.ENT.11815799212886844830))',
      address: 'whatsapp:hash(SN.ENT.11815799212886844830)',
      input: text('Bonjour'),
      messageId: USER.MessageSid,
    },
  },
  {
    label: 'a photo or voice note without text → an empty message',
    body: { ...without(PHONE, 'Body'), NumMedia: '1', MediaContentType0: 'audio/ogg', MediaUrl0: 'https://api.twilio.com/x' },
    status: 200,
    message: { channel: 'whatsapp', capabilities: WHATSAPP_CAPABILITIES, sessionKey: 'session(+221770000081)', address: '+221770000081', input: text(''), messageId: PHONE.MessageSid },
  },
  { label: 'missing signature → 400, the gateway never reached', body: PHONE, headers: {}, status: 400, message: null },
  { label: 'wrong signature → 403', body: PHONE, headers: { 'X-Twilio-Signature': twilioSignature(PATH, { ...PHONE, Body: 'other' }) }, status: 403, message: null },
  { label: 'signed for the SMS webhook → 403', body: PHONE, headers: { 'X-Twilio-Signature': twilioSignature('/webhooks/twilio/sms', PHONE) }, status: 403, message: null },
  { label: 'an SMS From (no whatsapp:) → 400', body: { ...PHONE, From: '+221770000081' }, status: 400, message: null },
  { label: 'a From that is neither a number nor a user id → 400', body: { ...PHONE, From: 'whatsapp:sn.lower-case' }, status: 400, message: null },
  { label: 'missing From → 400', body: without(PHONE, 'From'), status: 400, message: null },
  { label: 'missing MessageSid → 400', body: without(PHONE, 'MessageSid'), status: 400, message: null },
  { label: 'Body longer than Twilio allows → 400', body: { ...PHONE, Body: 'x'.repeat(1601) }, status: 400, message: null },
];

describe('the WhatsApp adapter normalises Twilio’s form', () => {
  runAdapterCases(cases, {
    path: PATH,
    headers: signed,
    mount: (spy) =>
      whatsappRoute({
        handle: spy.handle,
        renderer: whatsappRenderer,
        authToken: TWILIO_ENV.TWILIO_AUTH_TOKEN,
        publicBaseUrl: TWILIO_ENV.PUBLIC_BASE_URL,
        trustHostHeader: false,
        ...fakeKeys,
        recordDelivery: async () => undefined,
        logger: pino({ level: 'silent' }),
      }),
  });
});
