import type { RedisConnection } from './redis';

/**
 * Runs tasks one at a time per key (one conversation, one chat), so that a provider
 * retry arriving while the first request is still working waits and then sees its result.
 */
export interface Lock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** One process: a chain of promises per key. */
export class MemoryLock implements Lock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Raised when a key stayed held longer than a request may wait: the request fails (5xx) and the provider retries. */
export class LockTimeoutError extends Error {
  constructor() {
    super('a lock stayed held longer than a request may wait');
    this.name = 'LockTimeoutError';
  }
}

/** Deletes the key only if it still holds this holder's token: a lock taken over after its lease ran out is not released by the late holder. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lease only if the key still holds this holder's token. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLockOptions {
  /**
   * How long the key outlives a holder that died without releasing it. A live holder renews
   * it every third of that while its task runs, so a slow step keeps its lock and a dead
   * instance's conversations are free again within this time.
   */
  leaseMs?: number;
  /** How long a request waits for the key before it fails. */
  waitMs?: number;
  /** A random token per acquisition. */
  token: () => string;
}

/**
 * Several instances: `SET key token NX PX lease` takes the key, a compare-and-delete
 * script releases it, a compare-and-extend one renews it while the task runs. Waiters of
 * one process queue behind each other first (a local lock), so only one of them polls
 * Redis; a holder that dies frees the key when its lease runs out (3 s). One Redis needs
 * no Redlock.
 */
export class RedisLock implements Lock {
  private readonly local = new MemoryLock();
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
    private readonly options: RedisLockOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 3_000;
    this.waitMs = options.waitMs ?? 10_000;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const redisKey = this.redis.key(`lock:${this.namespace}:${key}`);
      const token = this.options.token();
      await this.acquire(redisKey, token);
      const renewal = setInterval(
        () => {
          this.redis.client.eval(RENEW, { keys: [redisKey], arguments: [token, String(this.leaseMs)] }).catch(() => undefined);
        },
        Math.max(10, Math.floor(this.leaseMs / 3)),
      );
      try {
        return await task();
      } finally {
        clearInterval(renewal);
        await this.redis.client.eval(RELEASE, { keys: [redisKey], arguments: [token] }).catch(() => undefined);
      }
    });
  }

  private async acquire(redisKey: string, token: string): Promise<void> {
    // Elapsed time is measured on the monotonic clock: a lock's wait is real time, whatever the injected clock says.
    const started = performance.now();
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const taken = await this.redis.client.set(redisKey, token, { condition: 'NX', expiration: { type: 'PX', value: this.leaseMs } });
      if (taken === 'OK') return;
      if (performance.now() - started > this.waitMs) throw new LockTimeoutError();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
