import type { Keyring } from '../crypto/keyring';
import { sameSecret } from '../crypto/sameSecret';
import type { AttemptCounts, AttemptLog } from '../store/attemptLog';

/** Failed logins allowed before a delay: for one name from one address (or one known device), and for one name from anywhere. */
export const FREE_FAILURES = { nameAndAddress: 5, name: 20 };
/** The first wait, doubled at each further failure, and the longest: never a permanent lockout. */
export const FIRST_WAIT_MS = 30_000;
export const LONGEST_WAIT_MS = 15 * 60_000;
/** How long a browser that logged in is recognised as a known device. */
export const DEVICE_DAYS = 180;
const DAY_MS = 86_400_000;

export interface LoginAttempt {
  name: string;
  /** The client address as TRUST_PROXY computes it. */
  address: string;
  /** The device cookie this browser carries, if any. */
  device?: string;
}

export type LoginCheck =
  | { allowed: false; waitMs: number }
  | {
      allowed: true;
      /** The password was wrong: the attempt stays counted. */
      failed(): Promise<void>;
      /** The password was right: the attempt is withdrawn, this address's failures forgotten; returns a device cookie value. */
      succeeded(): Promise<string>;
    };

/**
 * Slows down password guessing on the console, account by account, without letting
 * anyone lock a caseworker out:
 * - one name from one address: after 5 failures each new try waits longer (30 s, 1 min,
 *   2 min … at most 15 min after the last failure);
 * - one name from anywhere (guesses spread over many addresses): the same after 20;
 * - a browser that logged in to this name before carries a device cookie: it skips both
 *   and is slowed down on its own, so a flood of guesses against a name never keeps its
 *   owner out.
 * Every try is recorded before the password is checked (see AttemptLog), so parallel
 * guesses cannot slip through together. Names are counted under a keyed hash, existing or
 * not, so the answers tell nothing of which names exist.
 */
export class LoginThrottle {
  constructor(private readonly options: { attempts: AttemptLog; keyring: Pick<Keyring, 'hash'>; clock: () => Date; randomBytes: (n: number) => Buffer }) {}

  async begin({ name, address, device }: LoginAttempt): Promise<LoginCheck> {
    const { attempts, clock } = this.options;
    const now = clock();
    const since = new Date(now.getTime() - DAY_MS);
    const known = device ? this.deviceId(name, device) : null;
    const keys = known
      ? [{ key: `device:${known}`, free: FREE_FAILURES.nameAndAddress }]
      : [
          { key: this.hash(`console-login-from\u0000${normalise(name)}\u0000${address}`), free: FREE_FAILURES.nameAndAddress },
          { key: this.hash(`console-login\u0000${normalise(name)}`), free: FREE_FAILURES.name },
        ];
    const reservations = await Promise.all(keys.map(({ key }) => attempts.reserve('login', key, now, since)));
    const waitMs = Math.max(...keys.map(({ free }, i) => wait(reservations[i].counts, free, now)));
    if (waitMs > 0) {
      // Not tried, so not counted.
      await Promise.all(reservations.map((r) => r.withdraw()));
      return { allowed: false, waitMs };
    }
    return {
      allowed: true,
      failed: async () => undefined,
      succeeded: async () => {
        await Promise.all(reservations.map((r) => r.withdraw()));
        await attempts.clear('login', keys[0].key);
        return this.newDevice(name);
      },
    };
  }

  /** A device cookie value for this name: random, bound to the name by a keyed hash. */
  private newDevice(name: string): string {
    const random = this.options.randomBytes(18).toString('base64url');
    return `${random}.${this.deviceMac(name, random)}`;
  }

  /** The id of a valid device cookie for this name, or null (forged, or another name's). */
  private deviceId(name: string, device: string): string | null {
    const [random, mac] = device.split('.');
    if (!random || !mac || random.length > 40 || !sameSecret(mac, this.deviceMac(name, random))) return null;
    return this.hash(`console-device-id\u0000${random}`);
  }

  private deviceMac(name: string, random: string): string {
    return this.options.keyring.hash(`console-device\u0000${normalise(name)}\u0000${random}`).slice(0, 32);
  }

  private hash(value: string): string {
    return this.options.keyring.hash(value).slice(0, 24);
  }
}

function normalise(name: string): string {
  return name.trim().normalize('NFKC').toLowerCase();
}

/** Milliseconds still to wait after `counts` failures, `free` of them allowed without delay. */
function wait(counts: AttemptCounts, free: number, now: Date): number {
  if (counts.mine < free || !counts.lastAt) return 0;
  const delay = Math.min(FIRST_WAIT_MS * 2 ** (counts.mine - free), LONGEST_WAIT_MS);
  return Math.max(0, counts.lastAt.getTime() + delay - now.getTime());
}
