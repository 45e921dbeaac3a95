import type { Router } from 'express';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Keyring } from '../crypto/keyring';
import type { ChannelCapabilities, ChannelId, ChannelRenderer, InboundMessage, Reply } from '../messaging/types';
import type { DeliveryStatus } from '../outbox/deliveryStats';
import type { Sender } from '../outbox/sender';
import type { Stores } from '../store/stores';

/**
 * What the content check needs to hold every screen of a channel to its limits: the
 * renderer that cuts its pages, how big a screen is as sent, and what else is wrong with
 * one (an alphabet the network garbles, a button too long).
 */
export interface ChannelContent {
  /** How the report names the channel (`USSD`, `SMS`, `WhatsApp`). */
  label: string;
  /** Pages are cut by it, exactly as in a conversation (with the check's transliteration settings). */
  renderer: ChannelRenderer;
  /** The size of one screen as sent, in `unit`, and the most the channel takes. */
  size(reply: Reply): number;
  limit: number;
  unit: string;
  /** The problem reported for a screen over the limit (`ussd-length`). */
  tooLong: string;
  /** Other problems of one screen as sent. */
  problems?(reply: Reply): Array<{ kind: string; detail: string }>;
  /**
   * The tightest channel gives each string a budget (translators see it): the room a
   * string may take, measured as `measure` counts. One channel of the registry has it.
   */
  measure?(text: string): number;
}

/** One channel of a provider: what the gateway, the flows and the content check need of it. */
export interface ChannelSpec {
  id: ChannelId;
  /** What the medium can do; an adapter may narrow it per message (a WhatsApp user id knows no number). */
  capabilities: ChannelCapabilities;
  renderer(config: Config): ChannelRenderer;
  /** Idle time after which a conversation is forgotten (default: USSD_SESSION_TTL_SECONDS). */
  sessionTtlMs?(config: Config): number;
  /** The i18n key of a notice shown once, with the first reply of a conversation (how to leave no trace). */
  notice?: string;
  content(config: Config): ChannelContent;
}

/** A channel's state for `/healthz`: disabled by configuration, with the reason where one explains it. */
export interface ChannelStatus {
  enabled: boolean;
  reason?: string;
  /** The variable the reason is about: the start log names it. */
  variable?: string;
}

/** Test seams: Africa's Talking's HTTP client, the community bot's identity (skips getMe). */
export interface ProviderSeams {
  fetch?: typeof fetch;
  telegramBotInfo?: UserFromGetMe;
}

/** What the server hands every provider when it opens it. */
export interface ProviderContext {
  config: Config;
  logger: Logger;
  keyring: Keyring;
  /** Where a provider keeps its own records and locks (built once by the server). */
  stores: Pick<Stores, 'sessions' | 'lock'>;
  clock: () => Date;
  /** The renderer of each channel, built once from the registry. */
  renderer(channel: ChannelId): ChannelRenderer;
  /** The gateway's step (bound late: the gateway needs the renderers first). */
  handle(message: InboundMessage): Promise<Reply>;
  /** Forgets a conversation at once (quick exit, end of a USSD session). */
  forget(channel: ChannelId, sessionKey: string, address: string): Promise<void>;
  /** The gateway's record of replies handed over for sending (Gateway.markDelivery). */
  markDelivery(message: InboundMessage, delivered: boolean): Promise<void>;
  /** Queues a reply in the outbox (sealed) and makes the first attempt: channels that cannot answer in the webhook. */
  send(channel: ChannelId, to: string, body: string): Promise<void>;
  /** Counts one delivery report of a channel (no content, no number). */
  recordDelivery(channel: ChannelId, status: DeliveryStatus): Promise<void>;
  seams: ProviderSeams;
}

/** A provider wired: its webhook routes, its simulator helpers, its outbound senders, its start and stop. */
export interface OpenedProvider {
  /** Webhook routes, mounted at the root of the app. */
  routes?: Router;
  /** Development helpers mounted under `/simulator` (this machine only, never in production). */
  simulator?: Router;
  /** Senders the outbox hands this provider's outbound messages to, per channel. */
  senders?: Record<ChannelId, Sender>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/**
 * One provider folder's descriptor. The registry (src/channels/registry.ts) lists them;
 * the server, `/healthz` and the content check iterate the list and never name one.
 */
export interface Provider {
  /** Names the provider in logs and in the server's table of opened providers. */
  name: string;
  channels: ChannelSpec[];
  /** Each `/healthz` entry this provider reports (keyed as `/healthz` shows them), from the configuration. */
  status(config: Config): Record<string, ChannelStatus>;
  /** The path prefix of each of its webhooks, by the same names: requests are counted under them (metrics). */
  webhooks: Record<string, string>;
  open(context: ProviderContext): OpenedProvider;
}
