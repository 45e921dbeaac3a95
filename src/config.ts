import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './databaseUrl';

const csv = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** `name=value;name=value` pairs, in order (emergency numbers, queue routes). */
const pairs = (separator: string) =>
  z.string().transform((value, ctx) => {
    const out: Array<{ name: string; value: string }> = [];
    for (const part of value.split(separator).map((p) => p.trim()).filter(Boolean)) {
      const at = part.indexOf('=');
      if (at <= 0 || at === part.length - 1) {
        ctx.addIssue({ code: 'custom', message: `expected name=value, got "${part}"` });
        return z.NEVER;
      }
      out.push({ name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() });
    }
    return out;
  });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The environment, as DESIGN.md lists it, plus the product settings a deployment tunes. */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: intFromEnv(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().startsWith('file:', 'must be a file: URL (SQLite)').default(DEFAULT_DATABASE_URL),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('data'),
  PUBLIC_BASE_URL: optionalString.pipe(z.url().optional()),
  DATA_KEYS: optionalString,
  HASH_KEY: optionalString,

  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  AT_USERNAME: optionalString,
  AT_API_KEY: optionalString,
  AT_API_BASE_URL: optionalString.pipe(z.url().optional()),
  AT_WEBHOOK_SECRET: optionalString,
  TELEGRAM_COMMUNITY_TOKEN: optionalString,
  TELEGRAM_STAFF_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  TELEGRAM_API_ROOT: optionalString.pipe(z.url().optional()),

  /** The USSD code shown in the simulator. */
  USSD_SERVICE_CODE: z.string().regex(/^\*[0-9*]+#$/, 'must look like *384*123#').default('*384*123#'),
  /** Languages offered, in menu order; the first is the default. */
  LANGUAGES: z
    .string()
    .default('fr,en')
    .transform(csv)
    .pipe(z.array(z.string().regex(/^[a-z]{2,3}$/, 'language codes such as fr,en')).min(1)),
  /** Country used to read numbers typed without an international prefix (ISO 3166 alpha-2). */
  DEFAULT_COUNTRY: z.string().regex(/^[A-Z]{2}$/, 'an ISO country code such as SN').default('SN'),
  /** Shown on the "I am in danger now" screen. */
  EMERGENCY_NUMBERS: pairs(';').default([
    { name: 'Police', value: '17' },
    { name: 'Pompiers', value: '18' },
  ]),
  /** Free hotline shown when a callback is not safe. */
  HOTLINE_NUMBER: z.string().regex(/^[0-9 +]{2,20}$/, 'digits, spaces or +').default('116'),
  /** subject=queue routing of callback requests; `default` catches the rest. */
  QUEUE_ROUTES: pairs(',').default([
    { name: 'child', value: 'child_protection' },
    { name: 'default', value: 'gbv' },
  ]),
  INTAKE_TTL_HOURS: intFromEnv(1, 24 * 30).default(72),
  MAX_OPEN_REQUESTS: intFromEnv(1, 50).default(2),
  /** Idle time after which a USSD session is forgotten (resume is offered only before it). */
  USSD_SESSION_TTL_SECONDS: intFromEnv(30, 3600).default(300),
  SESSION_MAX_ENTRIES: intFromEnv(100, 10_000_000).default(100_000),
  PURGE_INTERVAL_SECONDS: intFromEnv(10, 86_400).default(300),
});

export type Config = z.output<typeof ConfigSchema>;

/** Thrown when the environment is invalid; the message names each variable. */
export class ConfigError extends Error {}

/** Parses and validates configuration; a wrong value names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${String(issue.path[0] ?? '(root)')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (!config.QUEUE_ROUTES.some((route) => route.name === 'default')) {
    throw new ConfigError('Invalid configuration:\n  QUEUE_ROUTES: needs a default=<queue> route');
  }
  return config;
}

/** Which queue receives a request about `subject` (queues are configuration, not code). */
export function queueFor(config: Pick<Config, 'QUEUE_ROUTES'>, subject: string): string {
  const routes = config.QUEUE_ROUTES;
  return (routes.find((route) => route.name === subject) ?? routes.find((route) => route.name === 'default'))!.value;
}
