import pino from 'pino';
import { ussdRenderer } from '../../src/channels/africastalking/ussdRenderer';
import type { InboundMessage } from '../../src/channels/types';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { loadFlow } from '../../src/flows/loadFlow';
import { createValidator } from '../../src/gateway/flowData';
import { CancelGuard } from '../../src/gateway/cancelGuard';
import { MemoryAttemptLog } from '../../src/store/attemptLog';
import { Gateway, type Session } from '../../src/gateway/gateway';
import { MemorySessionStore } from '../../src/gateway/sessionStore';
import { loadResources, Localizer } from '../../src/locales/localizer';
import { TEST_ENV, TestClock } from '../support/testServer';

const localizer = new Localizer(loadResources());
const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));
const flow = loadFlow(undefined, (k) => localizer.hasKey(k));

/** A gateway whose caseLink counts how many requests it works on at once. */
function setup() {
  const clock = new TestClock();
  const seen = { inFlight: 0, most: 0, calls: 0 };
  const gateway = new Gateway({
    flow,
    localizer,
    store: new MemorySessionStore<Session>({ maxEntries: 1000, clock: () => clock.ms }),
    keyring,
    logger: pino({ level: 'silent' }),
    clock: clock.now,
    cancelGuard: new CancelGuard({ attempts: new MemoryAttemptLog(), keyring, logger: pino({ level: 'silent' }), clock: clock.now, perNumber: 5, perService: 50 }),
    intakes: {
      createIntake: async () => {
        seen.calls += 1;
        seen.inFlight += 1;
        seen.most = Math.max(seen.most, seen.inFlight);
        // The count and the insert of the real createIntake are two awaits apart.
        for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
        seen.inFlight -= 1;
        return { outcome: 'ok', intakeId: `i${seen.calls}`, reference: '23456789', label: 'BCD-FGH' };
      },
      cancelIntake: async () => 'notFound',
    },
    renderers: { ussd: ussdRenderer },
    data: { items: (source) => (source === 'languages' ? ['fr', 'en'].map((id) => ({ id, fields: {} })) : []) },
    params: { hotline: '116', emergency: 'Police 17', retentionHours: '72' },
    validate: createValidator('SN'),
    languages: ['fr', 'en'],
    sessionTtlMs: 300_000,
  });
  /** Walks one USSD session to the confirmation screen; returns the hop that confirms. */
  const upToConfirm = async (sessionKey: string, address: string, answers: string[]) => {
    const hop = (segments: string[]): InboundMessage => ({ channel: 'ussd', sessionKey, address, input: { type: 'path', segments } });
    await gateway.handle(hop([]));
    for (let i = 1; i <= answers.length; i += 1) await gateway.handle(hop(answers.slice(0, i)));
    return () => gateway.handle(hop([...answers, '1']));
  };
  return { seen, upToConfirm };
}

/** fr, callback, consent, safe: yes (this number) / another number …, then for me, medical care, French, a woman, morning, health centre. */
const SELF = ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1'];
const SAFER = (number: string) => ['1', '2', '1', '2', number, '1', '1', '1', '1', '1', '1'];

describe('the open-request limit under concurrency', () => {
  it('two sessions of one number confirming at once reach caseLink one after the other', async () => {
    const { seen, upToConfirm } = setup();
    const confirms = await Promise.all([upToConfirm('s1', '+221770000081', SELF), upToConfirm('s2', '+221770000081', SELF)]);
    const replies = await Promise.all(confirms.map((confirm) => confirm()));
    expect(replies.every((r) => r.end)).toBe(true);
    expect(seen).toMatchObject({ calls: 2, most: 1 });
  });

  it('two numbers naming the same safer number wait for each other too', async () => {
    const { seen, upToConfirm } = setup();
    const confirms = await Promise.all([upToConfirm('s1', '+221770000082', SAFER('77 000 00 84')), upToConfirm('s2', '+221770000083', SAFER('770000084'))]);
    await Promise.all(confirms.map((confirm) => confirm()));
    expect(seen).toMatchObject({ calls: 2, most: 1 });
  });

  it('different numbers are not held up by each other', async () => {
    const { seen, upToConfirm } = setup();
    const confirms = await Promise.all([upToConfirm('s1', '+221770000085', SELF), upToConfirm('s2', '+221770000086', SELF)]);
    await Promise.all(confirms.map((confirm) => confirm()));
    expect(seen).toMatchObject({ calls: 2, most: 2 });
  });
});
