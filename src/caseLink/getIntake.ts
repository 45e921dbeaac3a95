import { loadIntakeFor } from './deskIntake';
import type { Actor, DeskDeps } from './types';

export interface GetIntakeOptions {
  intakeId: string;
  actor: Actor;
}

/** What the desk shows of a hand-off: its state and why it failed (a code and field pointers), never its payload. */
export const HANDOFF_STATUS_FIELDS = { adapter: true, status: true, attempts: true, nextAttemptAt: true, deliveredAt: true, failedAt: true, lastError: true } as const;

/**
 * One intake as the desk may show it (no contact detail), with its latest hand-off's state
 * once handed off, so the caseworker learns when the case-management system refused it;
 * 404 if unknown or not visible to `actor`.
 */
export async function getIntake(deps: Pick<DeskDeps, 'prisma'>, { intakeId, actor }: GetIntakeOptions) {
  const intake = await loadIntakeFor(deps, actor, intakeId);
  const handoff = intake.status === 'handed_off' ? await deps.prisma.handoff.findFirst({ where: { intakeId }, orderBy: { createdAt: 'desc' }, select: HANDOFF_STATUS_FIELDS }) : null;
  return { ...intake, handoff };
}
