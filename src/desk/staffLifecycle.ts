import { AppError } from '../caseLink/appError';
import type { Config } from '../config';
import { eraseDestroyed, type PrismaClient } from '../db';
import { generateToken, hashPassword, sha256 } from './auth';
import { NewStaff } from './staffAccounts';
import { assertCanSupervise, assertWithinLimit, supervisedCount } from './supervisionLimit';

/** What the staff lifecycle operations need; `by` is the audit actor (`admin` for the CLI, `staff:<id>` for the API). */
export interface StaffLifecycleDeps {
  prisma: PrismaClient;
  clock: () => Date;
  randomBytes: (n: number) => Buffer;
}

/** Who is changing an account: written to the audit log. */
export interface ByWhom {
  by: string;
}

/** A staff account as the lifecycle commands and the admin API show it: never a hash of anything. */
export interface StaffSummary {
  id: string;
  name: string;
  role: string;
  queues: string[];
  languages: string[];
  gender: string | null;
  active: boolean;
  consolePassword: boolean;
  telegramLinked: boolean;
  /** The caseworker's supervisor (id and name), or null. */
  supervisorId: string | null;
  supervisor: string | null;
  createdAt: string;
}

const SUMMARY_SELECT = {
  id: true,
  name: true,
  role: true,
  queues: true,
  languages: true,
  gender: true,
  active: true,
  passwordHash: true,
  telegramIdHash: true,
  supervisorId: true,
  supervisor: { select: { name: true } },
  createdAt: true,
} as const;
const list = (csv: string) => csv.split(',').filter(Boolean);

/** Every staff account, active first, then by name. */
export async function listStaff(deps: Pick<StaffLifecycleDeps, 'prisma'>): Promise<StaffSummary[]> {
  const rows = await deps.prisma.staff.findMany({ select: SUMMARY_SELECT, orderBy: [{ active: 'desc' }, { name: 'asc' }] });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    queues: list(r.queues),
    languages: list(r.languages),
    gender: r.gender,
    active: r.active,
    consolePassword: r.passwordHash !== null,
    telegramLinked: r.telegramIdHash !== null,
    supervisorId: r.supervisorId,
    supervisor: r.supervisor?.name ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}

/**
 * The one account a name (or an id) designates. Names are unique among active accounts;
 * `active` narrows the search (reactivating looks among inactive ones), and a name shared
 * by several accounts asks for the id.
 */
export async function findStaff(
  deps: Pick<StaffLifecycleDeps, 'prisma'>,
  { name, id, active }: { name?: string; id?: string; active?: boolean },
): Promise<{ id: string; name: string; active: boolean }> {
  if (!name && !id) throw new AppError('invalid_request', 'Give the account name (or its id)', 400);
  const rows = await deps.prisma.staff.findMany({ where: { ...(id ? { id } : { name }), ...(active === undefined ? {} : { active }) }, select: { id: true, name: true, active: true }, take: 10 });
  if (rows.length === 0) throw new AppError('unknown_staff', id ? 'No such staff account' : `No ${active === false ? 'inactive ' : active ? 'active ' : ''}staff account named "${name}"`, 404);
  if (rows.length > 1) throw new AppError('ambiguous_name', `${rows.length} accounts are named "${name}": give the id instead (${rows.map((r) => r.id).join(', ')})`, 409);
  return rows[0];
}

/** 404 for an id that names no account (the operations below then tell "not active" from "unknown"). */
async function assertExists(prisma: PrismaClient, staffId: string): Promise<void> {
  if (!(await prisma.staff.findUnique({ where: { id: staffId }, select: { id: true } }))) throw new AppError('unknown_staff', 'No such staff account', 404);
}

/**
 * Deactivates an account at once: its API token and console sessions stop working, its
 * Telegram link is removed, and the requests it held go back to the queue (audited one by
 * one). The token is replaced by an unusable one, so reactivating never revives it.
 */
export async function deactivateStaff(deps: StaffLifecycleDeps, { staffId, by }: { staffId: string } & ByWhom) {
  const { prisma, clock, randomBytes } = deps;
  await assertExists(prisma, staffId);
  const now = clock();
  const result = await prisma.$transaction(async (tx) => {
    const updated = await tx.staff.updateMany({
      where: { id: staffId, active: true },
      data: { active: false, tokenHash: sha256(`revoked:${randomBytes(32).toString('hex')}`), telegramIdHash: null, linkCodeHash: null, linkCodeExpiresAt: null },
    });
    if (updated.count !== 1) throw new AppError('not_active', 'This account is not active', 409);
    const sessionsEnded = (await tx.staffSession.deleteMany({ where: { staffId } })).count;
    const held = await tx.intake.findMany({ where: { status: 'claimed', claimedById: staffId }, select: { id: true } });
    if (held.length > 0) {
      await tx.intake.updateMany({ where: { id: { in: held.map((h) => h.id) }, status: 'claimed', claimedById: staffId }, data: { status: 'pending', claimedById: null, claimedAt: null } });
      await tx.auditEvent.createMany({ data: held.map((h) => ({ intakeId: h.id, action: 'intake.released', actor: 'system', detail: JSON.stringify({ reason: 'staff_inactive' }), at: now })) });
    }
    await tx.auditEvent.create({ data: { action: 'staff.deactivated', actor: by, detail: JSON.stringify({ staffId, claimsReleased: held.length, sessionsEnded }), at: now } });
    return { claimsReleased: held.length, sessionsEnded };
  });
  // The old token's hash and the Telegram id hash are gone from the write-ahead log too.
  await eraseDestroyed(prisma);
  return result;
}

/**
 * Reactivates an account with a fresh API token (returned, shown once): the token it had
 * was destroyed when it was deactivated. Its Telegram account must be linked again.
 */
