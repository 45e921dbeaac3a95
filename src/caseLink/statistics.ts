import type { DeskDeps } from './types';

export interface StatisticsOptions {
  from: Date;
  to: Date;
}

/** A cell of a statistics table: `count` is null when suppressed (fewer than `minCell`, but not zero). */
export interface StatCell {
  key: string;
  count: number | null;
}

export interface Statistics {
  from: string;
  to: string;
  minCell: number;
  total: number | null;
  byDay: StatCell[];
  byChannel: StatCell[];
  byQueue: StatCell[];
  byOutcome: StatCell[];
  /** Time from the request to the first call attempt. */
  timeToFirstCall: StatCell[];
}

const HOUR_MS = 3_600_000;
const FIRST_CALL_BUCKETS: Array<[string, number]> = [
  ['under_1h', HOUR_MS],
  ['1h_to_4h', 4 * HOUR_MS],
  ['4h_to_24h', 24 * HOUR_MS],
  ['24h_to_72h', 72 * HOUR_MS],
  ['over_72h', Number.POSITIVE_INFINITY],
];

/**
 * Counts of intakes created in [from, to): per day, channel, queue, outcome and
 * time to first call. Counts only; any cell under STATS_MIN_CELL is suppressed so
 * that small numbers cannot point at a person.
 */
export async function statistics(deps: Pick<DeskDeps, 'prisma' | 'config'>, { from, to }: StatisticsOptions): Promise<Statistics> {
  const min = deps.config.STATS_MIN_CELL;
  const rows = await deps.prisma.intake.findMany({
    where: { createdAt: { gte: from, lt: to } },
    select: { createdAt: true, channel: true, queue: true, status: true, lastOutcome: true, closeReason: true, firstCallAt: true },
  });
  const table = (keyOf: (r: (typeof rows)[number]) => string | null): StatCell[] => {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const key = keyOf(row);
      if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => ({ key, count: count < min ? null : count }));
  };
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    minCell: min,
    total: rows.length === 0 ? 0 : rows.length < min ? null : rows.length,
    byDay: table((r) => r.createdAt.toISOString().slice(0, 10)),
    byChannel: table((r) => r.channel),
    byQueue: table((r) => r.queue),
    byOutcome: table((r) => (r.status === 'pending' || r.status === 'claimed' ? `open:${r.lastOutcome ?? 'none'}` : `${r.status}:${r.closeReason ?? r.lastOutcome ?? 'none'}`)),
    timeToFirstCall: table((r) => {
      if (!r.firstCallAt) return null;
      const ms = r.firstCallAt.getTime() - r.createdAt.getTime();
      return FIRST_CALL_BUCKETS.find(([, limit]) => ms < limit)![0];
    }),
  };
}
