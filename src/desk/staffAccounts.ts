import { z } from 'zod';
import { AppError } from '../caseLink/appError';
import { STAFF_ROLES } from '../caseLink/types';
import type { Keyring } from '../crypto/keyring';
import type { PrismaClient } from '../db';
import { generateToken, hashPassword, sha256 } from './auth';

const code = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case codes such as gbv,child_protection');

/** What `passerelle staff add` accepts. */
export const NewStaff = z.object({
  name: z.string().trim().min(2).max(80),
  role: z.enum(STAFF_ROLES),
  queues: z.array(code).min(1),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'language codes such as fr,wo')).min(1),
  gender: z.enum(['f', 'm']).optional(),
  password: z.string().min(10, 'at least 10 characters').max(200).optional(),
});
export type NewStaff = z.input<typeof NewStaff>;

/**
 * Creates a staff account and returns its API token, shown this once: only its
 * SHA-256 is stored. Names are unique among active accounts (they are the console login).
 */
export async function createStaff(deps: { prisma: PrismaClient; clock: () => Date; randomBytes: (n: number) => Buffer }, input: NewStaff) {
  const data = NewStaff.parse(input);
  const { prisma, clock, randomBytes } = deps;
  if (await prisma.staff.findFirst({ where: { name: data.name, active: true }, select: { id: true } })) {
    throw new AppError('name_taken', `An active staff account is already named "${data.name}"`, 409);
  }
  const id = randomBytes(12).toString('hex');
  const token = generateToken(randomBytes);
  const now = clock();
  await prisma.staff.create({
    data: {
      id,
      name: data.name,
      role: data.role,
      queues: data.queues.join(','),
      languages: data.languages.join(','),
      gender: data.gender ?? null,
      active: true,
      passwordHash: data.password ? await hashPassword(data.password, randomBytes) : null,
      tokenHash: sha256(token),
      createdAt: now,
    },
  });
  await prisma.auditEvent.create({ data: { action: 'staff.created', actor: 'admin', detail: JSON.stringify({ staffId: id, role: data.role }), at: now } });
  return { id, token };
}

const LINK_CODE_TTL_MS = 15 * 60_000;

/** A one-time code (8 digits, 15 minutes) a staff member sends to the staff bot to link their Telegram account. */
export async function createLinkCode(deps: { prisma: PrismaClient; clock: () => Date; randomBytes: (n: number) => Buffer }, staffId: string) {
  const bytes = deps.randomBytes(8);
  let digits = '';
  for (const b of bytes) digits += String(b % 10);
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await deps.prisma.staff.update({ where: { id: staffId }, data: { linkCodeHash: sha256(`link:${digits}`), linkCodeExpiresAt: expiresAt } });
  return { code: digits, expiresAt };
}

/**
 * Links the Telegram user that sent a valid, unexpired link code; the code is used
 * up. Only a keyed hash of the Telegram id is stored.
 */
export async function linkTelegram(deps: { prisma: PrismaClient; keyring: Keyring; clock: () => Date }, linkCode: string, telegramUserId: number) {
  const { prisma, keyring, clock } = deps;
  const digits = linkCode.replace(/\s/g, '');
  if (!/^\d{8}$/.test(digits)) return null;
  const staff = await prisma.staff.findUnique({ where: { linkCodeHash: sha256(`link:${digits}`) }, select: { id: true, active: true, linkCodeExpiresAt: true } });
  if (!staff || !staff.active || !staff.linkCodeExpiresAt || staff.linkCodeExpiresAt <= clock()) return null;
  const telegramIdHash = telegramHash(keyring, telegramUserId);
  await prisma.$transaction([
    // One Telegram account links one staff account: unlink it elsewhere first.
    prisma.staff.updateMany({ where: { telegramIdHash }, data: { telegramIdHash: null } }),
    prisma.staff.update({ where: { id: staff.id }, data: { telegramIdHash, linkCodeHash: null, linkCodeExpiresAt: null } }),
    prisma.auditEvent.create({ data: { action: 'staff.telegram_linked', actor: `staff:${staff.id}`, at: clock() } }),
  ]);
  return staff.id;
}

/** Burns a link code that was shown where others could read it (sent to the group by mistake). */
export async function revokeLinkCode(prisma: PrismaClient, linkCode: string): Promise<void> {
  const digits = linkCode.replace(/\s/g, '');
  if (!/^\d{8}$/.test(digits)) return;
  await prisma.staff.updateMany({ where: { linkCodeHash: sha256(`link:${digits}`) }, data: { linkCodeHash: null, linkCodeExpiresAt: null } });
}

/** The keyed hash under which a Telegram user id is stored and looked up. */
export function telegramHash(keyring: Keyring, telegramUserId: number): string {
  return keyring.hash(`telegram-staff:${telegramUserId}`);
}
