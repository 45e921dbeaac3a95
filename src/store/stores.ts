import crypto from 'node:crypto';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../db';
import { DatabaseAttemptLog, RedisAttemptLog, type AttemptLog } from './attemptLog';
import { MemoryDueQueue, RedisDueQueue, type DueQueue } from './dueQueue';
import { MemoryLock, RedisLock, type Lock } from './lock';
import { MemorySessionStore, RedisSessionStore, type SessionStore, type ValueSealer } from './sessionStore';

/**
 * Everything a running Passerelle keeps between two requests, built once at start from the
 * configuration and handed to the channels, the gateway and the desk, which never build
 * their own. In memory for one instance (the embedded default); in Redis (REDIS_URL) when
 * several instances serve together, so that any of them can take the next request of a
 * conversation, a provider retry, a wrong code or a login.
 */
export interface Stores {
  /** `redis`: shared by every instance, kept across restarts; `memory`: this process only. */
  readonly kind: 'memory' | 'redis';
  /** Conversation state and what goes with it, per namespace (`gateway`, `telegram`). */
  sessions<T>(namespace: string): SessionStore<T>;
  /** One task at a time per key, per namespace (`conversation`, `telegram-chat`). */
  lock(namespace: string): Lock;
  /** Failed attempts the limits count (wrong reference codes, console logins). */
  attempts: AttemptLog;
  /** Work due later (`staff-bot-deletions`). */
  dueQueue(namespace: string): DueQueue;
  /** The store of an express-rate-limit limiter; undefined: its own memory store. */
  rateLimit(namespace: string): RateLimitStore | undefined;
  /** Whether the shared store answers (`/healthz`); always true in memory. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoresOptions {
  config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX' | 'SESSION_MAX_ENTRIES'>;
  /** The database holds the attempt log when there is no Redis (shared with the CLI, kept across restarts). */
  prisma: PrismaClient;
  logger: Logger;
  /** Seals what Redis keeps of a conversation. */
  keyring: Pick<Keyring, 'seal' | 'unseal'>;
  /** Milliseconds since epoch: session expiry and attempt times follow the server's clock. */
  clock: () => number;
}

/** Builds the stores configuration asks for: Redis with REDIS_URL, else memory. */
export async function createStores(options: StoresOptions): Promise<Stores> {
  const { config, prisma, clock } = options;
  if (!config.REDIS_URL) {
    const sessions = new Map<string, MemorySessionStore<unknown>>();
    const locks = new Map<string, MemoryLock>();
    const queues = new Map<string, MemoryDueQueue>();
    return {
      kind: 'memory',
      sessions: <T>(namespace: string) => once(sessions, namespace, () => new MemorySessionStore<unknown>({ maxEntries: config.SESSION_MAX_ENTRIES, clock })) as SessionStore<T>,
      lock: (namespace) => once(locks, namespace, () => new MemoryLock()),
      attempts: new DatabaseAttemptLog(prisma),
      dueQueue: (namespace) => once(queues, namespace, () => new MemoryDueQueue()),
      rateLimit: () => undefined,
      healthy: async () => true,
      close: async () => undefined,
    };
  }
  // Loaded only here: an instance without Redis never holds its client's code in memory.
  const { connectRedis } = require('./redis') as typeof import('./redis');
  const { RedisStore } = require('rate-limit-redis') as typeof import('rate-limit-redis');
  const redis = await connectRedis(config.REDIS_URL, config.REDIS_PREFIX, options.logger);
  // A lock's token is seen by nothing but the lock (drawn apart from the injected randomness,
  // which decides what people and tests see).
  const token = () => crypto.randomBytes(16).toString('hex');
  const { keyring } = options;
  const sealer: ValueSealer = {
    seal: (text, aad) => JSON.stringify(keyring.seal(text, aad)),
    unseal: (sealed, aad) => keyring.unseal(JSON.parse(sealed), aad),
  };
  return {
    kind: 'redis',
    sessions: <T>(namespace: string) => new RedisSessionStore<T>(redis, namespace, sealer, clock),
    lock: (namespace) => new RedisLock(redis, namespace, { token }),
    attempts: new RedisAttemptLog(redis),
    dueQueue: (namespace) => new RedisDueQueue(redis, namespace),
    rateLimit: (namespace) => new RedisStore({ prefix: redis.key(`rate:${namespace}:`), sendCommand: (...args: string[]) => redis.client.sendCommand(args) }),
    healthy: async () => {
      try {
        return (await redis.client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    close: () => redis.close(),
  };
}

function once<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}
