import type { DeskDeps } from './types';

export interface StatisticsOptions {
  from: Date;
  to: Date;
}

/** A cell of a statistics table: `count` is null when suppressed (under `minCell`, or hidden so that a suppressed cell cannot be recomputed from the total). */
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
  /** Time from the request to the first call attempt (`not_called` when none yet). */
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
 * Suppresses the cells of one table: every count under `min` (primary), then, while
 * the suppressed cells could be recovered by subtracting the published ones from the
 * published total (a single suppressed cell, or suppressed cells summing under `min`),
 * the smallest published cell too (complementary suppression).
 */
export function suppress(counts: Map<string, number>, min: number): StatCell[] {
  const cells = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => ({ key, count, hidden: count < min }));
  const hidden = () => cells.filter((c) => c.hidden);
  while (hidden().length > 0 && (hidden().length === 1 || hidden().reduce((sum, c) => sum + c.count, 0) < min)) {
    const shown = cells.filter((c) => !c.hidden).sort((a, b) => a.count - b.count);
    if (shown.length === 0) break;
    shown[0].hidden = true;
  }
  return cells.map(({ key, count, hidden: h }) => ({ key, count: h ? null : count }));
}

/**
 * Counts of intakes created in [from, to): per day, channel, queue, outcome and
 * time to first call. Counts only. Every table covers every intake (so it adds up to
 * the total), and small cells are suppressed so that neither they nor a subtraction
 * from the total can point at a person; a total under STATS_MIN_CELL is suppressed too.
 */
export async function statistics(deps: Pick<DeskDeps, 'prisma' | 'config'>, { from, to }: StatisticsOptions): Promise<Statistics> {
  const min = deps.config.STATS_MIN_CELL;
  const rows = await deps.prisma.intake.findMany({
    where: { createdAt: { gte: from, lt: to } },
    select: { createdAt: true, channel: true, queue: true, status: true, lastOutcome: true, closeReason: true, firstCallAt: true },
  });
  const table = (keyOf: (r: (typeof rows)[number]) => string): StatCell[] => {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const key = keyOf(row);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return suppress(counts, min);
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
      if (!r.firstCallAt) return 'not_called';
      const ms = r.firstCallAt.getTime() - r.createdAt.getTime();
      return FIRST_CALL_BUCKETS.find(([, limit]) => ms < limit)![0];
    }),
  };
}
