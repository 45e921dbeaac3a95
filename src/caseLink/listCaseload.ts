import { DESK_INTAKE_FIELDS } from './deskIntake';
import { RETENTION_EXPIRY } from './expireIntakes';
import type { Actor, DeskDeps } from './types';

export interface ListCaseloadOptions {
  actor: Pick<Actor, 'id'>;
}

/** How long a claimed request that ran out of time stays listed for its caseworker, with why it is gone. */
const EXPIRED_SHOWN_MS = 7 * 86_400_000;

/**
 * The intakes a staff member holds, oldest claim first, with the caseload level against
 * the limits; and the requests they held that expired in the last week (INTAKE_TTL_HOURS
 * ran out: their numbers were destroyed), so that nothing disappears without a word.
 */
export async function listCaseload(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock'>, { actor }: ListCaseloadOptions) {
  const [intakes, expired] = await Promise.all([
    deps.prisma.intake.findMany({ where: { status: 'claimed', claimedById: actor.id }, select: DESK_INTAKE_FIELDS, orderBy: { claimedAt: 'asc' } }),
    deps.prisma.intake.findMany({
      where: { status: 'expired', closeReason: RETENTION_EXPIRY, claimedById: actor.id, endedAt: { gt: new Date(deps.clock().getTime() - EXPIRED_SHOWN_MS) } },
      select: DESK_INTAKE_FIELDS,
      orderBy: { endedAt: 'desc' },
    }),
  ]);
  return {
    intakes,
    active: intakes.length,
    limit: deps.config.CASELOAD_LIMIT,
    warningFrom: deps.config.CASELOAD_WARNING,
    warning: intakes.length >= deps.config.CASELOAD_WARNING,
    expired,
  };
}
