import type { PrismaClient } from '../db';
import type { RedisConnection } from './redis';

/** What a limit asks of the attempts it counts, the caller's own reservation excluded. */
export interface AttemptCounts {
  /** Attempts of this key in the window before this one. */
  mine: number;
  /** Attempts of every key of the scope in the window before this one. */
  all: number;
  /** When this key last tried before this one, if it did in the window. */
  lastAt?: Date;
}

/** An attempt recorded before it is judged: kept if it fails, withdrawn if it succeeds or is refused. */
export interface Reservation {
  /** What was there before it (see AttemptCounts). */
  counts: AttemptCounts;
  /** Withdraws it (the attempt succeeded, or was refused without being tried). */
  withdraw(): Promise<void>;
}

/**
 * Attempts that limits count (wrong reference codes, failed console logins), per scope
 * and per key (a keyed, truncated hash of who tried, never the value). Held where every
 * instance sees them and a restart loses nothing.
 *
 * An attempt is recorded *before* it is judged, then counted: of many attempts made at
 * the same moment (on one instance or several) each sees the others, so none slips
 * under a limit because the others had not been recorded yet. A failure stays; a
 * success or a refusal withdraws its reservation.
 */
export interface AttemptLog {
  reserve(scope: string, key: string, at: Date, since: Date): Promise<Reservation>;
  /** Forgets a key's attempts (a successful login). */
  clear(scope: string, key: string): Promise<void>;
}

/** The attempt log in the database (`Attempt` rows, pruned by the purge after a day). */
export class DatabaseAttemptLog implements AttemptLog {
  constructor(private readonly prisma: PrismaClient) {}

  async reserve(scope: string, key: string, at: Date, since: Date): Promise<Reservation> {
    const { prisma } = this;
    const { id } = await prisma.attempt.create({ data: { scope, key, at }, select: { id: true } });
    const window = { scope, at: { gt: since }, id: { not: id } };
    // Rows inserted at the same moment by others are counted whether their ids are lower or higher.
    const [mine, all, last] = await Promise.all([
      prisma.attempt.count({ where: { ...window, key } }),
      prisma.attempt.count({ where: window }),
      prisma.attempt.findFirst({ where: { ...window, key }, orderBy: { at: 'desc' }, select: { at: true } }),
    ]);
    return {
      counts: { mine, all, ...(last ? { lastAt: last.at } : {}) },
      withdraw: async () => {
        await prisma.attempt.deleteMany({ where: { id } });
      },
    };
  }

  async clear(scope: string, key: string): Promise<void> {
    await this.prisma.attempt.deleteMany({ where: { scope, key } });
  }
}

/** The attempt log in memory: one process, lost on restart (unit tests; the server uses the database or Redis). */
export class MemoryAttemptLog implements AttemptLog {
  private readonly rows: Array<{ id: number; scope: string; key: string; at: number }> = [];
  private nextId = 1;

  async reserve(scope: string, key: string, at: Date, since: Date): Promise<Reservation> {
    const id = this.nextId++;
    this.rows.push({ id, scope, key, at: at.getTime() });
    // A day is the longest window any limit looks at.
    const horizon = at.getTime() - 86_400_000;
    while (this.rows.length > 0 && this.rows[0].at <= horizon) this.rows.shift();
    const window = this.rows.filter((r) => r.scope === scope && r.at > since.getTime() && r.id !== id);
    const mine = window.filter((r) => r.key === key);
    const lastAt = mine.reduce((latest, r) => Math.max(latest, r.at), -Infinity);
    return {
      counts: { mine: mine.length, all: window.length, ...(mine.length > 0 ? { lastAt: new Date(lastAt) } : {}) },
      withdraw: async () => {
        const at2 = this.rows.findIndex((r) => r.id === id);
        if (at2 >= 0) this.rows.splice(at2, 1);
      },
    };
  }

  async clear(scope: string, key: string): Promise<void> {
    for (let i = this.rows.length - 1; i >= 0; i -= 1) if (this.rows[i].scope === scope && this.rows[i].key === key) this.rows.splice(i, 1);
  }
}

const DAY_MS = 86_400_000;

/**
 * Records an attempt and counts the window, atomically. KEYS: the scope's sorted set, the
 * key's sorted set, the id counter. ARGV: at, since, horizon (a day before), key.
 * Returns [id, mine, all, lastAt or -1], the new attempt excluded from the counts.
 */
const RESERVE = `
local id = tostring(redis.call('incr', KEYS[3]))
local member = id .. ':' .. ARGV[4]
redis.call('zadd', KEYS[1], ARGV[1], member)
redis.call('zadd', KEYS[2], ARGV[1], id)
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[3])
redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[3])
redis.call('pexpire', KEYS[1], ${DAY_MS})
redis.call('pexpire', KEYS[2], ${DAY_MS})
local mine = redis.call('zcount', KEYS[2], '(' .. ARGV[2], '+inf') - 1
local all = redis.call('zcount', KEYS[1], '(' .. ARGV[2], '+inf') - 1
local last = -1
local recent = redis.call('zrevrangebyscore', KEYS[2], '+inf', '(' .. ARGV[2], 'WITHSCORES', 'LIMIT', 0, 2)
for i = 1, #recent, 2 do
  if recent[i] ~= id then last = tonumber(recent[i + 1]); break end
end
return {id, mine, all, last}
`;

/** Withdraws one attempt (KEYS: scope set, key set; ARGV: id, key). */
const WITHDRAW = `
redis.call('zrem', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
return redis.call('zrem', KEYS[2], ARGV[1])
`;

/** Forgets a key's attempts (KEYS: scope set, key set; ARGV: key). */
const CLEAR = `
for _, id in ipairs(redis.call('zrange', KEYS[2], 0, -1)) do redis.call('zrem', KEYS[1], id .. ':' .. ARGV[1]) end
return redis.call('del', KEYS[2])
`;

/**
 * The attempt log in Redis (REDIS_URL): per scope a sorted set of every attempt and per
 * key one of its own, scored by the server's clock, trimmed to a day and expiring with it.
 * Members are counters and the keyed hashes the database would hold; nothing else.
 */
export class RedisAttemptLog implements AttemptLog {
  constructor(private readonly redis: RedisConnection) {}

  private keys(scope: string, key: string): [string, string] {
    return [this.redis.key(`attempts:${scope}`), this.redis.key(`attempts:${scope}:${key}`)];
  }

  async reserve(scope: string, key: string, at: Date, since: Date): Promise<Reservation> {
    const [scopeKey, keyKey] = this.keys(scope, key);
    const [id, mine, all, last] = (await this.redis.client.eval(RESERVE, {
      keys: [scopeKey, keyKey, this.redis.key('attempts:id')],
      arguments: [String(at.getTime()), String(since.getTime()), String(at.getTime() - DAY_MS), key],
    })) as [string, number, number, number];
    return {
      counts: { mine: Number(mine), all: Number(all), ...(Number(last) >= 0 ? { lastAt: new Date(Number(last)) } : {}) },
      withdraw: async () => {
        await this.redis.client.eval(WITHDRAW, { keys: [scopeKey, keyKey], arguments: [String(id), key] });
      },
    };
  }

  async clear(scope: string, key: string): Promise<void> {
    const [scopeKey, keyKey] = this.keys(scope, key);
    await this.redis.client.eval(CLEAR, { keys: [scopeKey, keyKey], arguments: [key] });
  }
}
