import type { Express } from 'express';
import request from 'supertest';

let counter = 0;

/**
 * Plays a phone on Africa's Talking: each answer is appended to the `text` path,
 * which is resent whole on every hop, exactly as the provider does.
 */
export class UssdSession {
  readonly answers: string[] = [];
  readonly sessionId: string;
  /** Behind haproxy (test/scale): the instance that answered each request (`X-Backend`). */
  readonly servedBy: string[] = [];

  constructor(
    /** The app in this process, or a URL (several instances behind haproxy). */
    private readonly app: Express | string,
    readonly phoneNumber = '+221770000001',
    sessionId?: string,
    /** Appended to the callback URL (`?secret=…` when AT_WEBHOOK_SECRET is set). */
    private readonly query = '',
  ) {
    counter += 1;
    this.sessionId = sessionId ?? `ATUid_test_${process.pid}_${counter}`;
  }

  /** The form Africa's Talking posts for the current path. */
  form(text = this.answers.join('*')) {
    return { sessionId: this.sessionId, serviceCode: '*384*123#', phoneNumber: this.phoneNumber, networkCode: '60801', text };
  }

  async post(form: Record<string, string>) {
    const res = await request(this.app).post(`/webhooks/africastalking/ussd${this.query}`).type('form').send(form);
    if (res.headers['x-backend']) this.servedBy.push(String(res.headers['x-backend']));
    return res;
  }

  /** Dials the code (empty text). */
  async dial(): Promise<string> {
    const res = await this.post(this.form(''));
    if (res.status !== 200) throw new Error(`dial: ${res.status} ${res.text}`);
    return res.text;
  }

  /** Answers the current screen. */
  async send(answer: string): Promise<string> {
    this.answers.push(answer);
    const res = await this.post(this.form());
    if (res.status !== 200) throw new Error(`send ${answer}: ${res.status} ${res.text}`);
    return res.text;
  }
}
