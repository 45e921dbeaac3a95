import type { PrismaClient } from '../db';

/** The statuses delivery statistics are counted in, whatever the provider's own words. */
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'rejected' | 'expired' | 'other';

/** Counts one delivery event per day, channel and status; no message, number or provider id is kept. */
export type RecordDelivery = (channel: string, status: DeliveryStatus) => Promise<void>;

/** Upsert-increments `DeliveryStat` (day in UTC from the injected clock). */
export function deliveryRecorder(prisma: PrismaClient, clock: () => Date): RecordDelivery {
  return async (channel, status) => {
    const day = clock().toISOString().slice(0, 10);
    await prisma.deliveryStat.upsert({
      where: { day_channel_status: { day, channel, status } },
      create: { day, channel, status, count: 1 },
      update: { count: { increment: 1 } },
    });
  };
}
