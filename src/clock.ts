import crypto from 'node:crypto';

/** The time source every operation receives (`clock()`), so tests can set it. */
export type Clock = () => Date;
/** The randomness source for ids and reference codes (`randomBytes(n)`), so tests can seed it. */
export type RandomBytes = (size: number) => Buffer;

/**
 * How a test hands its clock and its randomness to a child process it starts (the
 * CLI, the server): `PASSERELLE_TEST_NOW` is the instant the child's clock starts
 * at (it then runs on at real speed), `PASSERELLE_TEST_SEED` seeds its ids and codes.
 * Both are honoured only with `NODE_ENV=test`; anywhere else they stop the start.
 */
export const TEST_CLOCK_VARIABLES = ['PASSERELLE_TEST_NOW', 'PASSERELLE_TEST_SEED'] as const;

/** Thrown when a test-only variable is set outside `NODE_ENV=test`, or is malformed. */
export class ClockError extends Error {}

/**
 * The process's clock: the system's, or in tests the instant named by
 * `PASSERELLE_TEST_NOW`, running on from there with the monotonic clock (so moving
 * the system clock, as `faketime` does, changes nothing).
 */
export function processClock(env: Record<string, string | undefined> = process.env): Clock {
  const given = testVariable(env, 'PASSERELLE_TEST_NOW');
  if (given === undefined) return () => new Date();
  const start = Date.parse(given);
  if (!Number.isFinite(start)) throw new ClockError('PASSERELLE_TEST_NOW: expected an ISO date-time such as 2026-11-24T09:00:00Z');
  const origin = performance.now();
  return () => new Date(start + Math.floor(performance.now() - origin));
}

/** The process's randomness: the system's, or in tests a seeded sequence (`PASSERELLE_TEST_SEED`). */
export function processRandomBytes(env: Record<string, string | undefined> = process.env): RandomBytes {
  const given = testVariable(env, 'PASSERELLE_TEST_SEED');
  if (given === undefined) return crypto.randomBytes;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed) || seed <= 0) throw new ClockError('PASSERELLE_TEST_SEED: expected a positive integer');
  return seededRandomBytes(seed);
}

/**
 * Deterministic bytes (xorshift32), for tests only: ids and reference codes that are
 * the same on every run. Never a source of keys.
 */
export function seededRandomBytes(seed = 42): RandomBytes {
  let x = seed >>> 0 || 1;
  return (size: number) => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i += 1) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

function testVariable(env: Record<string, string | undefined>, name: (typeof TEST_CLOCK_VARIABLES)[number]): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (env.NODE_ENV !== 'test') throw new ClockError(`${name}: only honoured with NODE_ENV=test (it moves the clock or seeds the codes)`);
  return value;
}
