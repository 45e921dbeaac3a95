import type { PrismaClient } from '../db';

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

/** The attempt log in memory: one process, lost on restart (unit tests; the server uses the database). */
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
