import { DESK_INTAKE_FIELDS } from './deskIntake';
import type { Actor, DeskDeps } from './types';

export interface ListCaseloadOptions {
  actor: Pick<Actor, 'id'>;
}

/** The intakes a staff member holds, oldest claim first, with the caseload level against the limits. */
export async function listCaseload(deps: Pick<DeskDeps, 'prisma' | 'config'>, { actor }: ListCaseloadOptions) {
  const intakes = await deps.prisma.intake.findMany({
    where: { status: 'claimed', claimedById: actor.id },
    select: DESK_INTAKE_FIELDS,
    orderBy: { claimedAt: 'asc' },
  });
  return {
    intakes,
    active: intakes.length,
    limit: deps.config.CASELOAD_LIMIT,
    warningFrom: deps.config.CASELOAD_WARNING,
    warning: intakes.length >= deps.config.CASELOAD_WARNING,
  };
}
