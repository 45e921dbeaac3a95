import { referenceHash } from './referenceCode';
import type { CaseLinkDeps } from './types';

/**
 * Requests made before reference codes were kept as keyed hashes hold the code in
 * clear (the migration cannot compute an HMAC): each is replaced by its hash, once, at
 * start. Returns how many were rehashed; idempotent (a hash is never 8 digits).
 */
export async function rehashLegacyReferences(deps: Pick<CaseLinkDeps, 'prisma' | 'keyring'>): Promise<number> {
  const { prisma, keyring } = deps;
  const legacy = await prisma.$queryRaw<Array<{ id: string; code: string }>>`SELECT "id", "referenceHash" AS "code" FROM "Intake" WHERE length("referenceHash") = 8`;
  let rehashed = 0;
  for (const { id, code } of legacy) {
    if (!/^[2-9]{8}$/.test(code)) continue;
    await prisma.intake.update({ where: { id }, data: { referenceHash: referenceHash(keyring, code) } });
    rehashed += 1;
  }
  return rehashed;
}