export async function reactivateStaff(deps: StaffLifecycleDeps, { staffId, by }: { staffId: string } & ByWhom): Promise<{ token: string }> {
  const { prisma, clock, randomBytes } = deps;
  const now = clock();
  const staff = await prisma.staff.findUnique({ where: { id: staffId }, select: { name: true, active: true } });
  if (!staff) throw new AppError('unknown_staff', 'No such staff account', 404);
  if (staff.active) throw new AppError('already_active', 'This account is already active', 409);
  if (await prisma.staff.findFirst({ where: { name: staff.name, active: true }, select: { id: true } })) {
    throw new AppError('name_taken', `An active staff account is already named "${staff.name}"`, 409);
  }
  const token = generateToken(randomBytes);
  await prisma.$transaction([
    prisma.staff.update({ where: { id: staffId }, data: { active: true, tokenHash: sha256(token) } }),
    prisma.auditEvent.create({ data: { action: 'staff.reactivated', actor: by, detail: JSON.stringify({ staffId }), at: now } }),
  ]);
  return { token };
}

/** Gives an active account a new API token (returned, shown once); the old one stops at once. */
export async function rotateStaffToken(deps: StaffLifecycleDeps, { staffId, by }: { staffId: string } & ByWhom): Promise<{ token: string }> {
  const { prisma, clock, randomBytes } = deps;
  await assertExists(prisma, staffId);
  const token = generateToken(randomBytes);
  const now = clock();
  await prisma.$transaction(async (tx) => {
    const updated = await tx.staff.updateMany({ where: { id: staffId, active: true }, data: { tokenHash: sha256(token) } });
    if (updated.count !== 1) throw new AppError('not_active', 'Only an active account gets a token (reactivate it first)', 409);
    await tx.auditEvent.create({ data: { action: 'staff.token_rotated', actor: by, detail: JSON.stringify({ staffId }), at: now } });
  });
  return { token };
}

/** Sets (or replaces) an account's console password; its open console sessions end. */
export async function setStaffPassword(deps: StaffLifecycleDeps, { staffId, password, by }: { staffId: string; password: string } & ByWhom): Promise<{ sessionsEnded: number }> {
  const { prisma, clock, randomBytes } = deps;
  const checked = NewStaff.shape.password.safeParse(password);
  if (!checked.success || !checked.data) throw new AppError('invalid_password', `password: ${checked.success ? 'required' : checked.error.issues[0].message}`, 400);
  await assertExists(prisma, staffId);
  const passwordHash = await hashPassword(checked.data, randomBytes);
  const now = clock();
  return prisma.$transaction(async (tx) => {
    const updated = await tx.staff.updateMany({ where: { id: staffId, active: true }, data: { passwordHash } });
    if (updated.count !== 1) throw new AppError('not_active', 'This account is not active', 409);
    const sessionsEnded = (await tx.staffSession.deleteMany({ where: { staffId } })).count;
    await tx.auditEvent.create({ data: { action: 'staff.password_set', actor: by, detail: JSON.stringify({ staffId, sessionsEnded }), at: now } });
    return { sessionsEnded };
  });
}

export interface SetSupervisorOptions extends ByWhom {
  staffId: string;
  /** The supervisor, or null to remove the caseworker's supervisor. */
  supervisorId: string | null;
  /** Assign past SUPERVISION_LIMIT caseworkers; audited as such. */
  override?: boolean;
}

/**
 * Sets (or removes) an active caseworker's supervisor: an active supervisor or admin,
 * refused once they support SUPERVISION_LIMIT caseworkers unless overridden (about 5,
 * never more than 8, the guidance says; an override is for a handover, and is audited).
 * Audited; setting the supervisor the account already has changes nothing.
 */
export async function setStaffSupervisor(
  deps: Pick<StaffLifecycleDeps, 'prisma' | 'clock'> & { config: Pick<Config, 'SUPERVISION_LIMIT'> },
  { staffId, supervisorId, override = false, by }: SetSupervisorOptions,
): Promise<{ supervisorId: string | null; caseworkers: number | null; overridden: boolean; changed: boolean }> {
  const { prisma, clock, config } = deps;
  const now = clock();
  const limit = config.SUPERVISION_LIMIT;
  return prisma.$transaction(async (tx) => {
    const staff = await tx.staff.findUnique({ where: { id: staffId }, select: { active: true, role: true, supervisorId: true } });
    if (!staff) throw new AppError('unknown_staff', 'No such staff account', 404);
    if (!staff.active) throw new AppError('not_active', 'This account is not active', 409);
    if (staff.role !== 'caseworker') throw new AppError('not_caseworker', 'Only a caseworker account has a supervisor', 409);
    if (staff.supervisorId === supervisorId) {
      return { supervisorId, caseworkers: supervisorId ? await supervisedCount(tx, supervisorId) : null, overridden: false, changed: false };
    }
    if (supervisorId) await assertCanSupervise(tx, supervisorId, { limit, override });
    await tx.staff.update({ where: { id: staffId }, data: { supervisorId } });
    const within = supervisorId ? await assertWithinLimit(tx, supervisorId, { limit, override }) : null;
    await tx.auditEvent.create({
      data: {
        action: within?.overridden ? 'staff.supervisor_set_override' : 'staff.supervisor_set',
        actor: by,
        detail: JSON.stringify({ staffId, supervisorId, previous: staff.supervisorId, ...(within?.overridden ? { caseworkers: within.caseworkers, limit } : {}) }),
        at: now,
      },
    });
    return { supervisorId, caseworkers: within?.caseworkers ?? null, overridden: within?.overridden ?? false, changed: true };
  });
}
