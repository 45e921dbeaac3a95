import net from 'node:net';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL, isPostgresUrl } from './databaseUrl';

const csv = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** `name=value;name=value` pairs, in order (emergency numbers, queue routes). */
const pairs = (separator: string) =>
  z.string().transform((value, ctx) => {
    const out: Array<{ name: string; value: string }> = [];
    for (const part of value
      .split(separator)
      .map((p) => p.trim())
      .filter(Boolean)) {
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

/** An IPv4 or IPv6 address, or a CIDR range of either (`10.0.0.0/8`, `2001:db8::/32`). */
export function isAddressOrRange(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  const family = net.isIP(address);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A comma-separated list of addresses and CIDR ranges. */
const addressList = (names: string[] = []) =>
  z
    .string()
    .transform(csv)
    .pipe(z.array(z.string().refine((v) => names.includes(v) || isAddressOrRange(v), 'addresses or CIDR ranges such as 10.0.0.0/8, 2001:db8::1')).min(1));

/**
 * The proxies in front of the server: a number of hops, or (better) the proxies'
 * addresses and ranges, so that a forwarded client address is believed only when it
 * comes from one of them (`loopback`, `linklocal`, `uniquelocal` name the usual ones).
 */
const trustProxy = z.union(
  [
    z
      .string()
      .trim()
      .regex(/^\d{1,2}$/)
      .transform(Number)
      .pipe(z.number().int().min(0).max(10)),
    addressList(['loopback', 'linklocal', 'uniquelocal']),
  ],
  "a number of proxy hops (0-10), or the proxies' addresses and CIDR ranges (loopback, 10.0.0.0/8, ...)",
);

/** The environment, as DESIGN.md lists it, plus the product settings a deployment tunes. */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: intFromEnv(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** `file:` is SQLite (one instance, the embedded default); `postgresql://` PostgreSQL (several instances). */
  DATABASE_URL: z
    .string()
    .refine((url) => url.startsWith('file:') || isPostgresUrl(url), 'must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL)')
    .default(DEFAULT_DATABASE_URL),
  /**
   * Where conversations, retry records, locks and limits live when several instances serve
   * together (`redis://` or `rediss://`); without it they live in this process's memory.
   */
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  /** `GET /metrics` (Prometheus) answers only with `Authorization: Bearer <METRICS_TOKEN>`; without it there is no /metrics. */
  METRICS_TOKEN: optionalString.pipe(z.string().min(24, 'at least 24 characters (openssl rand -hex 32 gives one)').optional()),
  /** Prefix of every Redis key (several deployments can share one Redis). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64)')
    .default('passerelle:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('data'),
  PUBLIC_BASE_URL: optionalString.pipe(z.url().optional()),
  DATA_KEYS: optionalString,
  HASH_KEY: optionalString,

  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  /** Enables WhatsApp through Twilio: the WhatsApp sender's number (needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN). */
  TWILIO_WHATSAPP_NUMBER: optionalString.pipe(
    z
      .string()
      .regex(/^(whatsapp:)?\+[1-9][0-9]{5,14}$/, "the WhatsApp sender's number in E.164, such as +221338000000 (or whatsapp:+221338000000)")
      .optional(),
  ),
  AT_USERNAME: optionalString,
  AT_API_KEY: optionalString,
  AT_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /** Required in production: Africa's Talking callbacks carry it as `?secret=`; without it their endpoints are off. */
  AT_WEBHOOK_SECRET: optionalString,
  /** Optional: the addresses and ranges Africa's Talking calls from (the client address as TRUST_PROXY computes it). */
  AT_ALLOWED_IPS: optionalString.pipe(addressList().optional()),
  TELEGRAM_COMMUNITY_TOKEN: optionalString,
  TELEGRAM_STAFF_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  TELEGRAM_API_ROOT: optionalString.pipe(z.url().optional()),
  /** Replace characters outside GSM-7 in USSD screens (ç → c, ê → e): operators garble or shorten other characters. */
  USSD_TRANSLITERATE: z
    .enum(['true', 'false'], 'true or false')
    .default('true')
    .transform((v) => v === 'true'),
  /** Replace characters outside GSM-7 in SMS replies (ê → e, œ → oe) so one accent does not double the cost. */
  SMS_TRANSLITERATE: z
    .enum(['true', 'false'], 'true or false')
    .default('true')
    .transform((v) => v === 'true'),
  /** Idle time after which an SMS conversation is forgotten; the next message starts afresh. */
  SMS_SESSION_TTL_SECONDS: intFromEnv(60, 86_400).default(1800),
  /** The same for a Telegram conversation. */
  TELEGRAM_SESSION_TTL_SECONDS: intFromEnv(60, 86_400).default(1800),
  /** The same for a WhatsApp conversation. */
  WHATSAPP_SESSION_TTL_SECONDS: intFromEnv(60, 86_400).default(1800),
  /** Sender id or short code for Africa's Talking replies (their default sender when unset). */
  AT_SMS_SENDER: optionalString,
  /** Attempts to send one outbound SMS before it is dropped from the outbox. */
  OUTBOX_MAX_ATTEMPTS: intFromEnv(1, 20).default(5),

  /** Callback desk: active (claimed) intakes one staff member may hold, and the level that warns. */
  CASELOAD_LIMIT: intFromEnv(1, 200).default(20),
  CASELOAD_WARNING: intFromEnv(1, 200).default(15),
  /** Supervision: caseworkers one supervisor supports, the level that warns and the limit (past it only with an override). */
  SUPERVISION_WARNING: intFromEnv(1, 100).default(5),
  SUPERVISION_LIMIT: intFromEnv(1, 100).default(8),
  /** A claim without an outcome since it was made is flagged to supervisors (and told once in the staff group) after this many hours. */
  STALE_CLAIM_HOURS: intFromEnv(1, 24 * 30).default(24),
  /** Call attempts (no answer, unsafe to talk) before an intake expires. */
  MAX_CALL_ATTEMPTS: intFromEnv(1, 20).default(3),
  /** Contact reveals one staff member may make per hour. */
  REVEAL_RATE_LIMIT: intFromEnv(1, 1000).default(30),
  /** The staff Telegram group where new intakes are announced (a chat id such as -1001234567890). */
  STAFF_TELEGRAM_GROUP_ID: optionalString.pipe(
    z
      .string()
      .regex(/^-?\d+$/, 'a Telegram chat id')
      .optional(),
  ),
  /** The private Telegram message carrying a number is deleted after this. */
  REVEAL_MESSAGE_TTL_SECONDS: intFromEnv(10, 86_400).default(600),
  /** Signed hand-off webhook (de-identified payload); without a URL hand-offs stay in the built-in queue. */
  HANDOFF_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  HANDOFF_WEBHOOK_SECRET: optionalString,
  /**
   * Where hand-offs go: `queue` (the built-in queue, read through the API), `webhook` (signed,
   * de-identified) or `primero` (Primero v2 cases). Default: `webhook` when HANDOFF_WEBHOOK_URL
   * is set, else `queue` (see `withDefaults`), as before this setting existed.
   */
  HANDOFF_ADAPTER: z.enum(['queue', 'webhook', 'primero'], 'queue, webhook or primero'),
  /** Primero's origin (and path prefix, if any): cases are created at `<PRIMERO_URL>/api/v2/cases`. */
  PRIMERO_URL: optionalString.pipe(z.url('a URL such as https://primero.example.org').optional()),
  /** The dedicated API user, sent with HTTP Basic on every call (never the session login). */
  PRIMERO_USERNAME: optionalString,
  PRIMERO_PASSWORD: optionalString,
  /** `queue=module_id,...` over the defaults (gbv, child_protection); every routed queue needs one with `primero`. */
  PRIMERO_MODULES: pairs(',').optional(),
  /** `label=<field>,queue=<field>`: the programme's Primero fields for the staff label and the queue; not sent unless mapped. */
  PRIMERO_FIELDS: pairs(',').optional(),
  /** `fr=<lookup id>,...`: the ids of Primero's `lookup-language` for each language; unset, the codes are sent as they are. */
  PRIMERO_LANGUAGES: pairs(',').optional(),
  /** How long one call to Primero may take; past it the attempt is retried (the same case id then gets 409 if it had arrived). */
  PRIMERO_TIMEOUT_SECONDS: intFromEnv(1, 120).default(15),
  /** Audit entries older than this are deleted by the purge. */
  AUDIT_RETENTION_DAYS: intFromEnv(1, 3650).default(180),
  /** Statistics cells below this count are suppressed. */
  STATS_MIN_CELL: intFromEnv(1, 1000).default(5),
  /** Every published count is rounded to a multiple of this (after suppression), so overlapping ranges cannot be subtracted. */
  STATS_ROUNDING: intFromEnv(1, 1000).default(5),
  /** Wrong reference codes accepted across the whole service per hour; past it, every cancel attempt is refused for a while. */
  CANCEL_GUESS_LIMIT_PER_HOUR: intFromEnv(1, 100_000).default(50),
  /** Lifetime of a web console session. */
  CONSOLE_SESSION_HOURS: intFromEnv(1, 72).default(8),
  /** Failed console logins allowed per address per 15 minutes (each account is also slowed down on its own). */
  LOGIN_RATE_LIMIT: intFromEnv(1, 1000).default(10),
  /** Proxies in front of the server (load balancer): client addresses for limits come from X-Forwarded-For only through them. */
  TRUST_PROXY: trustProxy.default(0),
  /** The USSD code shown in the simulator. */
  USSD_SERVICE_CODE: z
    .string()
    .regex(/^\*[0-9*]+#$/, 'must look like *384*123#')
    .default('*384*123#'),
  /** Languages offered, in menu order; the first is the default (see `withDefaults`). */
  LANGUAGES: z
    .string()
    .transform(csv)
    .pipe(z.array(z.string().regex(/^[a-z]{2,3}$/, 'language codes such as fr,en')).min(1)),
  /** Show strings not yet reviewed by a native speaker; otherwise the French string is shown. */
  SHOW_DRAFT_STRINGS: z.enum(['true', 'false'], 'true or false').transform((v) => v === 'true'),
  /** The deployment's IANA time zone: the time windows people choose (8h-12h…) and every time staff see are in it. */
  TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Africa/Dakar')
    .default('Africa/Dakar'),
  /** Country used to read numbers typed without an international prefix (ISO 3166 alpha-2). */
  DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO country code such as SN')
    .default('SN'),
  /** Shown on the "I am in danger now" screen. */
  EMERGENCY_NUMBERS: pairs(';').default([
    { name: 'Police', value: '17' },
    { name: 'Pompiers', value: '18' },
  ]),
  /** Free hotline shown when a callback is not safe. */
  HOTLINE_NUMBER: z
    .string()
    .regex(/^[0-9 +]{2,20}$/, 'digits, spaces or +')
    .default('116'),
  /**
   * Which queue receives a callback request: `subject=queue` (self, self_minor, child,
   * other) or `topic:<need>=queue` (medical, psychosocial, legal, safe_space,
   * child_protection, migrants), the first that matches in the order given; `default`
   * catches the rest. Without a `self_minor` route, a person under 18 follows `child`.
   */
  QUEUE_ROUTES: pairs(',').default([
    { name: 'self_minor', value: 'child_protection' },
    { name: 'child', value: 'child_protection' },
    { name: 'topic:child_protection', value: 'child_protection' },
    { name: 'topic:migrants', value: 'migrant_protection' },
    { name: 'default', value: 'gbv' },
  ]),
  INTAKE_TTL_HOURS: intFromEnv(1, 24 * 30).default(72),
  MAX_OPEN_REQUESTS: intFromEnv(1, 50).default(2),
  /**
   * Idle time after which a USSD session is forgotten. A later hop of that same provider
   * session (which lasts a few minutes at most) is offered to resume or start over.
   */
  USSD_SESSION_TTL_SECONDS: intFromEnv(30, 3600).default(300),
  SESSION_MAX_ENTRIES: intFromEnv(100, 10_000_000).default(100_000),
  PURGE_INTERVAL_SECONDS: intFromEnv(10, 86_400).default(300),
});

export type Config = z.output<typeof ConfigSchema>;

/** Thrown when the environment is invalid; the message names each variable. */
export class ConfigError extends Error {}

/** Parses and validates configuration; a wrong value names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(withDefaults(env));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${String(issue.path[0] ?? '(root)')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  if (config.HANDOFF_WEBHOOK_URL && !config.HANDOFF_WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration:\n  HANDOFF_WEBHOOK_SECRET: required when HANDOFF_WEBHOOK_URL is set (the payload is signed with it)');
  }
  if (config.TWILIO_WHATSAPP_NUMBER && !(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN)) {
    throw new ConfigError(
      'Invalid configuration:\n  TWILIO_WHATSAPP_NUMBER: needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (WhatsApp comes through Twilio, which signs every request with the auth token)',
    );
  }
  if (config.NODE_ENV === 'production' && config.HANDOFF_WEBHOOK_URL?.startsWith('http:')) {
    throw new ConfigError('Invalid configuration:\n  HANDOFF_WEBHOOK_URL: must be https in production');
  }
  checkHandoff(config);
  if (!config.QUEUE_ROUTES.some((route) => route.name === 'default')) {
    throw new ConfigError('Invalid configuration:\n  QUEUE_ROUTES: needs a default=<queue> route');
  }
  const unknown = config.QUEUE_ROUTES.filter((route) => !ROUTE_NAMES.includes(route.name)).map((route) => route.name);
  if (unknown.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  QUEUE_ROUTES: unknown route ${unknown.map((n) => `"${n}"`).join(', ')} (routes are ${ROUTE_NAMES.join(', ')})`);
  }
  const badQueue = config.QUEUE_ROUTES.find((route) => !/^[a-z][a-z0-9_]{0,39}$/.test(route.value));
  if (badQueue) throw new ConfigError(`Invalid configuration:\n  QUEUE_ROUTES: queue "${badQueue.value}" must be a lower-case code such as gbv`);
  return config;
}

/**
 * Defaults that depend on the kind of deployment: a local trial offers every
 * language pack, drafts included, so they can be tried in the simulator; production
 * offers the reviewed ones and never shows a draft string unless told to.
 */
function withDefaults(given: Record<string, string | undefined>): Record<string, string | undefined> {
  // `PORT=` in a .env file means "not set": without this, an empty number reads as 0 (a random port).
  const env = Object.fromEntries(Object.entries(given).filter(([, value]) => value === undefined || value.trim() !== ''));
  const production = env.NODE_ENV === 'production';
  return {
    ...env,
    LANGUAGES: env.LANGUAGES ?? (production ? 'fr,en' : 'fr,en,wo,bm'),
    SHOW_DRAFT_STRINGS: env.SHOW_DRAFT_STRINGS ?? (production ? 'false' : 'true'),
    // A deployment that set a webhook URL before HANDOFF_ADAPTER existed keeps its webhook.
    HANDOFF_ADAPTER: env.HANDOFF_ADAPTER?.trim() ?? (env.HANDOFF_WEBHOOK_URL ? 'webhook' : 'queue'),
  };
}

/**
 * The Primero module each queue's cases are created in, unless PRIMERO_MODULES says otherwise.
 * There is no default for `migrant_protection`: Primero ships no migrant module, and filing
 * adults under child protection (or anywhere else) is the programme's decision, so it must
 * name the module (PRIMERO_MODULES=migrant_protection=...) before hand-offs go to Primero.
 */
export const DEFAULT_PRIMERO_MODULES: Readonly<Record<string, string>> = { gbv: 'primeromodule-gbv', child_protection: 'primeromodule-cp' };

/** Passerelle values a programme may map to fields of its own Primero forms (PRIMERO_FIELDS). */
export const PRIMERO_MAPPABLE = ['label', 'queue'] as const;

/** Fields the Primero adapter always fills itself: a mapping may not overwrite them. */
export const PRIMERO_OWN_FIELDS = ['id', 'module_id', 'consent_for_services', 'disclosure_other_orgs', 'language', 'registration_date', 'hidden_name', 'telephone_current'];

/** The Primero module of every queue: the defaults, overridden by PRIMERO_MODULES. */
export function primeroModules(config: Pick<Config, 'PRIMERO_MODULES'>): Record<string, string> {
  return { ...DEFAULT_PRIMERO_MODULES, ...Object.fromEntries((config.PRIMERO_MODULES ?? []).map((p) => [p.name, p.value])) };
}

function fail(variable: string, message: string): never {
  throw new ConfigError(`Invalid configuration:\n  ${variable}: ${message}`);
}

/** The hand-off settings hold together: each adapter has what it needs, and every queue a Primero module. */
function checkHandoff(config: Config): void {
  if (config.HANDOFF_ADAPTER === 'webhook' && !config.HANDOFF_WEBHOOK_URL) fail('HANDOFF_WEBHOOK_URL', 'required when HANDOFF_ADAPTER is webhook');
  const primero = config.HANDOFF_ADAPTER === 'primero';
  for (const variable of ['PRIMERO_URL', 'PRIMERO_USERNAME', 'PRIMERO_PASSWORD'] as const) {
    if (primero && !config[variable]) fail(variable, 'required when HANDOFF_ADAPTER is primero');
  }
  if (config.PRIMERO_URL) {
    const url = new URL(config.PRIMERO_URL);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('PRIMERO_URL', 'must be an https URL');
    if (config.NODE_ENV === 'production' && url.protocol !== 'https:') fail('PRIMERO_URL', "must be https in production (the API user's password goes with every call)");
    // Credentials in the URL would be logged with it; a query or fragment would be dropped.
    if (url.username || url.password) fail('PRIMERO_URL', 'must not hold credentials: use PRIMERO_USERNAME and PRIMERO_PASSWORD');
    if (url.search || url.hash) fail('PRIMERO_URL', 'must have no query or fragment');
    if (/\/api(\/v2)?\/?$/.test(url.pathname)) fail('PRIMERO_URL', "Primero's address without /api/v2 (cases are created at <PRIMERO_URL>/api/v2/cases)");
  }
  const badModule = config.PRIMERO_MODULES?.find((p) => !/^[a-z][a-z0-9_]{0,39}$/.test(p.name) || !/^[A-Za-z0-9_-]{1,64}$/.test(p.value));
  if (badModule) fail('PRIMERO_MODULES', `expected queue=module_id such as migrant_protection=primeromodule-cp, got "${badModule.name}"`);
  if (primero) {
    const modules = primeroModules(config);
    const missing = [...new Set(config.QUEUE_ROUTES.map((r) => r.value))].filter((queue) => !modules[queue]);
    if (missing.length > 0)
      fail(
        'PRIMERO_MODULES',
        `no Primero module for queue ${missing.map((q) => `"${q}"`).join(', ')} (QUEUE_ROUTES sends requests there): add ${missing[0]}=<module id>, e.g. ${missing[0]}=primeromodule-cp`,
      );
  }
  for (const pair of config.PRIMERO_FIELDS ?? []) {
    if (!(PRIMERO_MAPPABLE as readonly string[]).includes(pair.name)) fail('PRIMERO_FIELDS', `"${pair.name}" cannot be sent (only ${PRIMERO_MAPPABLE.join(', ')})`);
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(pair.value)) fail('PRIMERO_FIELDS', `"${pair.value}" is not a Primero field name (lower case, digits, _)`);
    if (PRIMERO_OWN_FIELDS.includes(pair.value)) fail('PRIMERO_FIELDS', `"${pair.value}" is filled by Passerelle itself; map ${pair.name} to a field of the programme's own`);
  }
  if (config.PRIMERO_LANGUAGES) {
    const bad = config.PRIMERO_LANGUAGES.find((p) => !/^[A-Za-z0-9_-]{1,64}$/.test(p.value));
    if (bad) fail('PRIMERO_LANGUAGES', `"${bad.value}" is not a lookup id`);
    const unmapped = config.LANGUAGES.filter((code) => !config.PRIMERO_LANGUAGES!.some((p) => p.name === code));
    if (unmapped.length > 0) fail('PRIMERO_LANGUAGES', `no lookup id for ${unmapped.join(', ')} (LANGUAGES offers it): add ${unmapped[0]}=<id of lookup-language>`);
  }
}

/**
 * Settings that are valid but probably wrong: said in the start log, naming the variable.
 */
export function configWarnings(config: Pick<Config, 'TRUST_PROXY' | 'AT_ALLOWED_IPS'> & Partial<Pick<Config, 'DATABASE_URL' | 'REDIS_URL'>>): Array<{ variable: string; message: string }> {
  const warnings: Array<{ variable: string; message: string }> = [];
  if (config.DATABASE_URL && isPostgresUrl(config.DATABASE_URL) && !config.REDIS_URL) {
    warnings.push({
      variable: 'REDIS_URL',
      message: 'DATABASE_URL is PostgreSQL but REDIS_URL is not set: conversations, retries and limits live in this process, so run one instance only (several need REDIS_URL)',
    });
  }
  const proxies = config.TRUST_PROXY;
  if (Array.isArray(proxies) && proxies.some((p) => /^(0\.0\.0\.0|::)\/0$/.test(p))) {
    warnings.push({ variable: 'TRUST_PROXY', message: 'TRUST_PROXY trusts every address: any client can set X-Forwarded-For and pass for another; name the proxies instead' });
  }
  if (typeof proxies === 'number' && proxies > 0 && config.AT_ALLOWED_IPS) {
    warnings.push({
      variable: 'TRUST_PROXY',
      message: 'TRUST_PROXY is a hop count: a client that reaches the server directly can set X-Forwarded-For to an address of AT_ALLOWED_IPS; name the proxies instead',
    });
  }
  return warnings;
}

/**
 * Deployment values the flows show: hotline, emergency numbers, retention hours, and a
 * made-up mobile number of the deployment's country in the two forms a number can be
 * typed in (local, and with the country code).
 */
export function flowParams(config: Pick<Config, 'HOTLINE_NUMBER' | 'EMERGENCY_NUMBERS' | 'INTAKE_TTL_HOURS'> & Partial<Pick<Config, 'DEFAULT_COUNTRY'>>): Record<string, string> {
  const example = getExampleNumber((config.DEFAULT_COUNTRY ?? 'SN') as CountryCode, mobileExamples);
  return {
    hotline: config.HOTLINE_NUMBER,
    emergency: config.EMERGENCY_NUMBERS.map((n) => `${n.name} ${n.value}`).join(', '),
    retentionHours: String(config.INTAKE_TTL_HOURS),
    phoneLocal: example?.formatNational() ?? '',
    phoneIntl: example?.formatInternational() ?? '',
  };
}

/** The needs a request's topic can be (those of the information flow), and none. */
export const TOPICS = ['medical', 'psychosocial', 'legal', 'safe_space', 'child_protection', 'migrants', 'none'] as const;
/** Every route QUEUE_ROUTES may name: who the request is for, its topic, or the default. */
export const ROUTE_NAMES = ['self', 'self_minor', 'child', 'other', ...TOPICS.map((t) => `topic:${t}`), 'default'];

/**
 * Which queue receives a request (queues are configuration, not code). A request about a
 * child, or made by a person under 18 for themselves, follows its `child` / `self_minor`
 * route first, whatever the order (the best interest of the child: a migrant child is a
 * child first); a person under 18 follows `child` when no `self_minor` route is given.
 * Otherwise the first route that names the request's subject or topic (`topic:<need>`),
 * in the order given, else `default`.
 */
export function queueFor(config: Pick<Config, 'QUEUE_ROUTES'>, subject: string, topic?: string | null): string {
  const routes = config.QUEUE_ROUTES;
  const route = (name: string) => routes.find((r) => r.name === name);
  const minor = subject === 'self_minor' ? (route('self_minor') ?? route('child')) : subject === 'child' ? route('child') : undefined;
  if (minor) return minor.value;
  const names = new Set([subject, ...(topic ? [`topic:${topic}`] : [])]);
  return (routes.find((r) => names.has(r.name)) ?? route('default'))!.value;
}
