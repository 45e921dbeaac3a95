import { createClient } from 'redis';
import type { Logger } from 'pino';

/** A client that fails fast while the connection is down (no offline queue) and reconnects by itself. */
function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
  });
}

export type RedisClient = ReturnType<typeof newClient>;

/** One connection to Redis and the prefix every key of this deployment carries. */
export interface RedisConnection {
  client: RedisClient;
  /** The full key of a name (REDIS_PREFIX + name). */
  key(name: string): string;
}

/** How often a Redis outage is logged while it lasts. */
const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Connects to REDIS_URL. Commands fail at once while the connection is down (no offline
 * queue): the request gets a 5xx and the provider retries it, rather than waiting
 * unboundedly. The client reconnects by itself; the outage is logged every 30 s, by
 * error code only (the URL may carry a password).
 */
export async function connectRedis(url: string, prefix: string, logger: Logger): Promise<RedisConnection & { close(): Promise<void> }> {
  const client = newClient(url);
  let lastLogged = -Infinity;
  client.on('error', (err: { code?: string }) => {
    const now = performance.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.error({ code: err.code ?? 'unknown' }, 'redis: connection error');
  });
  await client.connect();
  return {
    client,
    key: (name) => `${prefix}${name}`,
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
