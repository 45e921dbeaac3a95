import { eraseDestroyed } from '../db';
import { referenceHash } from './referenceCode';
import type { CaseLinkDeps } from './types';

/**
 * Requests made before reference codes were kept as keyed hashes hold the code in
 * clear (the migration cannot compute an HMAC): each is replaced by its hash, once, at
 * start; hand-offs queued then carried the code too and now carry the label instead.
 * The bytes replaced are erased from the write-ahead log. Returns how many requests
 * were rehashed; idempotent (a hash is never 8 digits).
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
  const handoffs = await prisma.handoff.findMany({ where: { payload: { contains: '"reference"' } }, select: { id: true, payload: true, intake: { select: { label: true } } } });
  for (const handoff of handoffs) {
    const { reference: _code, ...rest } = JSON.parse(handoff.payload) as Record<string, unknown>;
    await prisma.handoff.update({ where: { id: handoff.id }, data: { payload: JSON.stringify({ label: handoff.intake.label, ...rest }) } });
  }
  if (rehashed + handoffs.length > 0) await eraseDestroyed(prisma);
  return rehashed;
}
