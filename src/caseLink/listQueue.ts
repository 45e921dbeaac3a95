import { DESK_INTAKE_FIELDS } from './deskIntake';
import { workableWhere } from './visibility';
import { isSupervisor, type Actor, type DeskDeps } from './types';

export interface ListQueueOptions {
  actor: Actor;
  limit?: number;
}

/** Time windows in the order of a working day; `any` can be called whenever there is room. */
export const WINDOW_ORDER = ['morning', 'afternoon', 'evening', 'any'];

/**
 * Pending intakes `actor` may claim (their queues, languages and the caller gender
 * asked for), ordered by time window, then oldest first. Supervisors see every queue.
 * Never any contact detail.
 */
export async function listQueue(deps: Pick<DeskDeps, 'prisma' | 'clock'>, { actor, limit = 200 }: ListQueueOptions) {
  const rows = await deps.prisma.intake.findMany({
    // Past their time, intakes are not offered even before the purge expires them.
    where: { status: 'pending', expiresAt: { gt: deps.clock() }, ...(isSupervisor(actor) ? {} : workableWhere(actor)) },
    select: DESK_INTAKE_FIELDS,
    orderBy: { createdAt: 'asc' },
    take: 2000,
  });
  const rank = (w: string) => (WINDOW_ORDER.includes(w) ? WINDOW_ORDER.indexOf(w) : WINDOW_ORDER.length);
  return rows
    .sort((a, b) => rank(a.timeWindow) - rank(b.timeWindow) || a.createdAt.getTime() - b.createdAt.getTime())
    .slice(0, limit);
}
