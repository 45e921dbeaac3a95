import pino from 'pino';
import { Writable } from 'node:stream';
import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import type { Effect, FlowState } from '../../src/flows/engine';
import { CancelGuard } from '../../src/gateway/cancelGuard';
import { applyEffect, effectHandlers, performEffect, type EffectScope, type EffectServices } from '../../src/gateway/effects';
import type { InboundMessage } from '../../src/messaging/types';
import { MemoryAttemptLog } from '../../src/store/attemptLog';
import { TEST_ENV, TestClock } from '../support/testServer';

const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));
const STATE: FlowState = { node: 'n', lang: 'fr', vars: {}, page: 0, history: [], at: 0 };
const message: InboundMessage = {
  channel: 'ussd',
  capabilities: { knowsNumber: true, leavesMessages: false, buttons: false },
  sessionKey: 's',
  address: '+221770000091',
  input: { type: 'path', segments: [] },
};

function scopeWith(services: Partial<EffectServices> = {}) {
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
  const clock = new TestClock();
  const scope: EffectScope = {
    services: {
      keyring,
      logger,
      intakes: { createIntake: async () => ({ outcome: 'ok', reference: '23456789', label: 'BCD-FGH', intakeId: 'i1' }), cancelIntake: async () => 'notFound' },
      feedback: { recordFeedback: async () => undefined },
      cancelGuard: new CancelGuard({ attempts: new MemoryAttemptLog(), keyring, logger, clock: clock.now, perNumber: 5, perService: 50 }),
      ...services,
    },
    message,
    key: 'ussd:s:h',
    ended: false,
    exited: false,
    gone: false,
  };
  return { scope, logs };
}

describe('effectHandlers', () => {
  it('has one handler for each effect the engine can return', () => {
    const types: Record<Effect['type'], true> = { createIntake: true, cancelIntake: true, recordFeedback: true, holdSecret: true, end: true };
    expect(Object.keys(effectHandlers).sort()).toEqual(Object.keys(types).sort());
  });

  it('seals held input with the conversation key as associated data', () => {
    const { scope } = scopeWith();
    applyEffect({ type: 'holdSecret', await: false, name: 'altNumber', value: '+221770000092' }, scope, STATE);
    expect(JSON.stringify(scope.secrets)).not.toContain('770000092');
    expect(keyring.unseal(scope.secrets!.altNumber, scope.key)).toBe('+221770000092');
  });

  test.each([
    { reason: 'done' as const, exited: false },
    { reason: 'exit' as const, exited: true },
  ])('ends the session on end ($reason): quick exit $exited', ({ reason, exited }) => {
    const { scope } = scopeWith();
    applyEffect({ type: 'end', await: false, reason }, scope, STATE);
    expect({ ended: scope.ended, exited: scope.exited }).toEqual({ ended: true, exited });
  });

  it('answers error, and logs the effect type only, when a handler fails', async () => {
    const { scope, logs } = scopeWith({ intakes: { createIntake: async () => Promise.reject(new Error('database down')), cancelIntake: async () => 'ok' } });
    const params = { subject: 'self', callLang: 'fr', gender: 'any', window: 'any', cover: 'friend', contact: 'self' };
    expect(await performEffect({ type: 'createIntake', await: true, params }, scope, STATE)).toEqual({ type: 'result', outcome: 'error' });
    const line = JSON.parse(logs.find((l) => l.includes('effect failed'))!) as Record<string, unknown>;
    expect(line.effect).toBe('createIntake');
    expect(logs.join('')).not.toContain('770000091');
  });

  it('answers error to parameters the flow should never send', async () => {
    const { scope } = scopeWith();
    expect(await performEffect({ type: 'recordFeedback', await: true, params: { not_a_question: 'yes' } }, scope, STATE)).toEqual({ type: 'result', outcome: 'error' });
  });
});
