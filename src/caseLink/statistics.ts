import { weeksOf } from './isoWeek';
import { FEEDBACK_ANSWERS, FEEDBACK_QUESTIONS } from './recordFeedback';
import { CLOSE_REASONS, OUTCOMES, type DeskDeps } from './types';

export interface StatisticsOptions {
  from: Date;
  to: Date;
}

/** A cell of a statistics table: `count` is null when suppressed (under `minCell`, or hidden so that a suppressed cell cannot be recomputed from the total), else rounded to `rounding`. */
export interface StatCell {
  key: string;
  count: number | null;
}

export interface Statistics {
  from: string;
  to: string;
  minCell: number;
  /** Every published count is a multiple of this. */
  rounding: number;
  total: number | null;
  byDay: StatCell[];
  byChannel: StatCell[];
  byQueue: StatCell[];
  byOutcome: StatCell[];
  /** Time from the request to the first call attempt (`not_called` when none yet). */
  timeToFirstCall: StatCell[];
  /** Anonymous feedback from the people served. */
  feedback: FeedbackStatistics;
}

/**
 * The feedback counted in the period, published like the intake tables (same keys
 * whatever the counts, suppression, rounding). Feedback is kept per ISO week (UTC), so
 * the period counts whole weeks: those whose Thursday falls in it (a week belongs to
 * the month of its Thursday, as it belongs to the year of its Thursday); two months
 * never share a week, and a week is never split.
 */
