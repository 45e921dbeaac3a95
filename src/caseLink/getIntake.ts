import { loadIntakeFor } from './deskIntake';
import type { Actor, DeskDeps } from './types';

export interface GetIntakeOptions {
  intakeId: string;
  actor: Actor;
}

/** One intake as the desk may show it (no contact detail); 404 if unknown or not visible to `actor`. */
export function getIntake(deps: Pick<DeskDeps, 'prisma'>, { intakeId, actor }: GetIntakeOptions) {
  return loadIntakeFor(deps, actor, intakeId);
}
