import type { RedisConnection } from './redis';

/**
 * Where conversation state lives between two requests (and what goes with it: provider
 * retry records, ended-session tombstones, Telegram message ids). Values are plain JSON
 * objects: in memory for one instance, in Redis for several.
 */
export interface SessionStore<T> {
  get(key: string): Promise<T | undefined>;
  /** Stores `value` for `ttlMs` from now; a later `set` renews it. */
  set(key: string, value: T, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface MemorySessionStoreOptions {
  /** The most sessions kept; past it the least recently used is dropped. */
  maxEntries: number;
  clock?: () => number;
}

/** How often `set` walks every entry to drop the expired ones. */
const FULL_SWEEP_MS = 5_000;

/**
 * Single-instance store: a Map in insertion order used as an LRU, with a TTL per
 * entry. Expired entries are dropped when read and swept as new ones arrive, so
 * memory stays bounded by `maxEntries` whatever the traffic, and nothing outlives
 * its TTL by more than a few seconds while traffic flows.
 */
export class MemorySessionStore<T> implements SessionStore<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly clock: () => number;
  private readonly maxEntries: number;
  private lastFullSweep = -Infinity;

  constructor({ maxEntries, clock = Date.now }: MemorySessionStoreOptions) {
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  async get(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
    this.sweep();
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.clock();
    // TTLs differ (a minute for an ended session, half an hour for SMS), so an expired
    // entry can sit behind a live one: the front is checked on every write, the whole
    // map every few seconds.
    const full = now - this.lastFullSweep >= FULL_SWEEP_MS;
    if (full) this.lastFullSweep = now;
    let checked = 0;
    for (const [key, entry] of this.entries) {
      if (!full && checked++ >= 8) break;
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Seals a value for the shared store (AES-256-GCM with the data keys; the Redis key as associated data). */
export interface ValueSealer {
  seal(text: string, aad: string): string;
  /** Throws if the value was not sealed under that key (moved, or forged). */
  unseal(sealed: string, aad: string): string;
}

/**
 * Several instances: each entry a Redis string under REDIS_PREFIX + `session:` + namespace
 * + key, which Redis drops when its TTL runs out. The value is sealed: what a conversation
 * keeps (its position, the last screen sent, which may carry a reference code) is no more
 * readable in Redis, or a dump of it, than the sealed numbers are in the database. The entry
 * also carries its expiry by the server's clock, which `get` honours: a conversation ends at
 * the same moment whichever store holds it (and a test's clock is obeyed).
 */
export class RedisSessionStore<T> implements SessionStore<T> {
  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
    private readonly sealer: ValueSealer,
    private readonly clock: () => number = Date.now,
  ) {}

  private key(key: string): string {
    return this.redis.key(`session:${this.namespace}:${key}`);
  }

  async get(key: string): Promise<T | undefined> {
    const redisKey = this.key(key);
    const raw = await this.redis.client.get(redisKey);
    if (raw === null) return undefined;
    const entry = JSON.parse(this.sealer.unseal(raw, redisKey)) as { value: T; expiresAt: number };
    if (entry.expiresAt <= this.clock()) {
      await this.redis.client.del(this.key(key));
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const redisKey = this.key(key);
    const sealed = this.sealer.seal(JSON.stringify({ value, expiresAt: this.clock() + ttl }), redisKey);
    await this.redis.client.set(redisKey, sealed, { expiration: { type: 'PX', value: ttl } });
  }

  async delete(key: string): Promise<void> {
    await this.redis.client.del(this.key(key));
  }
}
