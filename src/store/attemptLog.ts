import type { PrismaClient } from '../db';

/** What a limit asks of the failures it counts. */
export interface AttemptCounts {
  /** Failures of this key in the window. */
  mine: number;
  /** Failures of every key of the scope in the window. */
  all: number;
  /** When this key last failed, if it did in the window. */
  lastAt?: Date;
}

/**
 * Failed attempts that limits count (wrong reference codes, failed console logins),
 * per scope and per key (a keyed, truncated hash of who tried, never the value). Held
 * where every instance sees them and a restart loses nothing.
 */
export interface AttemptLog {
  record(scope: string, key: string, at: Date): Promise<void>;
  count(scope: string, key: string, since: Date): Promise<AttemptCounts>;
  /** Forgets a key's failures (a successful login). */
  clear(scope: string, key: string): Promise<void>;
}

/** The attempt log in the database (`Attempt` rows, pruned by the purge after a day). */
export class DatabaseAttemptLog implements AttemptLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(scope: string, key: string, at: Date): Promise<void> {
    await this.prisma.attempt.create({ data: { scope, key, at } });
  }

  async count(scope: string, key: string, since: Date): Promise<AttemptCounts> {
    const window = { scope, at: { gt: since } };
    const [mine, all, last] = await Promise.all([
      this.prisma.attempt.count({ where: { ...window, key } }),
      this.prisma.attempt.count({ where: window }),
      this.prisma.attempt.findFirst({ where: { ...window, key }, orderBy: { at: 'desc' }, select: { at: true } }),
    ]);
    return { mine, all, ...(last ? { lastAt: last.at } : {}) };
  }

  async clear(scope: string, key: string): Promise<void> {
    await this.prisma.attempt.deleteMany({ where: { scope, key } });
  }
}

/** The attempt log in memory: one process, lost on restart (unit tests; the server uses the database). */
export class MemoryAttemptLog implements AttemptLog {
  private readonly rows: Array<{ scope: string; key: string; at: number }> = [];

  async record(scope: string, key: string, at: Date): Promise<void> {
    this.rows.push({ scope, key, at: at.getTime() });
    // A day is the longest window any limit looks at.
    const horizon = at.getTime() - 86_400_000;
    while (this.rows.length > 0 && this.rows[0].at <= horizon) this.rows.shift();
  }

  async count(scope: string, key: string, since: Date): Promise<AttemptCounts> {
    const window = this.rows.filter((r) => r.scope === scope && r.at > since.getTime());
    const mine = window.filter((r) => r.key === key);
    return { mine: mine.length, all: window.length, ...(mine.length > 0 ? { lastAt: new Date(mine[mine.length - 1].at) } : {}) };
  }

  async clear(scope: string, key: string): Promise<void> {
    for (let i = this.rows.length - 1; i >= 0; i -= 1) if (this.rows[i].scope === scope && this.rows[i].key === key) this.rows.splice(i, 1);
  }
}
