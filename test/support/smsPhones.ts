import type { Express } from 'express';
import request from 'supertest';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import inbound from '../fixtures/twilio/sms-inbound.json';
import atInbound from '../fixtures/africastalking/sms-inbound.json';
import type { FakeAfricasTalking } from './fakeAfricasTalking';
import { BOT_TOKEN, type FakeTelegram } from './fakeTelegram';

export const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
  TWILIO_AUTH_TOKEN: 'test-twilio-auth-token-0123456789',
  PUBLIC_BASE_URL: 'https://passerelle.example.org',
};

/** Every text channel configured against the fakes: Twilio (signed), Africa's Talking, the community bot. */
export function textChannelsEnv(at: FakeAfricasTalking, telegram: FakeTelegram): Record<string, string> {
  return {
    ...TWILIO_ENV,
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
  return match[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A phone texting the deployment's Twilio number: each message is signed, each reply read from the TwiML. */
export class TwilioPhone {
  constructor(
    /** The app in this process, or a URL (several instances behind haproxy). */
    private readonly app: Express | string,
    readonly from = '+221770000021',
  ) {}

  form(body: string, messageSid = nextSid()): Record<string, string> {
    return { ...TWILIO_INBOUND, Body: body, From: this.from, MessageSid: messageSid, SmsMessageSid: messageSid, SmsSid: messageSid };
  }

  post(form: Record<string, string>) {
    return request(this.app).post('/webhooks/twilio/sms').set('X-Twilio-Signature', twilioSignature('/webhooks/twilio/sms', form)).type('form').send(form);
  }

  /** Sends one SMS and returns the reply's text. */
  async send(body: string, messageSid?: string): Promise<string> {
    const res = await this.post(this.form(body, messageSid));
    if (res.status !== 200) throw new Error(`send: ${res.status} ${res.text}`);
    return twimlText(res.text);
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
