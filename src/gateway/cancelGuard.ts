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
}

const HOUR_MS = 3_600_000;
/** The stable event name a monitoring rule can match. */
export const GUESS_LIMIT_EVENT = 'cancel.guess_limit';

/**
 * Slows down the guessing of reference codes. Wrong codes are counted per number and
 * across the whole service, in the attempt log (so the limit survives restarts and
 * holds across instances): forged numbers do not buy more guesses. Past either limit,
 * every cancel attempt is refused ("too many tries") until the hour has passed.
 */
export class CancelGuard {
  private lastWarning = -Infinity;
  private suppressed = 0;

  constructor(private readonly options: CancelGuardOptions) {}

  /** True when this number, or the service as a whole, may not try a code now. */
  async blocked(address: string): Promise<boolean> {
    const { attempts, clock, perNumber, perService } = this.options;
    const { mine, all } = await attempts.count('cancel', this.keyOf(address), new Date(clock().getTime() - HOUR_MS));
    if (all >= perService) {
      this.warn('service', all);
      return true;
    }
    return mine >= perNumber;
  }

  /** Counts one wrong code from this number. */
  async failed(address: string): Promise<void> {
    await this.options.attempts.record('cancel', this.keyOf(address), this.options.clock());
  }

  /** Domain-separated and truncated: it cannot be matched with an intake's requester hash. */
  private keyOf(address: string): string {
    return this.options.keyring.hash(`cancel-guess\u0000${address}`).slice(0, 24);
  }

  /** A warning when the service-wide limit refuses, at most once a minute (an attack must not flood the logs). */
  private warn(scope: 'service', wrongCodes: number): void {
    const now = this.options.clock().getTime();
    if (now - this.lastWarning < 60_000) {
      this.suppressed += 1;
      return;
    }
    this.options.logger.warn({ event: GUESS_LIMIT_EVENT, scope, wrongCodes, refusedSinceLastWarning: this.suppressed }, 'cancel attempts refused: too many wrong reference codes across the service');
    this.lastWarning = now;
    this.suppressed = 0;
  }
}
