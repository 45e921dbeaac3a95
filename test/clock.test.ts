import { ClockError, processClock, processRandomBytes, seededRandomBytes } from '../src/clock';

describe('processClock', () => {
  it('is the system clock when no test instant is given', () => {
    const before = Date.now();
    const now = processClock({ NODE_ENV: 'test' })().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
  });

  it('starts at PASSERELLE_TEST_NOW and runs on from there, whatever the system clock says', () => {
    const clock = processClock({ NODE_ENV: 'test', PASSERELLE_TEST_NOW: '2026-11-24T09:00:00Z' });
    const first = clock().getTime();
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-11-24T09:00:00Z'));
    expect(first).toBeLessThan(Date.parse('2026-11-24T09:01:00Z'));
    expect(clock().getTime()).toBeGreaterThanOrEqual(first);
  });

  it.each([
    ['production', { NODE_ENV: 'production', PASSERELLE_TEST_NOW: '2026-11-24T09:00:00Z' }, /only honoured with NODE_ENV=test/],
    ['development', { NODE_ENV: 'development', PASSERELLE_TEST_NOW: '2026-11-24T09:00:00Z' }, /only honoured with NODE_ENV=test/],
    ['a malformed instant', { NODE_ENV: 'test', PASSERELLE_TEST_NOW: 'yesterday' }, /ISO date-time/],
  ])('refuses %s', (_label, env, message) => {
    expect(() => processClock(env)).toThrow(ClockError);
    expect(() => processClock(env)).toThrow(message);
  });
});

describe('processRandomBytes', () => {
  it('is seeded by PASSERELLE_TEST_SEED in tests, the same on every run', () => {
    const a = processRandomBytes({ NODE_ENV: 'test', PASSERELLE_TEST_SEED: '7' });
    expect(a(16)).toEqual(seededRandomBytes(7)(16));
  });

  it('refuses a seed outside tests, or one that is not a positive integer', () => {
    expect(() => processRandomBytes({ NODE_ENV: 'production', PASSERELLE_TEST_SEED: '7' })).toThrow(/only honoured with NODE_ENV=test/);
    expect(() => processRandomBytes({ NODE_ENV: 'test', PASSERELLE_TEST_SEED: '-1' })).toThrow(/positive integer/);
  });

  it('is the system source otherwise', () => {
    const random = processRandomBytes({ NODE_ENV: 'test' });
    expect(random(16)).not.toEqual(random(16));
  });
});