export interface FeedbackStatistics {
  /** The ISO weeks counted, e.g. `2026-W49`. */
  weeks: string[];
  /** People who answered the questions to the end (each answers every question). */
  responses: number | null;
  /** Responses per week of `weeks`. */
  byWeek: StatCell[];
  /** Responses per channel. */
  byChannel: StatCell[];
  /** Per question, the answers given; each table adds up to the responses. */
  questions: Array<{ question: string; answers: StatCell[] }>;
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
 * Suppresses the cells of one table: every count under `min`, zero included (a published
 * zero would show which suppressed cells are not), then, while the suppressed cells
 * could be recovered by subtracting the published ones from the published total (a
 * single suppressed cell, or suppressed cells summing under `min`), the smallest
 * published cell too (complementary suppression). Keys are kept in the order given.
 */
export function suppress(counts: Map<string, number>, min: number): StatCell[] {
  const cells = [...counts.entries()].map(([key, count]) => ({ key, count, hidden: count < min }));
  const hidden = () => cells.filter((c) => c.hidden);
  const hiddenSum = () => hidden().reduce((sum, c) => sum + c.count, 0);
  while (hiddenSum() > 0 && (hidden().length === 1 || hiddenSum() < min)) {
    const shown = cells.filter((c) => !c.hidden).sort((a, b) => a.count - b.count);
    if (shown.length === 0) break;
    shown[0].hidden = true;
  }
  return cells.map(({ key, count, hidden: h }) => ({ key, count: h ? null : count }));
}

/** Rounds a published count to the nearest multiple of `step` (suppressed cells stay null). */
export function roundCount(count: number | null, step: number): number | null {
  return count === null ? null : Math.round(count / step) * step;
}

/** The keys every statistics table always has, whatever the counts (no key ever tells that a cell is not empty). */
export interface StatisticsKeys {
  /** Every channel the deployment can serve. */
  channels: string[];
  /** Every queue requests can be routed to. */
  queues: string[];
}

const OPEN = ['pending', 'claimed'];
/** Every way a request can stand or have ended, as `status:detail`. */
export const OUTCOME_KEYS = [
  ...['none', ...OUTCOMES].map((o) => `open:${o}`),
  ...CLOSE_REASONS.map((r) => `closed:${r}`),
  'cancelled:none',
  'expired:none',
  'expired:unreachable',
  'handed_off:handed_off',
];

const DAY_MS = 86_400_000;

/**
 * Counts of intakes created in [from, to): per day, channel, queue, outcome and time to
 * first call; and the feedback of the weeks whose Thursday falls in [from, to) (see
 * FeedbackStatistics). Counts only. Every table has the same keys whatever the counts (every day
 * of the range, every channel, queue, outcome and delay; anything else is `other`) and
 * covers every intake, so it adds up to the total; cells under STATS_MIN_CELL are
 * suppressed (and more, so a subtraction from the total cannot recover them), and every
 * published count, the total included, is rounded to STATS_ROUNDING, so two overlapping
 * ranges cannot be subtracted to recover a suppressed cell.
 */
export async function statistics(deps: Pick<DeskDeps, 'prisma' | 'config'>, { from, to, keys }: StatisticsOptions & { keys: StatisticsKeys }): Promise<Statistics> {
  const min = deps.config.STATS_MIN_CELL;
  const step = deps.config.STATS_ROUNDING;
  const rows = await deps.prisma.intake.findMany({
    where: { createdAt: { gte: from, lt: to } },
    select: { createdAt: true, channel: true, queue: true, status: true, lastOutcome: true, closeReason: true, firstCallAt: true },
  });
  const days: string[] = [];
  for (let t = Date.parse(from.toISOString().slice(0, 10)); t < to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  const table = (allKeys: string[], keyOf: (r: (typeof rows)[number]) => string): StatCell[] =>
    publishTable(
      allKeys,
      rows.map((r) => [keyOf(r), 1]),
      min,
      step,
    );
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    minCell: min,
    rounding: step,
    total: rows.length < min ? null : roundCount(rows.length, step),
    byDay: table(days, (r) => r.createdAt.toISOString().slice(0, 10)),
    byChannel: table(keys.channels, (r) => r.channel),
    byQueue: table(keys.queues, (r) => r.queue),
    byOutcome: table(OUTCOME_KEYS, (r) =>
      OPEN.includes(r.status)
        ? `open:${r.lastOutcome ?? 'none'}`
        : r.status === 'closed'
          ? `closed:${r.closeReason}`
          : r.status === 'expired'
            ? `expired:${r.closeReason === 'unreachable' ? 'unreachable' : 'none'}`
            : r.status === 'cancelled'
              ? 'cancelled:none'
              : r.status === 'handed_off'
                ? 'handed_off:handed_off'
                : 'other',
    ),
    timeToFirstCall: table(['not_called', ...FIRST_CALL_BUCKETS.map(([key]) => key)], (r) => {
      if (!r.firstCallAt) return 'not_called';
      const ms = r.firstCallAt.getTime() - r.createdAt.getTime();
      return FIRST_CALL_BUCKETS.find(([, limit]) => ms < limit)![0];
    }),
    feedback: await feedbackStatistics(deps, { from, to, channels: keys.channels }),
  };
}

/**
 * One published table: a cell for every key given, in that order, and `other` for
 * anything else; suppressed (see `suppress`) and rounded to `step`.
 */
function publishTable(allKeys: readonly string[], counted: Iterable<[key: string, count: number]>, min: number, step: number): StatCell[] {
  const counts = new Map<string, number>([...new Set(allKeys)].map((k) => [k, 0]));
  counts.set('other', 0);
  for (const [key, n] of counted) {
    const at = counts.has(key) && key !== 'other' ? key : 'other';
    counts.set(at, counts.get(at)! + n);
  }
  return suppress(counts, min).map((cell) => ({ key: cell.key, count: roundCount(cell.count, step) }));
}

/**
 * The feedback tables of [from, to): the weeks whose Thursday falls in it. A response is
 * one person's answers: every question is answered once per response, so the responses
 * of a week and channel are the answers counted for a question there (the largest count
 * over the questions, should a question have been added during a week).
 */
async function feedbackStatistics(deps: Pick<DeskDeps, 'prisma' | 'config'>, { from, to, channels }: { from: Date; to: Date; channels: string[] }): Promise<FeedbackStatistics> {
  const min = deps.config.STATS_MIN_CELL;
  const step = deps.config.STATS_ROUNDING;
  const weeks = weeksOf(from, to);
  const rows = await deps.prisma.feedbackCount.findMany({ where: { week: { in: weeks } }, select: { week: true, channel: true, question: true, answer: true, count: true } });
  const perQuestion = new Map<string, number>();
  for (const row of rows) {
    const key = JSON.stringify([row.week, row.channel, row.question]);
    perQuestion.set(key, (perQuestion.get(key) ?? 0) + row.count);
  }
  const responses = new Map<string, { week: string; channel: string; count: number }>();
  for (const [key, count] of perQuestion) {
    const [week, channel] = JSON.parse(key) as [string, string, string];
    const at = JSON.stringify([week, channel]);
    const known = responses.get(at);
    if (!known || known.count < count) responses.set(at, { week, channel, count });
  }
  const cells = [...responses.values()];
  const total = cells.reduce((sum, c) => sum + c.count, 0);
  return {
    weeks,
    responses: total < min ? null : roundCount(total, step),
    byWeek: publishTable(
      weeks,
      cells.map((c) => [c.week, c.count]),
      min,
      step,
    ),
    byChannel: publishTable(
      channels,
      cells.map((c) => [c.channel, c.count]),
      min,
      step,
    ),
    questions: FEEDBACK_QUESTIONS.map((question) => ({
      question,
      answers: publishTable(
        FEEDBACK_ANSWERS[question],
        rows.filter((r) => r.question === question).map((r) => [r.answer, r.count]),
        min,
        step,
      ),
    })),
  };
}
