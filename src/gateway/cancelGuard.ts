import type { Logger } from 'pino';
import type { Keyring } from '../crypto/keyring';
import type { AttemptLog } from '../store/attemptLog';

export interface CancelGuardOptions {
  attempts: AttemptLog;
  keyring: Pick<Keyring, 'hash'>;
  logger: Logger;
  clock: () => Date;
  /** Wrong codes one number may send per hour. */
  perNumber: number;
  /** Wrong codes the whole service accepts per hour (CANCEL_GUESS_LIMIT_PER_HOUR). */
  perService: number;
  /** Hears how each try ended (the metrics count wrong and refused codes). */
  onOutcome?: (outcome: 'ok' | 'notFound' | 'limited') => void;
}

/** Tries a code: `ownRequestOnly` limits it to requests made from the sender's own address. */
export type TryCode = (ownRequestOnly: boolean) => Promise<'ok' | 'notFound'>;

const HOUR_MS = 3_600_000;
/** The stable event name a monitoring rule can match. */
export const GUESS_LIMIT_EVENT = 'cancel.guess_limit';

/**
 * Slows down the guessing of reference codes. Every try is recorded before it is
 * judged (see AttemptLog), per number and across the whole service, in the attempt log
 * (so the limit survives restarts and holds across instances, and tries made at the same
 * moment all see each other): forged numbers do not buy more guesses. A number past its
 * own limit gets "too many tries". Past the service-wide limit every other try does too,
 * except a code that cancels a request made from the sender's own number: a flood of
 * guesses never takes the person's own way to cancel away from them.
 */
export class CancelGuard {
  private lastWarning = -Infinity;
  private suppressed = 0;

  constructor(private readonly options: CancelGuardOptions) {}

  async attempt(address: string, tryCode: TryCode): Promise<'ok' | 'notFound' | 'limited'> {
    const outcome = await this.judge(address, tryCode);
    this.options.onOutcome?.(outcome);
    return outcome;
  }

  private async judge(address: string, tryCode: TryCode): Promise<'ok' | 'notFound' | 'limited'> {
    const { attempts, clock, perNumber, perService } = this.options;
    const now = clock();
    const reservation = await attempts.reserve('cancel', this.keyOf(address), now, new Date(now.getTime() - HOUR_MS));
    const { mine, all } = reservation.counts;
    if (mine >= perNumber) {
      // Not tried, so not counted: the number stays at its limit until the hour has passed.
      await reservation.withdraw();
      return 'limited';
    }
    const flooded = all >= perService;
    if (flooded) this.warn(all);
    const outcome = await tryCode(flooded);
    // A right code is not a guess; a wrong one stays counted.
    if (outcome === 'ok') await reservation.withdraw();
    return outcome === 'notFound' && flooded ? 'limited' : outcome;
  }

  /** Domain-separated and truncated: it cannot be matched with an intake's requester hash. */
  private keyOf(address: string): string {
    return this.options.keyring.hash(`cancel-guess\u0000${address}`).slice(0, 24);
  }

  /** A warning when the service-wide limit refuses, at most once a minute (an attack must not flood the logs). */
  private warn(wrongCodes: number): void {
    const now = this.options.clock().getTime();
    if (now - this.lastWarning < 60_000) {
      this.suppressed += 1;
      return;
    }
    this.options.logger.warn(
      { event: GUESS_LIMIT_EVENT, scope: 'service', wrongCodes, refusedSinceLastWarning: this.suppressed },
      'cancel attempts refused: too many wrong reference codes across the service',
    );
    this.lastWarning = now;
    this.suppressed = 0;
  }
}
