import pino from 'pino';
import { createSmsRenderer } from '../../src/channels/sms/smsRenderer';
import { TELEGRAM_CAPABILITIES } from '../../src/channels/telegram/communityBot';
import { telegramRenderer } from '../../src/channels/telegram/telegramRenderer';
import { SMS_CAPABILITIES } from '../../src/channels/sms/smsWebhook';
import type { ChannelId, InboundMessage } from '../../src/messaging/types';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { buildFlow, loadFlow } from '../../src/flows/loadFlow';
import type { FlowDefinition } from '../../src/flows/schema';
import { CancelGuard } from '../../src/gateway/cancelGuard';
import { MemoryAttemptLog } from '../../src/store/attemptLog';
import { Gateway, type IntakeService, type Session } from '../../src/gateway/gateway';
import type { ActiveSession } from '../../src/gateway/session';
import type { SessionStore } from '../../src/store/sessionStore';
import { createValidator } from '../../src/gateway/flowData';
import { MemorySessionStore } from '../../src/store/sessionStore';
import { MemoryLock } from '../../src/store/lock';
import { loadResources, Localizer } from '../../src/locales/localizer';
import { TEST_ENV, TestClock } from '../support/testServer';

const localizer = new Localizer(loadResources());
const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));

/** The conversation stored under `key`, which must be under way (only then can it hold a number). */
async function activeSession(store: SessionStore<Session>, key: string): Promise<ActiveSession> {
  const session = await store.get(key);
  if (session?.status !== 'active') throw new Error(`expected a conversation under way, found ${session?.status}`);
  return session;
}

function setup(flow: FlowDefinition = loadFlow(undefined, (k) => localizer.hasKey(k))) {
  const clock = new TestClock();
  const store = new MemorySessionStore<Session>({ maxEntries: 1000, clock: () => clock.ms });
  const created: Array<Parameters<IntakeService['createIntake']>[0]> = [];
  let ids = 0;
  const sms = createSmsRenderer({ transliterate: true });
  const gateway = new Gateway({
    flow,
    localizer,
    store,
    lock: new MemoryLock(),
    keyring,
    logger: pino({ level: 'silent' }),
    clock: clock.now,
    cancelGuard: new CancelGuard({ attempts: new MemoryAttemptLog(), keyring, logger: pino({ level: 'silent' }), clock: clock.now, perNumber: 5, perService: 50 }),
    intakes: {
      createIntake: async (o) => {
        created.push(o);
        return { outcome: 'ok', reference: '23456789', label: 'BCD-FGH', intakeId: `i${created.length}` };
      },
      cancelIntake: async () => 'notFound',
    },
    feedback: { recordFeedback: async () => undefined },
    renderers: { sms_twilio: sms, telegram: telegramRenderer },
    data: { items: (source) => (source === 'languages' ? ['fr', 'en'].map((id) => ({ id, fields: {} })) : []) },
    params: { hotline: '116', emergency: 'Police 17', retentionHours: '72' },
    validate: createValidator('SN'),
    languages: ['fr', 'en'],
    sessionTtlMs: 300_000,
    sessionTtls: { sms_twilio: 1_800_000 },
    notices: { sms_twilio: { key: 'sms.reminder' } },
    randomId: () => `conversation-${++ids}`,
  });
  const say = (channel: ChannelId, text: string, address = '+221770000071', messageId?: string) => {
    const capabilities = channel === 'telegram' ? TELEGRAM_CAPABILITIES : SMS_CAPABILITIES;
    const message: InboundMessage = { channel, capabilities, sessionKey: `k:${address}`, address, input: { type: 'text', text }, ...(messageId ? { messageId } : {}) };
    return gateway.handle(message);
  };
  return { gateway, store, clock, created, say };
}

describe('the gateway on text channels', () => {
  it('makes each conversation of one sender its own intake key, and a retry keeps it', async () => {
    const { say, created, gateway } = setup();
    for (const text of ['Bonjour', '1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await say('sms_twilio', text);
    await say('sms_twilio', '1', undefined, 'SMlast');
    await say('sms_twilio', '1', undefined, 'SMlast');
    for (const text of ['Bonjour', '1', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1']) await say('sms_twilio', text);
    expect(created).toHaveLength(2);
    expect(created[0].sessionHash).not.toBe(created[1].sessionHash);
    // The conversation's key binds the session to its address (a keyed hash of it), then the conversation id.
    expect(created[0].sessionHash).toBe(keyring.hash(`${gateway.storeKey('sms_twilio', 'k:+221770000071', '+221770000071')}:conversation-1`));
  });

  it('drops a number typed earlier when a keyword starts the way again', async () => {
    const { say, store, gateway } = setup();
    const key = gateway.storeKey('sms_twilio', 'k:+221770000071', '+221770000071');
    for (const text of ['Bonjour', '1', '2', '1', '2', '77 000 00 72']) await say('sms_twilio', text);
    expect((await activeSession(store, key)).secrets?.altNumber).toBeDefined();
    expect((await say('sms_twilio', 'AIDE')).body[0]).toBe('Menu principal');
    expect((await activeSession(store, key)).secrets).toBeUndefined();
  });

  it('keeps an SMS conversation for its own idle time (30 minutes), not the USSD one', async () => {
    const { say, clock } = setup();
    await say('sms_twilio', 'Bonjour');
    clock.advance(20 * 60_000);
    expect((await say('sms_twilio', '1')).body[0]).toBe('Menu principal');
    clock.advance(30 * 60_000 + 1);
    expect((await say('sms_twilio', '1')).body[0]).toMatch(/^Bienvenue/);
  });

  it('never calls back the sender of a channel that does not know the number', async () => {
    const flow = buildFlow({
      start: 'ask',
      home: 'ask',
      fragments: [
        {
          name: 'self',
          nodes: [
            {
              kind: 'menu',
              id: 'ask',
              prompt: 'main.prompt',
              options: [{ label: 'common.next', next: 'make', set: { subject: 'self', callLang: 'fr', gender: 'any', window: 'any', cover: 'friend', contact: 'self' } }],
            },
            { kind: 'action', id: 'make', effect: 'createIntake', with: ['subject', 'callLang', 'gender', 'window', 'cover', 'contact'], outcomes: { ok: 'done', error: 'failed' } },
            { kind: 'end', id: 'done', prompt: 'cancel.done' },
            { kind: 'end', id: 'failed', prompt: 'common.goodbye' },
          ],
        },
      ],
    });
    const { say, created } = setup(flow);
    await say('telegram', 'hello', 'telegram:abc');
    expect((await say('telegram', '1', 'telegram:abc')).body).toEqual(['Merci. Au revoir.']);
    expect(created).toHaveLength(0);
    await say('sms_twilio', 'hello');
    await say('sms_twilio', '1');
    expect(created.map((c) => c.contact)).toEqual(['+221770000071']);
  });
});
