import express from 'express';
import pino from 'pino';
import { atSmsRoute } from '../../../src/channels/africastalking/sms';
import { USSD_CAPABILITIES, ussdRoute } from '../../../src/channels/africastalking/ussd';
import { ussdRenderer } from '../../../src/channels/africastalking/ussdRenderer';
import { createSmsRenderer } from '../../../src/channels/sms/smsRenderer';
import { SMS_CAPABILITIES } from '../../../src/channels/sms/smsWebhook';
import first from '../../fixtures/africastalking/ussd-first.json';
import hop from '../../fixtures/africastalking/ussd-hop.json';
import smsInbound from '../../fixtures/africastalking/sms-inbound.json';
import { fakeKeys, runAdapterCases, type AdapterCase } from '../../support/adapterCases';

const { _source: _a, ...FIRST } = first;
const { _source: _b, ...HOP } = hop;
const { _source: _c, ...SMS } = smsInbound;
const without = (form: Record<string, string>, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));
const pass: express.RequestHandler = (_req, _res, next) => next();

describe('the Africa’s Talking USSD adapter normalises the callback', () => {
  const path = (segments: string[], phone = '+221770000011') => ({
    channel: 'ussd',
    capabilities: USSD_CAPABILITIES,
    sessionKey: FIRST.sessionId,
    address: phone,
    input: { type: 'path' as const, segments },
  });
  const cases: AdapterCase[] = [
    { label: 'the first request → an empty path', body: FIRST, status: 200, message: path([]) },
    { label: 'a later hop → every answer so far', body: HOP, status: 200, message: path(['1', '2']) },
    { label: 'a number without + or with spaces → E.164', body: { ...FIRST, phoneNumber: '221 77 000 00 11' }, status: 200, message: path([]) },
    { label: 'an empty answer keeps its place', body: { ...HOP, text: '1**3' }, status: 200, message: path(['1', '', '3']) },
    { label: 'missing sessionId → 400, the gateway never reached', body: without(FIRST, 'sessionId'), status: 400, message: null },
    { label: 'a phoneNumber that is no number → 400', body: { ...FIRST, phoneNumber: 'abc' }, status: 400, message: null },
  ];
  runAdapterCases(cases, { path: '/webhooks/africastalking/ussd', mount: (spy) => ussdRoute({ handle: spy.handle, forget: spy.forget, guard: pass, renderer: ussdRenderer }) });
});

describe('the Africa’s Talking SMS adapter normalises the callback', () => {
  const from = (address: string, text: string) => ({
    channel: 'sms_africastalking',
    capabilities: SMS_CAPABILITIES,
    sessionKey: `session(${address})`,
    address,
    input: { type: 'text' as const, text },
    messageId: SMS.id,
  });
  const cases: AdapterCase[] = [
    { label: 'the fixture → one text message from its sender', body: SMS, status: 200, message: from('+221770000031', 'Bonjour') },
    { label: 'a sender without + → E.164', body: { ...SMS, from: '221770000031' }, status: 200, message: from('+221770000031', 'Bonjour') },
    { label: 'missing text → an empty message', body: without(SMS, 'text'), status: 200, message: from('+221770000031', '') },
    { label: 'missing id → 400, the gateway never reached', body: without(SMS, 'id'), status: 400, message: null },
    { label: 'missing from → 400', body: without(SMS, 'from'), status: 400, message: null },
  ];
  runAdapterCases(cases, {
    path: '/webhooks/africastalking/sms',
    mount: (spy) =>
      atSmsRoute({
        handle: spy.handle,
        renderer: createSmsRenderer({ transliterate: true }),
        send: async () => undefined,
        guard: pass,
        sessionKey: fakeKeys.sessionKey,
        recordDelivery: async () => undefined,
        logger: pino({ level: 'silent' }),
      }),
  });
});
