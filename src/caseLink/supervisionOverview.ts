import { isSupervisor, type Actor, type DeskDeps } from './types';
import { AppError } from './appError';

/** Pending requests within this many hours of `expiresAt` (when their number is destroyed) are "near expiry". */
export const NEAR_EXPIRY_HOURS = 6;
/** At most this many stale claims and near-expiry requests are listed (all are counted): the page stays small. */
export const OVERVIEW_LIST_MAX = 100;

const HOUR_MS = 3_600_000;

/** Where a count stands against its marks: under the warning, from the warning, at the limit, past it (an override). */
export type Level = 'ok' | 'warning' | 'limit' | 'over';

/** The level of `count` against a warning mark and a limit. */
export function levelOf(count: number, warning: number, limit: number): Level {
  if (count > limit) return 'over';
  if (count >= limit) return 'limit';
  if (count >= warning) return 'warning';
  return 'ok';
}

/** One staff member's active caseload. */
export interface CaseloadRow {
  staffId: string;
  name: string;
  role: string;
  /** Their supervisor, when one is set and active. */
  supervisorId: string | null;
  supervisorName: string | null;
  /** Claimed requests they hold. */
  active: number;
  /** Of those, claims without an outcome for STALE_CLAIM_HOURS. */
  stale: number;
  level: Level;
}

/** One supervisor and the active caseworkers they support. */
export interface SupervisorRow {
  staffId: string;
  name: string;
  role: string;
  caseworkers: number;
  level: Level;
}

/** Pending requests of one queue and language. */
export interface QueueRow {
  queue: string;
  language: string;
  pending: number;
  oldestCreatedAt: Date;
  nearExpiry: number;
}

