import type { Logger } from 'pino';
import { listStaleClaims, type StaleClaim } from '../caseLink/supervisionOverview';
import type { DeskDeps } from '../caseLink/types';

/**
 * Tells the staff group about each stale claim once (STALE_CLAIM_HOURS without an outcome
 * since the claim): a claim is marked (`staleAnnouncedAt`) by one conditional update before
 * it is told, so of several instances, or a run retried, exactly one tells it. A reassignment
 * is a new claim, told again if it goes stale in turn. When telling fails, the mark is taken
 * back and the next maintenance run tries again. Returns how many were told.
 */
export async function announceStaleClaims(deps: Pick<DeskDeps, 'prisma' | 'config' | 'clock'> & { logger: Logger }, tell: (claim: StaleClaim) => Promise<void>): Promise<number> {
  const { prisma, logger } = deps;
  const now = deps.clock();
  let told = 0;
  for (const claim of await listStaleClaims(deps)) {
    if (claim.announcedAt) continue;
    const marked = await prisma.intake.updateMany({
      where: { id: claim.intakeId, status: 'claimed', claimedById: claim.staffId, claimedAt: claim.claimedAt, OR: [{ staleAnnouncedAt: null }, { staleAnnouncedAt: { lte: claim.claimedAt } }] },
      data: { staleAnnouncedAt: now },
    });
    if (marked.count !== 1) continue;
    try {
      await tell(claim);
      told += 1;
    } catch (err) {
      await prisma.intake.updateMany({ where: { id: claim.intakeId, staleAnnouncedAt: now }, data: { staleAnnouncedAt: null } });
      logger.error({ err }, 'staff bot: stale claim announcement failed, tried again at the next maintenance run');
    }
  }
  return told;
}
