import { DESK_INTAKE_FIELDS } from './deskIntake';
import { workableWhere } from './visibility';
import { isSupervisor, type Actor, type DeskDeps } from './types';

export interface ListQueueOptions {
  actor: Actor;
  limit?: number;
}

/** The callback windows people choose, in the deployment's local hours (TIME_ZONE): [from, to). */
export const WINDOW_HOURS: Record<string, [number, number]> = { morning: [8, 12], afternoon: [12, 17], evening: [17, 20] };
const DAY_WINDOWS = ['morning', 'afternoon', 'evening'];

/** The hour of the day (0-23) in `timeZone`. */
export function localHour(now: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(now));
}

/**
 * The order in which to call, now: the window that is open now (or the next one, out of
 * hours) first, then `any`, then the windows still to come, then those already past.
 */
export function windowOrder(now: Date, timeZone: string): string[] {
  const hour = localHour(now, timeZone);
  const open = DAY_WINDOWS.findIndex((w) => hour >= WINDOW_HOURS[w][0] && hour < WINDOW_HOURS[w][1]);
  const next = open >= 0 ? open : DAY_WINDOWS.findIndex((w) => hour < WINDOW_HOURS[w][0]);
  const first = next >= 0 ? next : 0;
  const rotated = [...DAY_WINDOWS.slice(first), ...DAY_WINDOWS.slice(0, first)];
  return [rotated[0], 'any', ...rotated.slice(1)];
}

/**
 * Pending intakes `actor` may claim (their queues, languages and the caller gender
 * asked for), ordered by time window — the one open now in the deployment's time zone
 * first — then oldest first. Supervisors see every queue. Never any contact detail.
 */
export async function listQueue(deps: Pick<DeskDeps, 'prisma' | 'clock'> & { config: Pick<DeskDeps['config'], 'TIME_ZONE'> }, { actor, limit = 200 }: ListQueueOptions) {
  const now = deps.clock();
  const rows = await deps.prisma.intake.findMany({
    // Past their time, intakes are not offered even before the purge expires them.
    where: { status: 'pending', expiresAt: { gt: now }, ...(isSupervisor(actor) ? {} : workableWhere(actor)) },
    select: DESK_INTAKE_FIELDS,
    orderBy: { createdAt: 'asc' },
    take: 2000,
  });
  const order = windowOrder(now, deps.config.TIME_ZONE);
  const rank = (w: string) => (order.includes(w) ? order.indexOf(w) : order.length);
  return rows.sort((a, b) => rank(a.timeWindow) - rank(b.timeWindow) || a.createdAt.getTime() - b.createdAt.getTime()).slice(0, limit);
}
