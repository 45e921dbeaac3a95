import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client';

export const SERVICE_CATEGORIES = ['medical', 'psychosocial', 'legal', 'safe_space', 'child_protection', 'migrants'] as const;

/** One service as a directory file holds it. */
export const ServiceRow = z.strictObject({
  id: z.string().min(1).max(80),
  category: z.enum(SERVICE_CATEGORIES),
  region: z.string().min(1).max(40),
  name: z.string().min(1).max(40),
  landmark: z.string().min(1).max(40),
  hours: z.string().min(1).max(24),
  phone: z.string().regex(/^[0-9 +]{2,20}$/, 'digits, spaces or +'),
  free: z.boolean(),
  confidential: z.boolean(),
  childFriendly: z.boolean().default(false),
  womenStaff: z.boolean().default(false),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/)).default(['fr']),
  demo: z.boolean().default(false),
  /** When the entry was last checked, as a day: YYYY-MM-DD (the format `directory export` writes). */
  verifiedAt: z.union(
    [
      z.date(),
      z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD, such as 2026-11-24')
        // 2026-02-30 would roll over to March: a day that does not exist is refused.
        .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'a real day as YYYY-MM-DD, such as 2026-11-24')
        .transform((s) => new Date(`${s}T00:00:00Z`)),
    ],
    'a date as YYYY-MM-DD, such as 2026-11-24',
  ),
});
export type ServiceRow = z.infer<typeof ServiceRow>;

export const DirectoryFile = z.strictObject({
  note: z.string().optional(),
  regions: z.array(z.strictObject({ id: z.string().min(1).max(40), name: z.string().min(1).max(30) })).min(1),
  services: z.array(ServiceRow),
});
export type DirectoryFile = z.infer<typeof DirectoryFile>;

export const DEMO_DIRECTORY_FILE = path.join(__dirname, 'demoDirectory.json');

export interface ServiceView {
  id: string;
  name: string;
  landmark: string;
  hours: string;
  phone: string;
  /** free_confidential | free | confidential | paid */
  access: string;
  /** demo | verified | unverified (not checked for `STALE_AFTER_DAYS`: shown "to be confirmed") */
  entry: string;
}

/** Entries not verified for this long are flagged and shown as "to be confirmed". */
export const STALE_AFTER_DAYS = 90;
const STALE_MS = STALE_AFTER_DAYS * 86_400_000;

/**
 * An in-memory snapshot of the service directory, read from the database at start
 * and after each import: the flows read it on every screen, the database is not asked.
 */
export class Directory {
  private constructor(
    private readonly regionList: Array<{ id: string; name: string }>,
    private readonly byCategoryRegion: Map<string, Array<ServiceView & { verifiedAt: number }>>,
    private readonly clock: () => Date,
  ) {}

  static async load(prisma: PrismaClient, clock: () => Date = () => new Date()): Promise<Directory> {
    return Directory.fromFile(await readDirectory(prisma), clock);
  }

  /** A snapshot straight from a directory file (the content check without a database). */
  static fromFile(file: DirectoryFile, clock: () => Date = () => new Date()): Directory {
    const map = new Map<string, Array<ServiceView & { verifiedAt: number }>>();
    for (const s of file.services) {
      const key = `${s.category}/${s.region}`;
      const view = { id: s.id, name: s.name, landmark: s.landmark, hours: s.hours, phone: s.phone, access: accessOf(s), entry: s.demo ? 'demo' : 'verified' };
      map.set(key, [...(map.get(key) ?? []), { ...view, verifiedAt: s.verifiedAt.getTime() }]);
    }
    return new Directory(file.regions, map, clock);
  }

  regions(): Array<{ id: string; name: string }> {
    return this.regionList;
  }

  services(category: string, region: string): ServiceView[] {
    const list = this.byCategoryRegion.get(`${category}/${region}`) ?? [];
    const staleBefore = this.clock().getTime() - STALE_MS;
    return list.map(({ verifiedAt, ...view }) => (view.entry === 'verified' && verifiedAt < staleBefore ? { ...view, entry: 'unverified' } : view));
  }

  /** Every entry, for the content check: id, region, category and whether it is stale. */
  entries(): Array<{ id: string; category: string; region: string; stale: boolean; demo: boolean }> {
    const staleBefore = this.clock().getTime() - STALE_MS;
    return [...this.byCategoryRegion].flatMap(([key, list]) => {
      const [category, region] = key.split('/');
      return list.map((s) => ({ id: s.id, category, region, stale: s.verifiedAt < staleBefore, demo: s.entry === 'demo' }));
    });
  }
}

/** free_confidential | free | confidential | paid: the key of the access line. */
export function accessOf(s: { free: boolean; confidential: boolean }): string {
  return s.free ? (s.confidential ? 'free_confidential' : 'free') : s.confidential ? 'confidential' : 'paid';
}

/** Reads the whole directory back from the database, in file form. */
export async function readDirectory(prisma: PrismaClient): Promise<DirectoryFile> {
  const [regions, services] = await Promise.all([
    prisma.region.findMany({ orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }] }),
    prisma.service.findMany({ orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }] }),
  ]);
  return {
    regions: regions.map((r) => ({ id: r.id, name: r.name })),
    services: services.map((s) => ({
      id: s.id,
      category: s.category as ServiceRow['category'],
      region: s.regionId,
      name: s.name,
      landmark: s.landmark,
      hours: s.hours,
      phone: s.phone,
      free: s.free,
      confidential: s.confidential,
      childFriendly: s.childFriendly,
      womenStaff: s.womenStaff,
      languages: s.languages.split(',').filter(Boolean),
      demo: s.demo,
      verifiedAt: s.verifiedAt,
    })),
  };
}

/** Replaces the whole directory with a validated file, in one transaction. */
export async function replaceDirectory(prisma: PrismaClient, file: DirectoryFile): Promise<void> {
  const known = new Set(file.regions.map((r) => r.id));
  for (const s of file.services) {
    if (!known.has(s.region)) throw new Error(`service "${s.id}": unknown region "${s.region}"`);
  }
  await prisma.$transaction([
    prisma.service.deleteMany(),
    prisma.region.deleteMany(),
    prisma.region.createMany({ data: file.regions.map((r, i) => ({ id: r.id, name: r.name, sortOrder: i })) }),
    prisma.service.createMany({
      data: file.services.map((s, i) => ({
        id: s.id,
        category: s.category,
        regionId: s.region,
        name: s.name,
        landmark: s.landmark,
        hours: s.hours,
        phone: s.phone,
        free: s.free,
        confidential: s.confidential,
        childFriendly: s.childFriendly,
        womenStaff: s.womenStaff,
        languages: s.languages.join(','),
        demo: s.demo,
        verifiedAt: s.verifiedAt,
        sortOrder: i,
      })),
    }),
  ]);
}

/** Loads the fictional demo directory when the directory is empty (first start of a trial). */
export async function seedDemoDirectory(prisma: PrismaClient): Promise<boolean> {
  if ((await prisma.region.count()) > 0) return false;
  const file = DirectoryFile.parse(JSON.parse(fs.readFileSync(DEMO_DIRECTORY_FILE, 'utf8')));
  await replaceDirectory(prisma, file);
  return true;
}
