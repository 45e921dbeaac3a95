import crypto from 'node:crypto';
import { AppError } from '../caseLink/appError';
import { isSupervisor, STAFF_ROLES, type Actor, type StaffRole } from '../caseLink/types';
import type { PrismaClient } from '../db';

/** scrypt parameters: N=2^15, r=8 (32 MiB per hash), memory-hard against GPU guessing. */
const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer, params: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFKC'), salt, params.keylen, { N: params.N, r: params.r, p: params.p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` (base64): the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string, randomBytes: (n: number) => Buffer = crypto.randomBytes): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time check of a password against `hashPassword`'s output. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return crypto.timingSafeEqual(key, expected);
}

/** A password hash to compare against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not a password');
  return dummyHash;
}

/** SHA-256 (hex) of a high-entropy secret: API tokens, session tokens, link codes. */
export function sha256(value: string): string {
  return crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A fresh API token (`psl_` + 256 random bits); only its hash is stored. */
export function generateToken(randomBytes: (n: number) => Buffer, prefix = 'psl_'): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The staff row fields an actor is made of. */
export interface StaffRow {
  id: string;
  name: string;
  role: string;
  queues: string;
  languages: string;
  gender: string | null;
  active: boolean;
}

const list = (csv: string) =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The actor a staff row acts as in caseLink. */
export function toActor(staff: StaffRow): Actor & { name: string } {
  return {
    id: staff.id,
    name: staff.name,
    role: (STAFF_ROLES.includes(staff.role as StaffRole) ? staff.role : 'caseworker') as StaffRole,
    queues: list(staff.queues),
    languages: list(staff.languages),
    gender: staff.gender === 'f' || staff.gender === 'm' ? staff.gender : null,
  };
}

export const STAFF_SELECT = { id: true, name: true, role: true, queues: true, languages: true, gender: true, active: true } as const;

/** The active staff member holding this API token, or null. */
export async function staffByToken(prisma: PrismaClient, token: string) {
  if (!token.startsWith('psl_') || token.length > 100) return null;
  const staff = await prisma.staff.findUnique({ where: { tokenHash: sha256(token) }, select: STAFF_SELECT });
  return staff?.active ? toActor(staff) : null;
}

/** The active staff member and CSRF token of a live console session, or null. */
export async function staffBySession(prisma: PrismaClient, sessionToken: string, now: Date) {
  if (sessionToken.length > 100) return null;
  const session = await prisma.staffSession.findUnique({ where: { id: sha256(sessionToken) }, include: { staff: { select: STAFF_SELECT } } });
  if (!session || session.expiresAt <= now || !session.staff.active) return null;
  return { actor: toActor(session.staff), csrfToken: session.csrfToken, sessionId: session.id };
}

/** Opens a console session after a successful login; returns the cookie token (stored hashed) and the CSRF token. */
export async function openSession(prisma: PrismaClient, staffId: string, options: { now: Date; hours: number; randomBytes: (n: number) => Buffer }) {
  const token = options.randomBytes(32).toString('base64url');
  const csrfToken = options.randomBytes(24).toString('base64url');
  await prisma.staffSession.create({
    data: { id: sha256(token), staffId, csrfToken, createdAt: options.now, expiresAt: new Date(options.now.getTime() + options.hours * 3_600_000) },
  });
  return { token, csrfToken };
}

/** Checks name and password; the same work is done whether the name exists or not. */
export async function login(prisma: PrismaClient, name: string, password: string) {
  const candidates = await prisma.staff.findMany({ where: { name, active: true, passwordHash: { not: null } }, select: { ...STAFF_SELECT, passwordHash: true }, take: 5 });
  if (candidates.length === 0) {
    await verifyPassword(password, await dummyPasswordHash());
    return null;
  }
  for (const staff of candidates) if (await verifyPassword(password, staff.passwordHash!)) return toActor(staff);
  return null;
}

/** Refuses unless the actor is an admin (staff administration). */
export function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new AppError('forbidden', 'Admins only', 403);
}

/** Refuses unless the actor is a supervisor or admin. */
export function requireSupervisor(actor: Actor): void {
  if (!isSupervisor(actor)) throw new AppError('forbidden', 'Supervisors only', 403);
}
