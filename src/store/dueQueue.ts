import type { RedisConnection } from './redis';

/**
 * Work to do at a given time (the staff bot deleting a message that showed a number):
 * items are opaque strings (the caller seals what they carry), each taken by exactly one
 * taker once due. In Redis, pending items survive a restart and any instance takes them.
 */
export interface DueQueue {
  add(item: string, dueAt: number): Promise<void>;
  /** Removes and returns the items due at `now` (at most `max`). */
  takeDue(now: number, max?: number): Promise<string[]>;
}

/** One process; lost on restart. */
export class MemoryDueQueue implements DueQueue {
  private items: Array<{ item: string; dueAt: number }> = [];

  async add(item: string, dueAt: number): Promise<void> {
    this.items.push({ item, dueAt });
    this.items.sort((a, b) => a.dueAt - b.dueAt);
  }

  async takeDue(now: number, max = 100): Promise<string[]> {
    let n = 0;
    while (n < this.items.length && n < max && this.items[n].dueAt <= now) n += 1;
    return this.items.splice(0, n).map((i) => i.item);
  }
}

/** Takes due items atomically (KEYS: the sorted set; ARGV: now, max): two instances never take the same one. */
const TAKE_DUE = `
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('zrem', KEYS[1], unpack(due)) end
return due
`;

/** Several instances: a sorted set scored by due time (REDIS_PREFIX + `due:` + namespace). */
export class RedisDueQueue implements DueQueue {
  constructor(
    private readonly redis: RedisConnection,
    private readonly namespace: string,
  ) {}

  private get key(): string {
    return this.redis.key(`due:${this.namespace}`);
  }

  async add(item: string, dueAt: number): Promise<void> {
    await this.redis.client.zAdd(this.key, { score: dueAt, value: item });
  }

  async takeDue(now: number, max = 100): Promise<string[]> {
    return (await this.redis.client.eval(TAKE_DUE, { keys: [this.key], arguments: [String(now), String(max)] })) as string[];
  }
}
