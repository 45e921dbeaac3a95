import type { Keyring } from '../crypto/keyring';
import type { AttemptLog } from '../store/attemptLog';

/** Failed logins of one account allowed before it is slowed down. */
export const FREE_FAILURES = 5;
/** The first wait, doubled at each further failure, and the longest: never a permanent lockout. */
export const FIRST_WAIT_MS = 30_000;
export const LONGEST_WAIT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

/**
 * Slows down password guessing on one account, wherever the guesses come from: after
 * a few failures each new try must wait longer (30 s, 1 min, 2 min … at most 15 min
 * after the last failure). Nobody can lock an account out for good, and a success
 * forgets the failures. Counted in the attempt log under a keyed hash of the login
 * name (existing or not, so the throttle tells nothing about which names exist).
 */
export class LoginThrottle {
  constructor(private readonly options: { attempts: AttemptLog; keyring: Pick<Keyring, 'hash'>; clock: () => Date }) {}

  /** Milliseconds this login name must still wait before a password is checked (0: now). */
  async waitFor(name: string): Promise<number> {
    const { attempts, clock } = this.options;
    const now = clock().getTime();
    const { mine, lastAt } = await attempts.count('login', this.keyOf(name), new Date(now - DAY_MS));
    if (mine < FREE_FAILURES || !lastAt) return 0;
    const wait = Math.min(FIRST_WAIT_MS * 2 ** (mine - FREE_FAILURES), LONGEST_WAIT_MS);
    return Math.max(0, lastAt.getTime() + wait - now);
  }

  async failed(name: string): Promise<void> {
    await this.options.attempts.record('login', this.keyOf(name), this.options.clock());
  }

  async succeeded(name: string): Promise<void> {
    await this.options.attempts.clear('login', this.keyOf(name));
  }

  private keyOf(name: string): string {
    return this.options.keyring.hash(`console-login\u0000${name.trim().normalize('NFKC').toLowerCase()}`).slice(0, 24);
  }
}
