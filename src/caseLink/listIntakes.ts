import type { CaseLinkDeps } from './types';

export interface ListIntakesOptions {
  status?: string;
  limit?: number;
}

/** The fields of an intake that may be shown anywhere: never the contact, its hashes or the person's reference code. */
export const INTAKE_PUBLIC_FIELDS = {
  id: true,
  label: true,
  status: true,
  queue: true,
  channel: true,
  subject: true,
  topic: true,
  language: true,
  callerGender: true,
  timeWindow: true,
  cover: true,
  createdAt: true,
  expiresAt: true,
  endedAt: true,
} as const;

/** Intakes, newest first, without any contact detail. */
export async function listIntakes(deps: Pick<CaseLinkDeps, 'prisma'>, { status, limit = 200 }: ListIntakesOptions = {}) {
  return deps.prisma.intake.findMany({
    where: status ? { status } : {},
    select: INTAKE_PUBLIC_FIELDS,
    orderBy: { createdAt: 'desc' },
    take: limit,
  });
}
