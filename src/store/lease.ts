import type { PrismaClient } from '../db';

/**
 * A job that one instance at a time may run (the retention purge and the hand-off
 * run), held in the database every instance shares: a row per job naming its holder and
 * until when. A holder that dies loses it when that time has passed.
 */
export class Lease {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly name: string,
    /** This instance (a random id drawn at start). */
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free, expired or already ours; false if another instance holds it. */
  async take(now: Date): Promise<boolean> {
    const { prisma, name, holder } = this;
    const until = new Date(now.getTime() + this.ttlMs);
    // One conditional update: of two instances taking an expired lease, one changes the row.
    const taken = await prisma.lease.updateMany({ where: { name, OR: [{ until: { lte: now } }, { holder }] }, data: { holder, until } });
    if (taken.count === 1) return true;
    try {
      await prisma.lease.create({ data: { name, holder, until } });
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return false;
      throw error;
    }
  }

  /** Gives the lease back at once (the job is done). */
  async release(): Promise<void> {
    await this.prisma.lease.deleteMany({ where: { name: this.name, holder: this.holder } });
  }

  /** Runs `job` if the lease can be taken, else returns undefined (another instance is running it). */
  async run<T>(now: Date, job: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.take(now))) return undefined;
    try {
      return await job();
    } finally {
      await this.release().catch(() => undefined);
    }
  }
}