/** A request as the overview lists it: a label and codes, never a number. */
export interface OverviewIntake {
  intakeId: string;
  label: string;
  queue: string;
  language: string;
  callerGender: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A claim without an outcome since it was made, for STALE_CLAIM_HOURS or more. */
export interface StaleClaim extends OverviewIntake {
  staffId: string;
  staffName: string;
  claimedAt: Date;
  /** Hours since the claim, rounded down. */
  hours: number;
  lastOutcome: string | null;
  /** When the staff group was told (null: not yet). */
  announcedAt: Date | null;
}

export interface SupervisionOverview {
  generatedAt: Date;
  marks: { caseloadWarning: number; caseloadLimit: number; supervisionWarning: number; supervisionLimit: number; staleClaimHours: number; nearExpiryHours: number };
  /** Every active caseworker, and any other active staff member holding a claim; most loaded first. */
  caseloads: CaseloadRow[];
  /** Every active supervisor and admin supporting caseworkers, and every active supervisor; most loaded first. */
  supervisors: SupervisorRow[];
  /** Active caseworkers without an active supervisor. */
  unsupervised: Array<{ staffId: string; name: string }>;
  queue: {
    pending: number;
    oldestPendingAt: Date | null;
    nearExpiry: number;
    byQueue: QueueRow[];
    /** Pending requests near expiry, soonest first (at most OVERVIEW_LIST_MAX). */
    nearExpiryIntakes: OverviewIntake[];
  };
  /** Every stale claim is counted here; at most OVERVIEW_LIST_MAX are listed, oldest claim first. */
  staleCount: number;
  staleClaims: StaleClaim[];
}

type OverviewDeps = Pick<DeskDeps, 'prisma' | 'config' | 'clock'>;

const INTAKE_FIELDS = { id: true, label: true, queue: true, language: true, callerGender: true, createdAt: true, expiresAt: true } as const;
type IntakeRow = { id: string; label: string; queue: string; language: string; callerGender: string; createdAt: Date; expiresAt: Date };
const toOverviewIntake = (i: IntakeRow): OverviewIntake => ({
  intakeId: i.id,
  label: i.label,
  queue: i.queue,
  language: i.language,
  callerGender: i.callerGender,
  createdAt: i.createdAt,
  expiresAt: i.expiresAt,
});

/**
 * A claim is stale when it was made STALE_CLAIM_HOURS ago or more and no outcome was
 * recorded since (`lastOutcomeAt` empty, or from an earlier claim). A reassignment is a
 * new claim: its clock starts again. Oldest claim first; never a contact detail.
 */
export async function listStaleClaims(deps: OverviewDeps): Promise<StaleClaim[]> {
  const now = deps.clock();
  const cutoff = new Date(now.getTime() - deps.config.STALE_CLAIM_HOURS * HOUR_MS);
  // Comparing two columns is done here rather than in SQL: claimed requests are few (bounded by the caseload limits).
  const rows = await deps.prisma.intake.findMany({
    where: { status: 'claimed', claimedAt: { lte: cutoff } },
    select: { ...INTAKE_FIELDS, claimedAt: true, lastOutcome: true, lastOutcomeAt: true, staleAnnouncedAt: true, claimedBy: { select: { id: true, name: true } } },
    orderBy: { claimedAt: 'asc' },
  });
  return rows
    .filter((r) => r.claimedAt && r.claimedBy && (!r.lastOutcomeAt || r.lastOutcomeAt < r.claimedAt))
    .map((r) => ({
      ...toOverviewIntake(r),
      staffId: r.claimedBy!.id,
      staffName: r.claimedBy!.name,
      claimedAt: r.claimedAt!,
      hours: Math.floor((now.getTime() - r.claimedAt!.getTime()) / HOUR_MS),
      // An outcome of an earlier claim (before a reassignment) is shown, not counted.
      lastOutcome: r.lastOutcome,
      // A claim is told STALE_CLAIM_HOURS after it was made at the earliest: a mark from before (or of the very moment of) the claim is an earlier claim's.
      announcedAt: r.staleAnnouncedAt && r.staleAnnouncedAt > r.claimedAt! ? r.staleAnnouncedAt : null,
    }));
}

/**
 * The supervisor's desk in one read: each active caseworker's caseload against
 * CASELOAD_WARNING / CASELOAD_LIMIT, caseworkers per supervisor against
 * SUPERVISION_WARNING / SUPERVISION_LIMIT, queue health (pending by queue and language,
 * the oldest, those within NEAR_EXPIRY_HOURS of expiry) and stale claims. Supervisors and
 * admins only. Labels, codes and staff names only: never a number, a hash or a cover.
 */
export async function supervisionOverview(deps: OverviewDeps, { actor }: { actor: Actor }): Promise<SupervisionOverview> {
  if (!isSupervisor(actor)) throw new AppError('forbidden', 'Supervisors only', 403);
  const { prisma, config } = deps;
  const now = deps.clock();
  const nearCutoff = new Date(now.getTime() + NEAR_EXPIRY_HOURS * HOUR_MS);
  // Past their time but not yet swept by the purge: as good as expired, not counted.
  const pendingWhere = { status: 'pending', expiresAt: { gt: now } };
  const nearWhere = { status: 'pending', expiresAt: { gt: now, lte: nearCutoff } };
  // The queue is counted in the database (a campaign can fill it with thousands); only the near-expiry list is read.
  const [staff, claims, pending, nearCounts, near, stale] = await Promise.all([
    prisma.staff.findMany({ where: { active: true }, select: { id: true, name: true, role: true, supervisor: { select: { id: true, name: true, active: true } } }, orderBy: { name: 'asc' } }),
    prisma.intake.groupBy({ by: ['claimedById'], where: { status: 'claimed' }, _count: { _all: true } }),
    prisma.intake.groupBy({ by: ['queue', 'language'], where: pendingWhere, _count: { _all: true }, _min: { createdAt: true } }),
    prisma.intake.groupBy({ by: ['queue', 'language'], where: nearWhere, _count: { _all: true } }),
    prisma.intake.findMany({ where: nearWhere, select: INTAKE_FIELDS, orderBy: { expiresAt: 'asc' }, take: OVERVIEW_LIST_MAX }),
    listStaleClaims(deps),
  ]);

  const held = new Map(claims.map((c) => [c.claimedById, c._count._all]));
  const staleBy = new Map<string, number>();
  for (const s of stale) staleBy.set(s.staffId, (staleBy.get(s.staffId) ?? 0) + 1);
  const supervisorOf = (s: (typeof staff)[number]) => (s.supervisor?.active ? s.supervisor : null);

  const caseloads: CaseloadRow[] = staff
    .filter((s) => s.role === 'caseworker' || held.has(s.id))
    .map((s) => {
      const active = held.get(s.id) ?? 0;
      const sup = supervisorOf(s);
      return {
        staffId: s.id,
        name: s.name,
        role: s.role,
        supervisorId: sup?.id ?? null,
        supervisorName: sup?.name ?? null,
        active,
        stale: staleBy.get(s.id) ?? 0,
        level: levelOf(active, config.CASELOAD_WARNING, config.CASELOAD_LIMIT),
      };
    })
    .sort((a, b) => b.active - a.active || a.name.localeCompare(b.name));

  const caseworkers = staff.filter((s) => s.role === 'caseworker');
  const supported = new Map<string, number>();
  for (const c of caseworkers) {
    const sup = supervisorOf(c);
    if (sup) supported.set(sup.id, (supported.get(sup.id) ?? 0) + 1);
  }
  const supervisors: SupervisorRow[] = staff
    .filter((s) => s.role === 'supervisor' || supported.has(s.id))
    .map((s) => {
      const n = supported.get(s.id) ?? 0;
      return { staffId: s.id, name: s.name, role: s.role, caseworkers: n, level: levelOf(n, config.SUPERVISION_WARNING, config.SUPERVISION_LIMIT) };
    })
    .sort((a, b) => b.caseworkers - a.caseworkers || a.name.localeCompare(b.name));

  const nearBy = new Map(nearCounts.map((g) => [`${g.queue}\u0000${g.language}`, g._count._all]));
  const byQueue: QueueRow[] = pending
    .map((g) => ({ queue: g.queue, language: g.language, pending: g._count._all, oldestCreatedAt: g._min.createdAt!, nearExpiry: nearBy.get(`${g.queue}\u0000${g.language}`) ?? 0 }))
    .sort((a, b) => a.queue.localeCompare(b.queue) || a.language.localeCompare(b.language));
  const oldest = byQueue.reduce<Date | null>((min, q) => (min === null || q.oldestCreatedAt < min ? q.oldestCreatedAt : min), null);

  return {
    generatedAt: now,
    marks: {
      caseloadWarning: config.CASELOAD_WARNING,
      caseloadLimit: config.CASELOAD_LIMIT,
      supervisionWarning: config.SUPERVISION_WARNING,
      supervisionLimit: config.SUPERVISION_LIMIT,
      staleClaimHours: config.STALE_CLAIM_HOURS,
      nearExpiryHours: NEAR_EXPIRY_HOURS,
    },
    caseloads,
    supervisors,
    unsupervised: caseworkers.filter((c) => !supervisorOf(c)).map((c) => ({ staffId: c.id, name: c.name })),
    queue: {
      pending: byQueue.reduce((sum, q) => sum + q.pending, 0),
      oldestPendingAt: oldest,
      nearExpiry: byQueue.reduce((sum, q) => sum + q.nearExpiry, 0),
      byQueue,
      nearExpiryIntakes: near.map(toOverviewIntake),
    },
    staleCount: stale.length,
    staleClaims: stale.slice(0, OVERVIEW_LIST_MAX),
  };
}
