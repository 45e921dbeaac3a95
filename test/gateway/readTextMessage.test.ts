import type { FlowState } from '../../src/flows/engine';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import type { KeywordMatch } from '../../src/gateway/keywords';
import type { ActiveSession, SeenRecord } from '../../src/gateway/session';
import { readTextMessage, replyToRetry, seenKey, type TextStep } from '../../src/gateway/textRules';
import type { InboundMessage, Reply } from '../../src/messaging/types';
import { TEST_ENV } from '../support/testServer';

const LAST: Reply = { end: false, body: ['the screen last sent'], items: [], options: [], nav: [] };
/** A conversation under way in Wolof. */
const FLOW: FlowState = { node: 'menu', lang: 'wo', vars: {}, page: 0, history: [], at: 0 };
const ACTIVE: ActiveSession = { status: 'active', flow: FLOW, consumed: 0, pathHash: '', last: LAST, conversation: 'c1' };
/** A keyword as Keywords.match returns it, found in English. */
const word = (action: KeywordMatch['action'], rest = ''): KeywordMatch => ({ action, lang: 'en', rest });

const cases: Array<{ label: string; text: string; keyword: KeywordMatch | null; active?: ActiveSession; step: TextStep }> = [
  { label: 'stop, no conversation → stop in the keyword’s language', text: 'STOP', keyword: word('stop'), step: { kind: 'stop', lang: 'en' } },
  { label: 'stop, during a conversation → stop in the conversation’s language', text: 'STOP', keyword: word('stop'), active: ACTIVE, step: { kind: 'stop', lang: 'wo' } },
  { label: 'help, no conversation → help', text: 'HELP', keyword: word('help'), step: { kind: 'help', lang: 'en' } },
  { label: 'help, during a conversation → help, in its language', text: 'HELP', keyword: word('help'), active: ACTIVE, step: { kind: 'help', lang: 'wo' } },
  { label: 'language → the language choice', text: 'LANGUAGE', keyword: word('language'), active: ACTIVE, step: { kind: 'language', lang: 'wo' } },
  { label: 'cancel alone → cancel, no code', text: 'CANCEL', keyword: word('cancel'), step: { kind: 'cancel', lang: 'en', code: '' } },
  { label: 'cancel with a code → cancel, with the code', text: 'CANCEL 2345 6789', keyword: word('cancel', '2345 6789'), active: ACTIVE, step: { kind: 'cancel', lang: 'wo', code: '2345 6789' } },
  { label: 'any other message, no conversation → welcome', text: 'Bonjour', keyword: null, step: { kind: 'welcome' } },
  { label: 'any other message, during a conversation → an answer to its screen', text: '2', keyword: null, active: ACTIVE, step: { kind: 'answer', state: FLOW, text: '2' } },
];

describe('readTextMessage', () => {
  test.each(cases)('$label', ({ text, keyword, active, step }) => {
    expect(readTextMessage(text, keyword, active)).toEqual(step);
  });
});

describe('seen records', () => {
  const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));
  const message: InboundMessage = {
    channel: 'sms_twilio',
    capabilities: { knowsNumber: true, leavesMessages: true, buttons: false },
    sessionKey: 'k',
    address: '+221770000081',
    input: { type: 'text', text: 'hello' },
    messageId: 'SM1',
  };

  it('keys a provider message by channel, id and sender, and keeps none of them in clear', () => {
    const key = seenKey(keyring, message)!;
    expect(key).toMatch(/^seen:[0-9a-f]{40}$/);
    for (const other of [
      { ...message, address: '+221770000082' },
      { ...message, channel: 'whatsapp' },
      { ...message, messageId: 'SM2' },
    ]) {
      expect(seenKey(keyring, other)).not.toBe(key);
    }
    expect(seenKey(keyring, { ...message, messageId: undefined })).toBeUndefined();
  });

  test.each<{ label: string; seen: SeenRecord; reply: Reply }>([
    { label: 'a reply handed over → the same reply, marked repeated', seen: { last: LAST }, reply: { ...LAST, repeated: true } },
    { label: 'a reply handed over (undelivered false) → repeated', seen: { last: LAST, undelivered: false }, reply: { ...LAST, repeated: true } },
    { label: 'a reply never handed over → the same reply, to send now', seen: { last: LAST, undelivered: true }, reply: { ...LAST, resend: true } },
    // Written before seen records had their own type (an ended session with an empty path): still answered.
    {
      label: 'an earlier record, shaped as an ended session → still read',
      seen: { status: 'ended', consumed: 0, pathHash: '', last: LAST, undelivered: true } as SeenRecord,
      reply: { ...LAST, resend: true },
    },
  ])('$label', ({ seen, reply }) => {
    expect(replyToRetry(seen)).toEqual(reply);
  });
});
