import { z } from 'zod';
import { AppError } from '../caseLink/appError';
import { STAFF_ROLES } from '../caseLink/types';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../db';
import type { Config } from '../config';
import { generateToken, hashPassword, sha256 } from './auth';
import { assertCanSupervise, assertWithinLimit } from './supervisionLimit';

const code = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case codes such as gbv,child_protection');

/** What `passerelle staff add` accepts. */
export const NewStaff = z.object({
  name: z.string().trim().min(2).max(80),
  role: z.enum(STAFF_ROLES),
  queues: z.array(code).min(1),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'language codes such as fr,wo')).min(1),
  gender: z.enum(['f', 'm']).optional(),
  password: z.string().min(10, 'at least 10 characters').max(200).optional(),
  /** A caseworker's supervisor (an active supervisor or admin account id). */
  supervisorId: z.string().min(1).max(64).optional(),
});
export type NewStaff = z.input<typeof NewStaff>;

/**
 * Creates a staff account and returns its API token, shown this once: only its
 * SHA-256 is stored. Names are unique among active accounts (they are the console login).
 */
export async function createStaff(deps: { prisma: PrismaClient; clock: () => Date; randomBytes: (n: number) => Buffer; config?: Pick<Config, 'SUPERVISION_LIMIT'> }, input: NewStaff, by = 'admin') {
  const data = NewStaff.parse(input);
  const { prisma, clock, randomBytes } = deps;
  if (await prisma.staff.findFirst({ where: { name: data.name, active: true }, select: { id: true } })) {
    throw new AppError('name_taken', `An active staff account is already named "${data.name}"`, 409);
  }
  if (data.supervisorId && data.role !== 'caseworker') throw new AppError('not_caseworker', 'Only a caseworker account has a supervisor', 409);
  const id = randomBytes(12).toString('hex');
  const token = generateToken(randomBytes);
  const now = clock();
  const passwordHash = data.password ? await hashPassword(data.password, randomBytes) : null;
  // A new account joins its supervisor within SUPERVISION_LIMIT (an override goes through `staff set-supervisor`).
  const supervision = { limit: deps.config?.SUPERVISION_LIMIT ?? 8, override: false };
  await prisma.$transaction(async (tx) => {
    if (data.supervisorId) await assertCanSupervise(tx, data.supervisorId, supervision);
    await tx.staff.create({
      data: {
        id,
        name: data.name,
        role: data.role,
        queues: data.queues.join(','),
        languages: data.languages.join(','),
        gender: data.gender ?? null,
        active: true,
        passwordHash,
        tokenHash: sha256(token),
        supervisorId: data.supervisorId ?? null,
        createdAt: now,
      },
    });
    if (data.supervisorId) await assertWithinLimit(tx, data.supervisorId, supervision);
    await tx.auditEvent.create({
      data: { action: 'staff.created', actor: by, detail: JSON.stringify({ staffId: id, role: data.role, ...(data.supervisorId ? { supervisorId: data.supervisorId } : {}) }), at: now },
    });
  });
  return { id, token };
}

const LINK_CODE_TTL_MS = 15 * 60_000;
/** Failed `/link` attempts allowed per Telegram user, and in all, per LINK_CODE_TTL_MS (a code has 10^8 values). */
export const LINK_ATTEMPTS = { perUser: 5, total: 50 };

type LinkDeps = { prisma: PrismaClient; keyring: Keyring; clock: () => Date };

/** The keyed hash under which a link code is stored: a copy of the database is not enough to recover a live code. */
const linkCodeHash = (keyring: Keyring, digits: string) => keyring.hash(`staff-link:${digits}`);
const linkDigits = (linkCode: string) => {
  const digits = linkCode.replace(/\s/g, '');
  return /^\d{8}$/.test(digits) ? digits : null;
};

/** A one-time code (8 digits, 15 minutes) a staff member sends to the staff bot to link their Telegram account. */
export async function createLinkCode(deps: LinkDeps & { randomBytes: (n: number) => Buffer }, staffId: string) {
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  for (let attempt = 0; ; attempt += 1) {
    let digits = '';
    for (const b of deps.randomBytes(8)) digits += String(b % 10);
    try {
      await deps.prisma.staff.update({ where: { id: staffId }, data: { linkCodeHash: linkCodeHash(deps.keyring, digits), linkCodeExpiresAt: expiresAt } });
      return { code: digits, expiresAt };
    } catch (error) {
      // Another account holds the same code right now: draw again.
      if ((error as { code?: string }).code !== 'P2002' || attempt >= 4) throw error;
    }
  }
}

/**
 * Links the Telegram user that sent a valid, unexpired link code; the code is used
 * up. Only a keyed hash of the Telegram id is stored. Failed attempts are counted
 * (audit log, keyed hash only) and limited per user and in all, against guessing.
 */
export async function linkTelegram(deps: LinkDeps, linkCode: string, telegramUserId: number): Promise<{ staffId: string } | { refused: 'invalid' | 'limited' }> {
  const { prisma, keyring, clock } = deps;
  const now = clock();
  const telegramIdHash = telegramHash(keyring, telegramUserId);
  const failure = { action: 'staff.link_refused', at: { gt: new Date(now.getTime() - LINK_CODE_TTL_MS) } };
  const [mine, all] = await Promise.all([prisma.auditEvent.count({ where: { ...failure, detail: JSON.stringify({ telegram: telegramIdHash }) } }), prisma.auditEvent.count({ where: failure })]);
  if (mine >= LINK_ATTEMPTS.perUser || all >= LINK_ATTEMPTS.total) return { refused: 'limited' };
  const digits = linkDigits(linkCode);
  const staff = digits ? await prisma.staff.findUnique({ where: { linkCodeHash: linkCodeHash(keyring, digits) }, select: { id: true, active: true, linkCodeExpiresAt: true } }) : null;
  if (!staff || !staff.active || !staff.linkCodeExpiresAt || staff.linkCodeExpiresAt <= now) {
    await prisma.auditEvent.create({ data: { action: 'staff.link_refused', actor: 'system', detail: JSON.stringify({ telegram: telegramIdHash }), at: now } });
    return { refused: 'invalid' };
  }
  await prisma.$transaction([
    // One Telegram account links one staff account: unlink it elsewhere first.
    prisma.staff.updateMany({ where: { telegramIdHash }, data: { telegramIdHash: null } }),
    prisma.staff.update({ where: { id: staff.id }, data: { telegramIdHash, linkCodeHash: null, linkCodeExpiresAt: null } }),
    prisma.auditEvent.create({ data: { action: 'staff.telegram_linked', actor: `staff:${staff.id}`, at: now } }),
  ]);
  return { staffId: staff.id };
}

/** Burns a link code that was shown where others could read it (sent to the group by mistake). */
export async function revokeLinkCode(deps: Pick<LinkDeps, 'prisma' | 'keyring'>, linkCode: string): Promise<void> {
  const digits = linkDigits(linkCode);
  if (!digits) return;
  await deps.prisma.staff.updateMany({ where: { linkCodeHash: linkCodeHash(deps.keyring, digits) }, data: { linkCodeHash: null, linkCodeExpiresAt: null } });
}

/** The keyed hash under which a Telegram user id is stored and looked up. */
export function telegramHash(keyring: Keyring, telegramUserId: number): string {
  return keyring.hash(`telegram-staff:${telegramUserId}`);
}
