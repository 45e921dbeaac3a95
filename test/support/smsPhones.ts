import type { Express } from 'express';
import request from 'supertest';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import inbound from '../fixtures/twilio/sms-inbound.json';
import whatsappInbound from '../fixtures/twilio/whatsapp-inbound.json';
import whatsappUserInbound from '../fixtures/twilio/whatsapp-inbound-user-id.json';
import atInbound from '../fixtures/africastalking/sms-inbound.json';
import type { FakeAfricasTalking } from './fakeAfricasTalking';
import { BOT_TOKEN, type FakeTelegram } from './fakeTelegram';

export const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
  TWILIO_AUTH_TOKEN: 'test-twilio-auth-token-0123456789',
  PUBLIC_BASE_URL: 'https://passerelle.example.org',
};

/** Twilio with a WhatsApp sender: WhatsApp enabled, signed with the same auth token. */
export const WHATSAPP_ENV = { ...TWILIO_ENV, TWILIO_WHATSAPP_NUMBER: '+221338000000' };

/** Every text channel configured against the fakes: Twilio (signed), Africa's Talking, the community bot. */
export function textChannelsEnv(at: FakeAfricasTalking, telegram: FakeTelegram): Record<string, string> {
  return {
    ...WHATSAPP_ENV,
    AT_USERNAME: 'sandbox',
    AT_API_KEY: 'test-at-api-key-42',
    AT_API_BASE_URL: at.baseUrl,
    TELEGRAM_COMMUNITY_TOKEN: BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: 'test-telegram-webhook-secret',
    TELEGRAM_API_ROOT: telegram.apiRoot,
  };
}

const { _source, ...TWILIO_FORM } = inbound;
/** Twilio's incoming-message form (fixture), without the comment. */
export const TWILIO_INBOUND: Record<string, string> = TWILIO_FORM;

/** Signs a form exactly as Twilio does (HMAC-SHA1 over the URL and the sorted fields). */
export function twilioSignature(path: string, form: Record<string, string>, token = TWILIO_ENV.TWILIO_AUTH_TOKEN, origin = TWILIO_ENV.PUBLIC_BASE_URL): string {
  return getExpectedTwilioSignature(token, `${origin}${path}`, form);
}

let sid = 0;
/** A fresh Twilio message sid (SM + 32 hex digits). */
export function nextSid(): string {
  sid += 1;
  return `SM${sid.toString(16).padStart(32, '0')}`;
}

/** The text of the `<Message>` of a TwiML reply, unescaped. */
export function twimlText(xml: string): string {
  const match = /<Message[^>]*>([\s\S]*)<\/Message>/.exec(xml);
  if (!match) throw new Error(`no <Message> in ${xml}`);
  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const { _source: _w, ...WHATSAPP_FORM } = whatsappInbound;
/** Twilio's incoming-message form for a WhatsApp sender known by number (fixture). */
export const WHATSAPP_INBOUND: Record<string, string> = WHATSAPP_FORM;
const { _source: _u, ...WHATSAPP_USER_FORM } = whatsappUserInbound;
/** The same from a WhatsApp user known only by a business-scoped user id (fixture). */
export const WHATSAPP_USER_INBOUND: Record<string, string> = WHATSAPP_USER_FORM;

/** A phone texting the deployment's Twilio number: each message is signed, each reply read from the TwiML. */
export class TwilioPhone {
  protected readonly path: string = '/webhooks/twilio/sms';

  constructor(
    /** The app in this process, or a URL (several instances behind haproxy). */
    protected readonly app: Express | string,
    readonly from = '+221770000021',
  ) {}

  form(body: string, messageSid = nextSid()): Record<string, string> {
    return { ...TWILIO_INBOUND, Body: body, From: this.from, MessageSid: messageSid, SmsMessageSid: messageSid, SmsSid: messageSid };
  }

  post(form: Record<string, string>) {
    return request(this.app).post(this.path).set('X-Twilio-Signature', twilioSignature(this.path, form)).type('form').send(form);
  }

  /** Sends one SMS and returns the reply's text. */
  async send(body: string, messageSid?: string): Promise<string> {
    const res = await this.post(this.form(body, messageSid));
    if (res.status !== 200) throw new Error(`send: ${res.status} ${res.text}`);
    return twimlText(res.text);
  }
}

/**
 * A WhatsApp user writing to the deployment's WhatsApp sender through Twilio: `from` is
 * a phone number (`+221…`) or a business-scoped user id (`SN.…`, no number shared).
 */
export class WhatsAppPhone extends TwilioPhone {
  protected readonly path = '/webhooks/twilio/whatsapp';

  form(body: string, messageSid = nextSid()): Record<string, string> {
    const sids = { MessageSid: messageSid, SmsMessageSid: messageSid, SmsSid: messageSid };
    if (this.from.startsWith('+')) return { ...WHATSAPP_INBOUND, ...sids, Body: body, From: `whatsapp:${this.from}`, WaId: this.from.slice(1) };
    return { ...WHATSAPP_USER_INBOUND, ...sids, Body: body, From: `whatsapp:${this.from}`, ExternalUserIdentifier: this.from };
  }
}

const { _source: _s, ...AT_FORM } = atInbound;
export const AT_INBOUND: Record<string, string> = AT_FORM;

let atId = 0;
/** A phone texting the deployment's Africa's Talking short code; replies arrive at the fake API. */
export class AtPhone {
  constructor(
    private readonly app: Express,
    private readonly api: FakeAfricasTalking,
    readonly from = '+221770000031',
    private readonly query = '',
  ) {}

  form(text: string, id = `ATXid_${(++atId).toString(16).padStart(32, '0')}`): Record<string, string> {
    return { ...AT_INBOUND, text, from: this.from, id };
  }

  post(form: Record<string, string>) {
    return request(this.app).post(`/webhooks/africastalking/sms${this.query}`).type('form').send(form);
  }

  /** Sends one SMS and returns the reply the server sent through the (fake) SMS API. */
  async send(text: string, id?: string): Promise<string> {
    const before = this.api.sent.length;
    const res = await this.post(this.form(text, id));
    if (res.status !== 200) throw new Error(`send: ${res.status} ${res.text}`);
    const replies = this.api.sent.slice(before).filter((m) => m.to === this.from);
    if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
    return replies[0].message;
  }
}
