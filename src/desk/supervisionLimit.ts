import { AppError } from '../caseLink/appError';
import type { PrismaClient } from '../db';

/** Active caseworkers an account supports. */
export function supervisedCount(tx: Pick<PrismaClient, 'staff'>, supervisorId: string): Promise<number> {
  return tx.staff.count({ where: { supervisorId, active: true, role: 'caseworker' } });
}

/**
 * Checks that `supervisorId` may take one more caseworker: an active supervisor or admin,
 * under SUPERVISION_LIMIT caseworkers unless `override`. Called inside the transaction
 * that assigns, and again after it (`assertWithinLimit`). On SQLite (one writer at a time)
 * that holds exactly; on PostgreSQL (read committed) two assignments to one supervisor
 * committing at the same instant can still both pass and end one over the limit (a known
 * limit: it needs the supervisor's row locked first).
 */
export async function assertCanSupervise(tx: Pick<PrismaClient, 'staff'>, supervisorId: string, { limit, override }: { limit: number; override: boolean }): Promise<number> {
  const supervisor = await tx.staff.findUnique({ where: { id: supervisorId }, select: { active: true, role: true } });
  if (!supervisor) throw new AppError('unknown_staff', 'No such supervisor account', 404);
  if (!supervisor.active || (supervisor.role !== 'supervisor' && supervisor.role !== 'admin')) {
    throw new AppError('not_supervisor', 'Only an active supervisor or admin account can supervise caseworkers', 409);
  }
  const count = await supervisedCount(tx, supervisorId);
  if (count >= limit && !override) throw new AppError('supervision_limit', `This supervisor already supports ${count} caseworkers (limit ${limit}); override to go past it`, 409);
  return count;
}

/** After an assignment, inside its transaction: refuses (rolls back) when a race took the supervisor past the limit. */
export async function assertWithinLimit(
  tx: Pick<PrismaClient, 'staff'>,
  supervisorId: string,
  { limit, override }: { limit: number; override: boolean },
): Promise<{ caseworkers: number; overridden: boolean }> {
  const caseworkers = await supervisedCount(tx, supervisorId);
  if (caseworkers > limit && !override) throw new AppError('supervision_limit', `This supervisor already supports ${caseworkers - 1} caseworkers (limit ${limit})`, 409);
  return { caseworkers, overridden: caseworkers > limit };
}
