import express, { type Router } from 'express';
import request from 'supertest';
import type { InboundMessage, Reply } from '../../src/messaging/types';

/** What the spy gateway answers every step with: adapter tests never look at wording. */
export const CANNED_REPLY: Reply = { end: false, body: ['reply'], items: [], options: [{ input: '1', label: 'one' }], nav: [] };

/** Stands in for the gateway: records every normalised message, answers with CANNED_REPLY. */
export class SpyGateway {
  messages: InboundMessage[] = [];
  forgotten: Array<{ sessionKey: string; address: string }> = [];
  handle = async (message: InboundMessage): Promise<Reply> => {
    this.messages.push(message);
    return CANNED_REPLY;
  };
  forget = async (sessionKey: string, address: string): Promise<void> => {
    this.forgotten.push({ sessionKey, address });
  };
}

/** Readable stand-ins for the keyed hashes an adapter is given, so a case can state what it expects. */
export const fakeKeys = {
  sessionKey: (address: string) => `session(${address})`,
  userAddress: (userId: string) => `whatsapp:hash(${userId})`,
};

export interface AdapterCase {
  label: string;
  /** A form (sent form-encoded), or a raw body with its content type. */
  body: Record<string, string> | { raw: string; type: string };
  headers?: Record<string, string>;
  status: number;
  /** The normalised message the adapter hands the gateway, or null: the gateway is never reached. */
  message: InboundMessage | null;
}

/**
 * Runs a provider's table of cases (courier's RunIncomingTestCases): each request goes to
 * the adapter's route alone, mounted with a spy in place of the gateway, and the case
 * asserts the status and the one normalised message the adapter produced (or none).
 */
export function runAdapterCases(cases: AdapterCase[], setup: { path: string; mount(spy: SpyGateway): Router; headers?(body: Record<string, string>): Record<string, string> }): void {
  test.each(cases)('$label', async ({ body, headers, status, message }) => {
    const spy = new SpyGateway();
    const app = express().use(setup.path, setup.mount(spy));
    const req = request(app).post(setup.path);
    const sent =
      'raw' in body
        ? await req
            .set(headers ?? {})
            .set('Content-Type', body.type)
            .send(body.raw)
        : await req
            .set(headers ?? setup.headers?.(body) ?? {})
            .type('form')
            .send(body);
    expect(sent.status).toBe(status);
    expect(spy.messages).toEqual(message ? [message] : []);
  });
}
