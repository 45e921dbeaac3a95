import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { IntakeEvent, IntakeEvents } from './caseLink/types';
import type { ChannelId } from './messaging/types';
import { sameSecret } from './crypto/sameSecret';
import type { PrismaClient } from './db';

/** Which part of the service a request went to, from its path alone (never from its content). */
function routeOf(path: string, webhooks: Array<[name: string, prefix: string]>): string {
  for (const [name, prefix] of webhooks) if (path === prefix || path.startsWith(`${prefix}/`)) return name;
  if (path.startsWith('/webhooks/telegram/staff')) return 'telegram_staff';
  if (path.startsWith('/api/')) return 'api';
  if (path.startsWith('/console')) return 'console';
  if (path.startsWith('/simulator')) return 'simulator';
  if (path === '/healthz' || path === '/metrics') return 'operations';
  return 'other';
}

export interface MetricsOptions {
  prisma: PrismaClient;
  clock: () => Date;
  /** Every queue requests can be routed to: each has its series, zero included. */
  queues: string[];
  /** The providers' webhook path prefixes, by the name their requests are counted under (the registry's). */
  webhooks?: Record<string, string>;
}

/**
 * What an operator watches, in Prometheus's text format (`prom-client`, a registry of this
 * server's own). Every label value comes from a closed set this code names (a channel, a
 * status class, a queue of QUEUE_ROUTES, an event): none derives from a person — no number,
 * id, text, code or hash.
 */
export function createMetrics({ prisma, clock, queues, webhooks = {} }: MetricsOptions) {
  const prefixes = Object.entries(webhooks);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'passerelle_http_requests_total',
    help: 'HTTP requests answered, by part of the service and status class',
    labelNames: ['channel', 'status_class'] as const,
    registers,
  });
  const steps = new Counter({ name: 'passerelle_conversation_steps_total', help: 'Conversation steps (one request or message of a person), by channel', labelNames: ['channel'] as const, registers });
  const intakeEvents = new Counter({
    name: 'passerelle_intake_events_total',
    help: 'What happened to callback requests: created, refused_limit, claimed, closed, cancelled, expired, handed_off',
    labelNames: ['event'] as const,
    registers,
  });
  const codes = new Counter({
    name: 'passerelle_wrong_reference_codes_total',
    help: 'Cancel attempts with a code that matched nothing (not_found) or refused by a guessing limit (limited)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const pending = new Gauge({ name: 'passerelle_pending_requests', help: 'Requests waiting in the queue, by queue', labelNames: ['queue'] as const, registers });
  const oldest = new Gauge({
    name: 'passerelle_oldest_pending_request_age_seconds',
    help: 'Age of the oldest request waiting in each queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers,
  });
  const outbox = new Gauge({ name: 'passerelle_outbox_backlog', help: 'Outgoing SMS waiting to be (re)sent', registers });
  const handoffs = new Gauge({ name: 'passerelle_handoff_backlog', help: 'Hand-offs waiting to be delivered', registers });
  const started = new Gauge({ name: 'passerelle_start_time_seconds', help: 'When this server started (Unix time)', registers });
  started.set(clock().getTime() / 1000);
  for (const event of ['created', 'refused_limit', 'claimed', 'closed', 'cancelled', 'expired', 'handed_off'] satisfies IntakeEvent[]) intakeEvents.inc({ event }, 0);
  for (const outcome of ['not_found', 'limited']) codes.inc({ outcome }, 0);

  /** The gauges read from the database, at each scrape. */
  async function refresh(): Promise<void> {
    const now = clock().getTime();
    const [waiting, outboxCount, handoffCount] = await Promise.all([
      prisma.intake.groupBy({ by: ['queue'], where: { status: 'pending' }, _count: { _all: true }, _min: { createdAt: true } }),
      prisma.outboxMessage.count(),
      prisma.handoff.count({ where: { status: 'pending' } }),
    ]);
    for (const queue of new Set([...queues, ...waiting.map((w) => w.queue)])) {
      const row = waiting.find((w) => w.queue === queue);
      pending.set({ queue }, row?._count._all ?? 0);
      oldest.set({ queue }, row?._min.createdAt ? Math.max(0, (now - row._min.createdAt.getTime()) / 1000) : 0);
    }
    outbox.set(outboxCount);
    handoffs.set(handoffCount);
  }

  const events: IntakeEvents = { count: (event, n = 1) => intakeEvents.inc({ event }, n) };
  return {
    registry,
    /** caseLink's counter of what happens to requests. */
    events,
    step(channel: ChannelId): void {
      steps.inc({ channel });
    },
    wrongCode(outcome: 'ok' | 'notFound' | 'limited'): void {
      if (outcome !== 'ok') codes.inc({ outcome: outcome === 'notFound' ? 'not_found' : 'limited' });
    },
    /** Counts a response by part of the service (from its path) and status class. */
    observe(path: string, status: number): void {
      requests.inc({ channel: routeOf(path, prefixes), status_class: `${Math.floor(status / 100)}xx` });
    },
    /** `GET /metrics`: only with `Authorization: Bearer <METRICS_TOKEN>`. */
    route(token: string): RequestHandler {
      return async (req, res) => {
        const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
        if (!given || !sameSecret(given, token)) {
          res
            .status(401)
            .set('WWW-Authenticate', 'Bearer')
            .json({ error: { code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' } });
          return;
        }
        await refresh();
        res
          .set('Content-Type', registry.contentType)
          .set('Cache-Control', 'no-store')
          .send(await registry.metrics());
      };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
