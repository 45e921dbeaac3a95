import express, { type Router } from 'express';
import type { PrismaClient } from '../db';
import type { ChannelId, ChannelRenderer } from '../messaging/types';
import { deliveryRecorder } from '../outbox/deliveryStats';
import { Outbox } from '../outbox/outbox';
import type { OpenedProvider, ProviderContext, ProviderSeams } from './provider';
import { CHANNELS, PROVIDERS } from './registry';

export interface ChannelsOptions extends Omit<ProviderContext, 'renderer' | 'send' | 'recordDelivery' | 'seams'> {
  prisma: PrismaClient;
  randomBytes: (size: number) => Buffer;
  seams?: ProviderSeams;
}

/**
 * Every provider of the registry, opened: the per-channel renderers, idle times and
 * notices the gateway needs, the webhook routes and simulator helpers, the outbox (with
 * each provider's senders), and one start and stop for them all.
 */
export function createChannels(options: ChannelsOptions) {
  const { config, prisma, clock } = options;
  const renderers: Record<ChannelId, ChannelRenderer> = Object.fromEntries(CHANNELS.map((channel) => [channel.id, channel.renderer(config)]));
  const record = deliveryRecorder(prisma, clock);
  // Bound late: the outbox needs the providers' senders, the providers its `send`.
  let outbox: Outbox | undefined;
  const context: ProviderContext = {
    ...options,
    seams: options.seams ?? {},
    renderer: (channel) => {
      const renderer = renderers[channel];
      if (!renderer) throw new Error(`no renderer for channel ${channel}`);
      return renderer;
    },
    send: (channel, to, body) => outbox!.send(channel, to, body),
    recordDelivery: record,
  };
  const opened: Record<string, OpenedProvider> = Object.fromEntries(PROVIDERS.map((provider) => [provider.name, provider.open(context)]));
  outbox = new Outbox({
    prisma,
    keyring: options.keyring,
    logger: options.logger,
    clock,
    randomBytes: options.randomBytes,
    recordDelivery: record,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    senders: Object.assign({}, ...Object.values(opened).map((p) => p.senders ?? {})),
  });
  const routes = express.Router();
  const simulatorRoutes = express.Router();
  for (const provider of Object.values(opened)) {
    if (provider.routes) routes.use(provider.routes);
    if (provider.simulator) simulatorRoutes.use(provider.simulator);
  }
  const withTtl = CHANNELS.filter((channel) => channel.sessionTtlMs);
  const withNotice = CHANNELS.filter((channel) => channel.notice);
  return {
    renderers,
    sessionTtls: Object.fromEntries(withTtl.map((channel) => [channel.id, channel.sessionTtlMs!(config)])) as Record<ChannelId, number>,
    notices: Object.fromEntries(withNotice.map((channel) => [channel.id, { key: channel.notice! }])) as Record<ChannelId, { key: string }>,
    /** Webhook routes (mounted at the root of the app). */
    routes: routes as Router,
    /** Development helpers mounted under `/simulator` (never in production). */
    simulatorRoutes: simulatorRoutes as Router,
    outbox,
    /** Each provider as opened, by name (tests reach the community bot through it). */
    opened,
    /** Starts the outbox timer and every provider (the community bot's webhook or long polling). */
    async start(): Promise<void> {
      outbox!.start();
      for (const provider of Object.values(opened)) await provider.start?.();
    },
    async stop(): Promise<void> {
      outbox!.stop();
      for (const provider of Object.values(opened)) await provider.stop?.();
    },
  };
}
