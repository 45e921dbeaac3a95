/**
 * `npm run bench`: USSD throughput and latency of Passerelle against a bare Express baseline,
 * and the same figures for the Twilio SMS webhook (signatures checked).
 *
 * The servers run as child `node` processes on 127.0.0.1 (each Passerelle with a fresh
 * SQLite database in a temp directory). Each is measured in two ways, with the same
 * request bodies: whole simulated callback sessions in French (12 requests, the last
 * one creates an intake), a new sessionId and a new fictional phone number per session.
 *
 * - bare express and Passerelle (USSD): `POST /webhooks/africastalking/ussd`, Africa's
 *   Talking's form; the bare server parses it and answers `CON hello`.
 * - Passerelle (Twilio SMS): a second Passerelle process with Twilio credentials and
 *   PUBLIC_BASE_URL=http://127.0.0.1:<its port>, `POST /webhooks/twilio/sms`: one SMS per
 *   step, Twilio's form (a new MessageSid per message), each request signed by the bench
 *   client with the twilio SDK (X-Twilio-Signature) and checked by the server; the reply
 *   is TwiML. The bare express baseline is the USSD one.
 *
 * 1. Closed loop at saturation (autocannon): N connections, each walking sessions
 *    back to back for a fixed duration, after a short warm-up. Requests per second.
 * 2. Open loop at a steady rate: a request is sent every 1000/rate ms whether or not
 *    earlier ones were answered (next step of an idle session, or a new session).
 *    Latency percentiles.
 *
 * Then the peak RSS (VmHWM) of each server process, the intakes found in each
 * Passerelle database, CPU per request of each server and of the bench client (which
 * also signs the Twilio requests), and a summary table with one column per server
 * (also written as JSON to the OS temp directory).
 *
 * Options: --duration <s> (closed loop, default 10), --open-duration <s> (default: --duration),
 * --rate <req/s> (open loop, default 200), --connections <n> (default 50),
 * --warmup <s> (default 2), --profile (run both servers under `node --cpu-prof` and
 * summarise where their CPU time went per phase; numbers are then slower than normal),
 * --keep (keep the temp directory: database, logs, profiles).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import pg from 'pg';
import { migrateDatabase } from '../src/db';
import { missingPackages, startHaproxy, startPostgres, startRedis, type Service } from '../scripts/scale/services';
import { formatProfileSummary, summariseCpuProfile, type ProfileSummary } from './profile';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuilt } = require('../scripts/build') as { ensureBuilt(): void };

/** The server's Node.js flags, as `npm start` gives them (package.json's start script). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SERVER_NODE_FLAGS = (require('../scripts/startFlags') as { startFlags(): string[] }).startFlags();

// ---------------------------------------------------------------------------
// Options

const { values: argv } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    'open-duration': { type: 'string' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'skip-cluster': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (argv.help) {
  process.stdout.write('usage: npm run bench -- [--duration 10] [--open-duration 10] [--rate 200] [--connections 50] [--warmup 2] [--profile] [--keep] [--skip-cluster]\n');
  process.exit(0);
}

function positive(name: string, value: string | undefined, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

const opts = {
  duration: positive('duration', argv.duration),
  openDuration: positive('open-duration', argv['open-duration'] ?? argv.duration),
  rate: positive('rate', argv.rate),
  connections: positive('connections', argv.connections, true),
  warmup: positive('warmup', argv.warmup),
  profile: argv.profile ?? false,
  keep: argv.keep ?? false,
  skipCluster: argv['skip-cluster'] ?? false,
};

const ROOT = path.resolve(__dirname, '..');
const USSD_PATH = '/webhooks/africastalking/ussd';
const SERVICE_CODE = '*384*123#';
const NETWORK_CODE = '60801';
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 5_000;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 10;
/** Issue targets for production (README, Benchmarks): Twilio's share, the intake hop, memory, a restart. */
const TARGET_TWILIO_RATIO = 0.4;
const TARGET_INTAKE_P99_MS = 5;
const TARGET_RSS_MB = 150;
const TARGET_RESTART_MS = 1500;

/** The answers of a complete French callback request: 12 hops, the last one confirms. */
const STEP_TEXTS: string[] = ['', '1', '1*2', ...Array.from({ length: 9 }, (_, i) => '1*2' + '*1'.repeat(i + 1))];
const LAST_STEP = STEP_TEXTS.length - 1;

/**
 * The same request over SMS, one message per step: any first message (welcome), French,
 * callback, next, consent, safe: yes, for me, call in French, a woman, morning, health
 * centre, confirm (as in test/channels/callbackOverText.test.ts and test/flows/golden/callback.fr.json).
 */
const SMS_STEP_TEXTS: string[] = ['Bonjour', '1', '2', ...Array.from({ length: 9 }, () => '1')];
if (SMS_STEP_TEXTS.length !== STEP_TEXTS.length) throw new Error('USSD and SMS sessions must have the same number of requests');

const TWILIO_SMS_PATH = '/webhooks/twilio/sms';
/** The deployment's number the fictional phones text (from test/fixtures/twilio/sms-inbound.json). */
const TWILIO_TO = '+221338000000';

// ---------------------------------------------------------------------------
// Sessions: unique ids and distinct fictional Senegalese mobile numbers (+22177xxxxxxx)

const RUN_ID = crypto.randomBytes(4).toString('hex');
let sessionCounter = 0;
// Walk 0..10^7-1 from a random start with a step coprime to 10^7: every number differs.
let phoneCursor = crypto.randomInt(10_000_000);
const PHONE_STRIDE = 3_851_257; // odd, not a multiple of 5

interface SessionIds {
  sessionId: string;
  phoneNumber: string;
}

function newSession(): SessionIds {
  sessionCounter++;
  phoneCursor = (phoneCursor + PHONE_STRIDE) % 10_000_000;
  return {
    sessionId: `ATUid_bench_${RUN_ID}_${sessionCounter.toString(36)}`,
    phoneNumber: `+22177${String(phoneCursor).padStart(7, '0')}`,
  };
}

/** A Twilio message sid (SM + 32 hex digits), unique in the run. */
let messageCounter = 0;
function newMessageSid(): string {
  messageCounter++;
  return `SM${RUN_ID}${messageCounter.toString(16).padStart(24, '0')}`;
}

function formBody(ids: SessionIds, text: string): string {
  return new URLSearchParams({
    sessionId: ids.sessionId,
    serviceCode: SERVICE_CODE,
    phoneNumber: ids.phoneNumber,
    networkCode: NETWORK_CODE,
    text,
  }).toString();
}

// ---------------------------------------------------------------------------
// Response checks

type ServerKind = 'bare' | 'passerelle' | 'twilio';

/** What a good answer to `step` looks like for each server. */
function expectedReply(kind: ServerKind, step: number, body: string): boolean {
  if (kind === 'bare') return body === 'CON hello';
  if (kind === 'twilio') {
    // TwiML: <?xml ...?><Response><Message action="..." method="POST">text</Message></Response>
    if (!body.startsWith('<?xml') || !body.includes('<Response><Message')) return false;
    if (step === 0) return body.includes('Bienvenue');
    if (step === LAST_STEP) return body.includes('Demande enregistrée');
    // Anything else means the walk went astray (a restart, or an answer not understood).
    return !body.includes('Bienvenue') && !body.includes('non valide');
  }
  return step === LAST_STEP ? body.startsWith('END Demande enregistrée') : body.startsWith('CON ');
}

/** How one kind of server is driven: the path, and the body and headers of each request of a session. */
interface Scenario {
  kind: ServerKind;
  path: string;
  build(ids: SessionIds, step: number): { body: string; headers: Record<string, string> };
  /** Client-side signing (Twilio only): calls and time spent, measured around the SDK call. */
  signing?: { calls: number; ns: bigint };
}

const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function ussdScenario(kind: 'bare' | 'passerelle'): Scenario {
  return { kind, path: USSD_PATH, build: (ids, step) => ({ body: formBody(ids, STEP_TEXTS[step]), headers: FORM_HEADERS }) };
}

/**
 * Twilio's incoming-message webhook, shaped like test/fixtures/twilio/sms-inbound.json (every field
 * a string, the sids fresh per message), signed as Twilio signs it: HMAC-SHA1 with the auth token
 * over the URL it calls (PUBLIC_BASE_URL + path) and the sorted fields.
 */
function twilioScenario(publicBaseUrl: string, accountSid: string, authToken: string, messagingServiceSid: string): Scenario {
  const url = `${publicBaseUrl}${TWILIO_SMS_PATH}`;
  const signing = { calls: 0, ns: 0n };
  return {
    kind: 'twilio',
    path: TWILIO_SMS_PATH,
    signing,
    build: (ids, step) => {
      const sid = newMessageSid();
      const form: Record<string, string> = {
        ToCountry: 'SN',
        ToState: '',
        SmsMessageSid: sid,
        NumMedia: '0',
        ToCity: '',
        FromZip: '',
        SmsSid: sid,
        FromState: '',
        SmsStatus: 'received',
        FromCity: '',
        Body: SMS_STEP_TEXTS[step],
        FromCountry: 'SN',
        To: TWILIO_TO,
        MessagingServiceSid: messagingServiceSid,
        ToZip: '',
        NumSegments: '1',
        ReferralNumMedia: '0',
        MessageSid: sid,
        AccountSid: accountSid,
        From: ids.phoneNumber,
        ApiVersion: '2010-04-01',
      };
      const t0 = process.hrtime.bigint();
      const signature = getExpectedTwilioSignature(authToken, url, form);
      signing.ns += process.hrtime.bigint() - t0;
      signing.calls++;
      return { body: new URLSearchParams(form).toString(), headers: { ...FORM_HEADERS, 'x-twilio-signature': signature } };
    },
  };
}

class Tally {
  responses = 0;
  non2xx = 0;
  unexpected = 0;
  /** Sessions whose last (12th) request got the expected answer (for Passerelle: END Demande enregistrée). */
  completedSessions = 0;
  unexpectedSamples: string[] = [];

  constructor(private readonly kind: ServerKind) {}

  /** Returns true when the answer is the expected one. */
  record(step: number, status: number, body: string): boolean {
    this.responses++;
    if (status < 200 || status >= 300) {
      this.non2xx++;
      this.sample(`step ${step}: HTTP ${status} ${body.slice(0, 80)}`);
      return false;
    }
    if (!expectedReply(this.kind, step, body)) {
      this.unexpected++;
      this.sample(`step ${step}: ${body.slice(0, 80).replace(/\n/g, ' | ')}`);
      return false;
    }
    if (step === LAST_STEP) this.completedSessions++;
    return true;
  }

  private sample(line: string) {
    if (this.unexpectedSamples.length < 3) this.unexpectedSamples.push(line);
  }
}

// ---------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  logFile: string;
  exited: Promise<number | null>;
  exitCode?: number | null;
}

const children = new Set<Child>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `node <nodeArgs>` directly (no npm/shell wrapper), so the pid is the server's own. */
function spawnNode(name: string, nodeArgs: string[], env: NodeJS.ProcessEnv, port: number, logFile: string): Child {
  const log = fs.openSync(logFile, 'a');
  // TypeScript (the bare baseline) through tsx; the compiled server (dist/, as `npm start` runs it) as it is.
  const loader = nodeArgs.some((a) => a.endsWith('.ts')) ? ['--import', 'tsx'] : [];
  const proc = spawn(process.execPath, ['--require', path.join(__dirname, 'parentWatch.cjs'), ...loader, ...nodeArgs], {
    cwd: ROOT,
    env: { ...env, PASSERELLE_BENCH_CHILD: '1' },
    stdio: ['pipe', log, log],
  });
  fs.closeSync(log);
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn node`);
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    port,
    logFile,
    exited: new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        child.exitCode = code ?? (signal ? -1 : null);
        children.delete(child);
        resolve(code);
      });
    }),
  };
  proc.on('error', () => undefined);
  proc.stdin?.on('error', () => undefined);
  children.add(child);
  return child;
}

function logTail(child: Child, lines = 15): string {
  try {
    return fs.readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

function httpGet(port: number, urlPath: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: urlPath, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitHealthy(child: Child): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < STARTUP_TIMEOUT_MS) {
    if (child.exitCode !== undefined) {
      throw new Error(`${child.name} exited during startup (code ${child.exitCode}):\n${logTail(child)}`);
    }
    try {
      if ((await httpGet(child.port, '/healthz', 1000)) === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not healthy after ${STARTUP_TIMEOUT_MS / 1000} s:\n${logTail(child)}`);
}

/** Peak resident set size of a live process, in MB (VmHWM from /proc). */
function peakRssMb(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a live process has used so far, in ms. */
function cpuTimeMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3): indices 11 and 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Busy CPU time of the whole machine so far (all cores), in ms, from /proc/stat. */
function machineBusyMs(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]; // cpu user nice system idle iowait irq softirq steal ...
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return ((f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** SIGTERM, then SIGKILL if the process has not exited in time. */
async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.exitCode !== undefined) return;
  child.proc.kill('SIGTERM');
  const timedOut = await Promise.race([child.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut && child.exitCode === undefined) {
    child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(2000)]);
  }
}

function killAllChildrenNow() {
  for (const child of children) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the servers\n`);
    killAllChildrenNow();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------
// Closed loop (autocannon)

interface ClosedLoopResult {
  durationS: number;
  requests: number;
  reqPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  unexpected: number;
  completedSessions: number;
  sessionsPerSec: number;
  unexpectedSamples: string[];
}

async function closedLoop(scenario: Scenario, port: number, durationS: number, connections: number): Promise<ClosedLoopResult> {
  const tally = new Tally(scenario.kind);
  const requests: autocannon.Request[] = STEP_TEXTS.map((_text, step) => ({
    method: 'POST',
    path: scenario.path,
    headers: FORM_HEADERS,
    // The context is per connection and reset by autocannon when the sequence starts over.
    setupRequest: (req, context) => {
      const ctx = context as Partial<SessionIds>;
      if (step === 0 || !ctx.sessionId) Object.assign(ctx, newSession());
      const { body, headers } = scenario.build(ctx as SessionIds, step);
      req.body = body;
      // autocannon hands a fresh copy of the headers to each build.
      Object.assign(req.headers ?? (req.headers = {}), headers);
      return req;
    },
    onResponse: (status, body) => {
      tally.record(step, status, body);
    },
  }));
  const result = await autocannon({
    url: `http://${HOST}:${port}`,
    connections,
    pipelining: 1,
    duration: durationS,
    timeout: REQUEST_TIMEOUT_MS / 1000,
    requests,
  });
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    durationS: result.duration,
    requests: total,
    reqPerSec: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected: tally.unexpected,
    completedSessions: tally.completedSessions,
    sessionsPerSec: Math.round((10 * tally.completedSessions) / result.duration) / 10,
    unexpectedSamples: tally.unexpectedSamples,
  };
}

// ---------------------------------------------------------------------------
// Open loop (own driver: arrivals on a fixed schedule, independent of responses)

interface OpenLoopResult {
  targetRate: number;
  durationS: number;
  sent: number;
  responses: number;
  achievedRate: number;
  /** Worst delay of the driver behind its own schedule (timer jitter), ms. */
  maxScheduleLagMs: number;
  maxInFlight: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** The same split by step: the 12th request (which confirms, and creates the intake) and the 11 others. */
  lastStepLatencyMs: { p50: number; p99: number; max: number };
  otherStepsLatencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  unexpected: number;
  completedSessions: number;
  sessionsStarted: number;
  unexpectedSamples: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function openLoop(scenario: Scenario, port: number, rate: number, durationS: number): Promise<OpenLoopResult> {
  const tally = new Tally(scenario.kind);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 });
  interface LiveSession extends SessionIds {
    step: number;
  }
  const idle: LiveSession[] = []; // sessions waiting for their next request to be sent
  const latencies: number[] = [];
  const lastStep: number[] = [];
  const otherSteps: number[] = [];
  let sent = 0;
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let maxLagNs = 0n;
  let sessionsStarted = 0;
  let lastSendNs = 0n;

  const intervalNs = BigInt(Math.round(1e9 / rate));
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationS * 1e9));

  let onDrained: (() => void) | undefined;
  const settle = () => {
    inFlight--;
    if (inFlight === 0 && onDrained) onDrained();
  };

  const send = () => {
    let session = idle.shift();
    if (!session) {
      session = { ...newSession(), step: 0 };
      sessionsStarted++;
    }
    const s = session;
    const { body, headers } = scenario.build(s, s.step);
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    sent++;
    const t0 = process.hrtime.bigint();
    lastSendNs = t0;
    let settled = false; // a request ends once: answered, or failed (error, reset, timeout)
    const fail = () => {
      if (settled) return;
      settled = true;
      errors++;
      settle();
    };
    const req = http.request(
      {
        host: HOST,
        port,
        method: 'POST',
        path: scenario.path,
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          latencies.push(ms);
          (s.step === LAST_STEP ? lastStep : otherSteps).push(ms);
          const ok = tally.record(s.step, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
          if (ok && s.step < LAST_STEP) {
            s.step++;
            idle.push(s);
          }
          settle();
        });
        res.on('error', fail);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    let next = 0n; // index of the next scheduled arrival
    const tick = () => {
      const now = process.hrtime.bigint();
      let due = start + next * intervalNs;
      while (due <= now && due < end) {
        const lag = now - due;
        if (lag > maxLagNs) maxLagNs = lag;
        send();
        next++;
        due = start + next * intervalNs;
      }
      if (due >= end) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, Number(due - process.hrtime.bigint()) / 1e6));
    };
    tick();
  });
  const sendWindowS = Number(lastSendNs - start) / 1e9 + 1 / rate;

  // Let the requests still in flight finish (bounded by the request timeout).
  if (inFlight > 0) {
    await Promise.race([new Promise<void>((resolve) => (onDrained = resolve)), sleep(REQUEST_TIMEOUT_MS + 1000)]);
  }
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const split = (values: number[]) => {
    values.sort((a, b) => a - b);
    return { p50: round2(percentile(values, 50)), p99: round2(percentile(values, 99)), max: round2(values[values.length - 1] ?? NaN) };
  };
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  return {
    targetRate: rate,
    durationS: round2(sendWindowS),
    sent,
    responses: latencies.length,
    achievedRate: Math.round((10 * sent) / sendWindowS) / 10,
    maxScheduleLagMs: round2(Number(maxLagNs) / 1e6),
    maxInFlight,
    latencyMs: {
      p50: round2(percentile(latencies, 50)),
      p90: round2(percentile(latencies, 90)),
      p99: round2(percentile(latencies, 99)),
      max: round2(latencies[latencies.length - 1] ?? NaN),
      mean: round2(mean),
    },
    lastStepLatencyMs: split(lastStep),
    otherStepsLatencyMs: split(otherSteps),
    non2xx: tally.non2xx,
    errors,
    unexpected: tally.unexpected,
    completedSessions: tally.completedSessions,
    sessionsStarted,
    unexpectedSamples: tally.unexpectedSamples,
  };
}

// ---------------------------------------------------------------------------
// Database check

interface SqliteDb {
  prepare(sql: string): { get(): unknown };
  close(): void;
}
type SqliteCtor = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDb;

/**
 * The main thread's .cpuprofile in `dir` (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0;
 * the tsx loader thread writes another). The biggest one if several processes wrote one.
 */
function largestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return fs
    .readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}

function countIntakes(dbFile: string): number {
  // better-sqlite3 comes with @prisma/adapter-better-sqlite3 (no type declarations installed).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as SqliteCtor;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT COUNT(*) AS n FROM "Intake"').get() as { n: number };
    return Number(row.n);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------
// Run

interface ServerCpu {
  /** Share of one core the server process used during the phase, %. */
  cpuPct: number | null;
  /** Share of one core used during the phase by the benchmark client (this process), %. */
  clientCpuPct: number;
  /** Share of one core used during the phase by every other process on the machine (noise), %. */
  otherCpuPct: number | null;
  /** Server CPU time per request answered, µs. */
  cpuUsPerRequest: number | null;
  /** Benchmark client CPU time (this process: load generator, request building and signing) per request answered, µs. */
  clientCpuUsPerRequest: number | null;
  /** Twilio only: wall time of the client's signature computation (twilio SDK) per request signed, µs. */
  signingUsPerRequest?: number;
}

interface ServerReport {
  name: string;
  pid: number;
  startupMs: number;
  warmup: ClosedLoopResult;
  saturation: ClosedLoopResult & ServerCpu;
  openLoop: OpenLoopResult & ServerCpu;
  peakRssMb: number | null;
  /** Phase boundaries in µs of CLOCK_MONOTONIC (to cut a CPU profile). */
  windows: { saturation: [number, number]; openLoop: [number, number] };
}

/** CPU time of several processes (a cluster's instances), summed; null if one is gone. */
function cpuTimeOfMs(pids: number[]): number | null {
  const times = pids.map(cpuTimeMs);
  return times.some((t) => t === null) ? null : (times as number[]).reduce((a, b) => a + b, 0);
}

async function withCpu<T extends { responses?: number; requests?: number }>(pids: number[], scenario: Scenario, run: () => Promise<T>): Promise<{ result: T & ServerCpu; window: [number, number] }> {
  const sign0 = scenario.signing ? { ...scenario.signing } : undefined;
  const cpu0 = cpuTimeOfMs(pids);
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = nowUs();
  const result = await run();
  const t1 = nowUs();
  const cpu1 = cpuTimeOfMs(pids);
  const machine1 = machineBusyMs();
  const self = process.cpuUsage(self0);
  const answered = result.requests ?? result.responses ?? 0;
  const used = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  const wallMs = (t1 - t0) / 1000;
  const pctOf = (ms: number) => Math.round((1000 * ms) / wallMs) / 10;
  const clientMs = (self.user + self.system) / 1000;
  const otherMs = machine0 === null || machine1 === null || used === null ? null : Math.max(0, machine1 - machine0 - used - clientMs);
  return {
    result: {
      ...result,
      cpuPct: used === null ? null : pctOf(used),
      clientCpuPct: pctOf(clientMs),
      otherCpuPct: otherMs === null ? null : pctOf(otherMs),
      cpuUsPerRequest: used === null || answered === 0 ? null : Math.round((used * 1000) / answered),
      clientCpuUsPerRequest: answered === 0 ? null : Math.round((clientMs * 1000) / answered),
      ...(scenario.signing && sign0
        ? {
            signingUsPerRequest: scenario.signing.calls === sign0.calls ? 0 : round2(Number(scenario.signing.ns - sign0.ns) / 1000 / (scenario.signing.calls - sign0.calls)),
          }
        : {}),
    },
    window: [t0, t1],
  };
}

function progress(line: string) {
  process.stdout.write(`[bench] ${line}\n`);
}

/** What is measured: one server process, or several behind one port (a cluster behind haproxy). */
interface Target {
  name: string;
  port: number;
  /** The server processes whose CPU and memory count. */
  pids: number[];
  /** Why it can no longer be measured (a process exited), if so. */
  failure(): string | undefined;
}

function childTarget(child: Child): Target {
  return { name: child.name, port: child.port, pids: [child.pid], failure: () => (child.exitCode !== undefined ? `${child.name} exited during the run:\n${logTail(child)}` : undefined) };
}

async function measure(scenario: Scenario, target: Target, startupMs: number): Promise<ServerReport> {
  progress(`${target.name}: warm-up ${opts.warmup} s (${opts.connections} connections)`);
  const warmup = await closedLoop(scenario, target.port, opts.warmup, opts.connections);
  await sleep(300);
  progress(`${target.name}: closed loop ${opts.duration} s at saturation (${opts.connections} connections)`);
  const sat = await withCpu(target.pids, scenario, () => closedLoop(scenario, target.port, opts.duration, opts.connections));
  const saturation = sat.result;
  progress(`${target.name}:   ${saturation.reqPerSec.toFixed(0)} req/s, ${saturation.completedSessions} sessions, non-2xx ${saturation.non2xx}, errors ${saturation.errors}`);
  await sleep(500);
  progress(`${target.name}: open loop ${opts.openDuration} s at ${opts.rate} req/s`);
  const ol = await withCpu(target.pids, scenario, () => openLoop(scenario, target.port, opts.rate, opts.openDuration));
  const open = ol.result;
  progress(`${target.name}:   p50 ${open.latencyMs.p50} ms, p99 ${open.latencyMs.p99} ms, max ${open.latencyMs.max} ms, ${open.achievedRate} req/s sent`);
  const failure = target.failure();
  if (failure) throw new Error(failure);
  const rss = target.pids.map(peakRssMb);
  return {
    name: target.name,
    pid: target.pids[0],
    startupMs,
    warmup,
    saturation,
    openLoop: open,
    peakRssMb: rss.some((r) => r === null) ? null : Math.round(10 * (rss as number[]).reduce((a, b) => a + b, 0)) / 10,
    windows: { saturation: sat.window, openLoop: ol.window },
  };
}

function pad(s: string, n: number) {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function padL(s: string, n: number) {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** Distinct free ports on 127.0.0.1. */
async function freePorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    if (new Set(ports).size === n) return ports;
  }
  throw new Error('could not find distinct free ports');
}

const pct1 = (ratio: number | null) => (ratio === null ? 'n/a' : `${(ratio * 100).toFixed(1)} %`);
const round3 = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);

/** Three Passerelle instances on one PostgreSQL (durable settings) and one Redis, behind haproxy (scripts/scale/services). */
interface Cluster {
  target: Target;
  startupMs: number;
  intakes(): Promise<number>;
  services: Service[];
}

async function startCluster(folder: string, env: NodeJS.ProcessEnv, nodeArgs: string[]): Promise<Cluster | { skipped: string }> {
  const missing = missingPackages();
  if (missing.length > 0) return { skipped: `needs Debian's ${missing.join(', ')} (apt-get install -y ${missing.join(' ')})` };
  const services: Service[] = [];
  const postgres = await startPostgres(path.join(folder, 'postgres'), { durable: true });
  services.push(postgres);
  const redis = await startRedis(path.join(folder, 'redis'));
  services.push(redis);
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = postgres.url.replace(/\/postgres$/, '/bench');
  await migrateDatabase(url);
  const ports = await freePorts(3);
  const started = Date.now();
  const instances = ports.map((port, i) =>
    spawnNode(
      `instance ${i + 1}`,
      nodeArgs,
      { ...env, PORT: String(port), DATABASE_URL: url, REDIS_URL: redis.url, PASSERELLE_INSTANCE: String(i + 1) },
      port,
      path.join(folder, `instance${i + 1}.log`),
    ),
  );
  await Promise.all(instances.map(waitHealthy));
  const haproxy = await startHaproxy(path.join(folder, 'haproxy'), ports);
  services.push(haproxy);
  // haproxy counts an instance up after two good health checks (500 ms apart).
  for (let i = 0; i < 50 && (await httpGet(haproxy.port, '/healthz', 1000).catch(() => 0)) !== 200; i += 1) await sleep(100);
  await sleep(1200);
  const startupMs = Date.now() - started;
  return {
    target: {
      name: '3 instances on PostgreSQL + Redis',
      port: haproxy.port,
      pids: instances.map((c) => c.pid),
      failure: () => {
        const gone = instances.find((c) => c.exitCode !== undefined);
        return gone ? `${gone.name} exited during the run:\n${logTail(gone)}` : undefined;
      },
    },
    startupMs,
    intakes: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return Number((await client.query('SELECT COUNT(*) AS n FROM "Intake"')).rows[0].n);
      } finally {
        await client.end();
      }
    },
    services,
  };
}

async function main() {
  const startedAt = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-'));
  const dbFile = path.join(tmp, 'bench.db');
  // The Twilio SMS server has a directory and a database of its own.
  const twilioDir = path.join(tmp, 'twilio-sms');
  fs.mkdirSync(twilioDir);
  const twilioDbFile = path.join(twilioDir, 'bench.db');
  const profileDir = path.join(tmp, 'cpu-profiles');
  // Whatever else happens, the run is bounded in time (three servers measured one after the other).
  const budgetS = 180 + 6 * (opts.warmup + opts.duration + opts.openDuration);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${budgetS} s, giving up\n`);
    killAllChildrenNow();
    process.exit(1);
  }, budgetS * 1000);
  watchdog.unref();

  const [barePort, passPort, twilioPort] = await freePorts(3);
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOST, NODE_OPTIONS: '' };

  // Provider credentials are blanked so nothing can leave loopback; '' also wins over a .env file.
  const passEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    NODE_ENV: 'development',
    PORT: String(passPort),
    DATABASE_URL: `file:${dbFile}`,
    DATA_DIR: tmp,
    DATA_KEYS: `kbench:${crypto.randomBytes(32).toString('base64')}`,
    HASH_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    MAX_OPEN_REQUESTS: '50',
    PUBLIC_BASE_URL: '',
    AT_WEBHOOK_SECRET: '',
    AT_USERNAME: '',
    AT_API_KEY: '',
    AT_API_BASE_URL: '',
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    TELEGRAM_COMMUNITY_TOKEN: '',
    TELEGRAM_STAFF_TOKEN: '',
    TELEGRAM_WEBHOOK_SECRET: '',
    TELEGRAM_API_ROOT: '',
  };
  // Twilio: fictional credentials made up for the run. PUBLIC_BASE_URL is this server's own loopback
  // origin: signatures are checked against it + the path, and it is the TwiML status callback's origin
  // (Twilio never calls it: nothing leaves 127.0.0.1). The Telegram bot stays simulated in memory.
  const twilioAccountSid = `AC${crypto.randomBytes(16).toString('hex')}`;
  const twilioAuthToken = crypto.randomBytes(16).toString('hex');
  const twilioBaseUrl = `http://${HOST}:${twilioPort}`;
  const twilioEnv: NodeJS.ProcessEnv = {
    ...passEnv,
    PORT: String(twilioPort),
    DATABASE_URL: `file:${twilioDbFile}`,
    DATA_DIR: twilioDir,
    PUBLIC_BASE_URL: twilioBaseUrl,
    TWILIO_ACCOUNT_SID: twilioAccountSid,
    TWILIO_AUTH_TOKEN: twilioAuthToken,
  };
  const profArgs = (name: string) => (opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : []);
  // The server as `npm start` runs it: the compiled JavaScript of dist/ (built first if the sources changed).
  ensureBuilt();
  const passArgs = [...SERVER_NODE_FLAGS, ...profArgs('passerelle'), 'dist/main.js'];
  const twilioArgs = [...SERVER_NODE_FLAGS, ...profArgs('twilio-sms'), 'dist/main.js'];
  const bareArgs = [...profArgs('bare'), 'bench/bareServer.ts'];

  const bareScenario = ussdScenario('bare');
  const passScenario = ussdScenario('passerelle');
  const smsScenario = twilioScenario(twilioBaseUrl, twilioAccountSid, twilioAuthToken, `MG${crypto.randomBytes(16).toString('hex')}`);

  progress(`node ${process.version}, ${os.cpus().length} CPUs, temp dir ${tmp}`);
  progress('starting bare express, Passerelle (USSD) and Passerelle (Twilio SMS) (migrations run on start)');
  const bare = spawnNode('bare express', bareArgs, { ...baseEnv, PORT: String(barePort) }, barePort, path.join(tmp, 'bare.log'));
  const pass = spawnNode('Passerelle', passArgs, passEnv, passPort, path.join(tmp, 'passerelle.log'));
  const twilio = spawnNode('Passerelle Twilio SMS', twilioArgs, twilioEnv, twilioPort, path.join(twilioDir, 'passerelle.log'));

  let failed = false;
  const clusterServices: Service[] = [];
  try {
    const [bareStartup, passStartup, twilioStartup] = await Promise.all([waitHealthy(bare), waitHealthy(pass), waitHealthy(twilio)]);
    progress(`ready: bare express pid ${bare.pid} in ${bareStartup} ms, Passerelle pid ${pass.pid} in ${passStartup} ms, Passerelle Twilio SMS pid ${twilio.pid} in ${twilioStartup} ms`);

    const bareReport = await measure(bareScenario, childTarget(bare), bareStartup);
    await stopChild(bare, opts.profile ? 20_000 : 5000);
    const passReport = await measure(passScenario, childTarget(pass), passStartup);
    await stopChild(pass, opts.profile ? 20_000 : 5000);
    if (pass.exitCode !== 0 && pass.exitCode !== undefined) progress(`Passerelle exited with code ${pass.exitCode}`);
    const twReport = await measure(smsScenario, childTarget(twilio), twilioStartup);
    await stopChild(twilio, opts.profile ? 20_000 : 5000);
    if (twilio.exitCode !== 0 && twilio.exitCode !== undefined) progress(`Passerelle Twilio SMS exited with code ${twilio.exitCode}`);

    // A restart as an operator does one: the server alone on its database, migrations current.
    progress('restarting Passerelle alone on its database (migrations current)');
    const again = spawnNode('Passerelle restart', [...SERVER_NODE_FLAGS, 'dist/main.js'], passEnv, passPort, path.join(tmp, 'passerelle-restart.log'));
    const restartMs = await waitHealthy(again);
    await stopChild(again);
    progress(`restart to healthy: ${restartMs} ms`);

    // The same USSD walk on three instances behind haproxy, on PostgreSQL + Redis.
    progress('starting PostgreSQL, Redis, three Passerelle instances and haproxy');
    const started = opts.skipCluster ? { skipped: 'skipped (--skip-cluster)' } : await startCluster(path.join(tmp, 'scale'), passEnv, [...SERVER_NODE_FLAGS, ...profArgs('cluster'), 'dist/main.js']);
    let clusterReport: ServerReport | undefined;
    let clusterIntakes = 0;
    let clusterEnds = 0;
    if ('skipped' in started) progress(`three instances: skipped, ${started.skipped}`);
    else {
      clusterServices.push(...started.services);
      progress(`ready: three instances and haproxy in ${started.startupMs} ms`);
      clusterReport = await measure(passScenario, started.target, started.startupMs);
      clusterIntakes = await started.intakes();
      clusterEnds = clusterReport.warmup.completedSessions + clusterReport.saturation.completedSessions + clusterReport.openLoop.completedSessions;
    }

    const intakesInDb = countIntakes(dbFile);
    const endResponses = passReport.warmup.completedSessions + passReport.saturation.completedSessions + passReport.openLoop.completedSessions;
    const twIntakesInDb = countIntakes(twilioDbFile);
    const twEndResponses = twReport.warmup.completedSessions + twReport.saturation.completedSessions + twReport.openLoop.completedSessions;

    let profile: ProfileSummary | undefined;
    let openLoopProfile: ProfileSummary | undefined;
    let bareProfile: ProfileSummary | undefined;
    let twilioProfile: ProfileSummary | undefined;
    if (opts.profile) {
      const [sFrom, sTo] = passReport.windows.saturation;
      const [oFrom, oTo] = passReport.windows.openLoop;
      const passFile = largestProfile(path.join(profileDir, 'passerelle'));
      const bareFile = largestProfile(path.join(profileDir, 'bare'));
      const twilioFile = largestProfile(path.join(profileDir, 'twilio-sms'));
      if (passFile) {
        profile = summariseCpuProfile(passFile, 30, { fromUs: sFrom, toUs: sTo, label: 'Passerelle, closed loop at saturation only' });
        profile.requests = passReport.saturation.requests;
        openLoopProfile = summariseCpuProfile(passFile, 12, { fromUs: oFrom, toUs: oTo, label: `Passerelle, open loop at ${opts.rate} req/s only` });
        openLoopProfile.requests = passReport.openLoop.responses;
      } else progress('no CPU profile was written by Passerelle');
      if (twilioFile) {
        const [tFrom, tTo] = twReport.windows.saturation;
        twilioProfile = summariseCpuProfile(twilioFile, 20, { fromUs: tFrom, toUs: tTo, label: 'Passerelle Twilio SMS, closed loop at saturation only' });
        twilioProfile.requests = twReport.saturation.requests;
      } else progress('no CPU profile was written by Passerelle Twilio SMS');
      if (bareFile) {
        const [bFrom, bTo] = bareReport.windows.saturation;
        bareProfile = summariseCpuProfile(bareFile, 10, { fromUs: bFrom, toUs: bTo, label: 'bare express, closed loop at saturation only' });
        bareProfile.requests = bareReport.saturation.requests;
      } else progress('no CPU profile was written by bare express');
    }

    const ratio = passReport.saturation.reqPerSec / bareReport.saturation.reqPerSec;
    const twRatio = twReport.saturation.reqPerSec / bareReport.saturation.reqPerSec;
    // Throughput a server would reach on a core of its own is about 1 / (its CPU per request):
    // this ratio barely moves when other processes compete for the CPUs.
    const bareCpu = bareReport.saturation.cpuUsPerRequest;
    const passCpu = passReport.saturation.cpuUsPerRequest;
    const twCpu = twReport.saturation.cpuUsPerRequest;
    const cpuRatio = bareCpu && passCpu ? bareCpu / passCpu : null;
    const twCpuRatio = bareCpu && twCpu ? bareCpu / twCpu : null;
    const clusterRatio = clusterReport ? clusterReport.saturation.reqPerSec / bareReport.saturation.reqPerSec : null;
    // The cluster's CPU per request counts its three instances, not PostgreSQL, Redis or haproxy ("other processes").
    const clusterCpu = clusterReport?.saturation.cpuUsPerRequest;
    const clusterCpuRatio = bareCpu && clusterCpu ? bareCpu / clusterCpu : null;
    const summary = {
      when: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      options: opts,
      scenario: `French callback request, ${STEP_TEXTS.length} requests per session, new sessionId and phone per session`,
      twilioSmsScenario: `the same request over Twilio SMS (${TWILIO_SMS_PATH}), ${SMS_STEP_TEXTS.length} messages per conversation (${SMS_STEP_TEXTS.join(', ')}), a new phone per conversation and a new MessageSid per message, each signed by the bench client (X-Twilio-Signature, twilio SDK) and checked by the server against PUBLIC_BASE_URL + path`,
      bare: bareReport,
      passerelle: passReport,
      twilioSms: twReport,
      cluster: clusterReport ?? { skipped: 'skipped' in started ? started.skipped : undefined },
      clusterRatio: round3(clusterRatio),
      clusterCpuPerRequestRatio: round3(clusterCpuRatio),
      ratio: Math.round(ratio * 1000) / 1000,
      cpuPerRequestRatio: round3(cpuRatio),
      twilioSmsRatio: Math.round(twRatio * 1000) / 1000,
      twilioSmsCpuPerRequestRatio: round3(twCpuRatio),
      intakes: { inDatabase: intakesInDb, endResponses, twilioSms: { inDatabase: twIntakesInDb, endResponses: twEndResponses }, cluster: { inDatabase: clusterIntakes, endResponses: clusterEnds } },
      targets: {
        ratio: { target: TARGET_RATIO, value: Math.round(ratio * 1000) / 1000, met: ratio >= TARGET_RATIO },
        p99: {
          targetMs: TARGET_P99_MS,
          rate: opts.rate,
          valueMs: passReport.openLoop.latencyMs.p99,
          met: passReport.openLoop.latencyMs.p99 < TARGET_P99_MS,
        },
        twilioSms: {
          ratio: { target: TARGET_TWILIO_RATIO, value: Math.round(twRatio * 1000) / 1000, met: twRatio >= TARGET_TWILIO_RATIO },
          p99: { targetMs: TARGET_P99_MS, rate: opts.rate, valueMs: twReport.openLoop.latencyMs.p99, met: twReport.openLoop.latencyMs.p99 <= TARGET_P99_MS },
        },
        intakeP99: { targetMs: TARGET_INTAKE_P99_MS, valueMs: passReport.openLoop.lastStepLatencyMs.p99, met: passReport.openLoop.lastStepLatencyMs.p99 <= TARGET_INTAKE_P99_MS },
        peakRss: { targetMb: TARGET_RSS_MB, valueMb: passReport.peakRssMb, met: passReport.peakRssMb !== null && passReport.peakRssMb <= TARGET_RSS_MB },
        restart: { targetMs: TARGET_RESTART_MS, valueMs: restartMs, met: restartMs <= TARGET_RESTART_MS },
      },
      profile,
      openLoopProfile,
      bareProfile,
      twilioSmsProfile: twilioProfile,
      totalRuntimeS: 0,
    };
    summary.totalRuntimeS = Math.round((Date.now() - startedAt) / 100) / 10;

    const jsonPath = path.join(os.tmpdir(), 'passerelle-bench-latest.json');
    fs.writeFileSync(jsonPath, JSON.stringify(summary, null, 2) + '\n');

    // ---- plain-text summary: one column per server
    const b = bareReport;
    const p = passReport;
    const t = twReport;
    const reports = [b, p, t, ...(clusterReport ? [clusterReport] : [])];
    const str = (v: number | string | null | undefined) => (v === null || v === undefined ? 'n/a' : String(v));
    const row = (name: string, f: (r: ServerReport) => string | number | null | undefined): string[] => [name, ...reports.map((r) => str(f(r)))];
    const rows: string[][] = [
      row('saturation req/s', (r) => r.saturation.reqPerSec.toFixed(0)),
      ['ratio Passerelle/bare', '', pct1(ratio), pct1(twRatio), ...(clusterReport ? [pct1(clusterRatio)] : [])],
      ['ratio by server CPU/request (noise-proof)', '', pct1(cpuRatio), pct1(twCpuRatio), ...(clusterReport ? [pct1(clusterCpuRatio)] : [])],
      row('server CPU at saturation (% of a core)', (r) => r.saturation.cpuPct),
      row('bench client CPU at saturation (%)', (r) => r.saturation.clientCpuPct),
      row('other processes CPU at saturation (%)', (r) => r.saturation.otherCpuPct),
      row('server CPU per request µs (saturation)', (r) => r.saturation.cpuUsPerRequest),
      row('bench client CPU per request µs (saturation)', (r) => r.saturation.clientCpuUsPerRequest),
      row('  of which signing (twilio SDK) µs', (r) => (r.saturation.signingUsPerRequest === undefined ? '-' : r.saturation.signingUsPerRequest)),
      row('saturation latency p50/p99 ms', (r) => `${r.saturation.latencyP50Ms} / ${r.saturation.latencyP99Ms}`),
      row('saturation requests', (r) => r.saturation.requests),
      row(`completed sessions (${STEP_TEXTS.length} req)`, (r) => r.saturation.completedSessions),
      row('sessions/s', (r) => r.saturation.sessionsPerSec),
      row('non-2xx / errors / timeouts', (r) => `${r.saturation.non2xx} / ${r.saturation.errors} / ${r.saturation.timeouts}`),
      row('unexpected bodies', (r) => r.saturation.unexpected),
      row(`open loop: sent req/s (target ${opts.rate})`, (r) => r.openLoop.achievedRate),
      row(`p50/p99 @${opts.rate} rps ms`, (r) => `${r.openLoop.latencyMs.p50} / ${r.openLoop.latencyMs.p99}`),
      row(`p90/max @${opts.rate} rps ms`, (r) => `${r.openLoop.latencyMs.p90} / ${r.openLoop.latencyMs.max}`),
      row(`  ${STEP_TEXTS.length}th request (intake) p50/p99 ms`, (r) => `${r.openLoop.lastStepLatencyMs.p50} / ${r.openLoop.lastStepLatencyMs.p99}`),
      row(`  requests 1-${LAST_STEP} p50/p99 ms`, (r) => `${r.openLoop.otherStepsLatencyMs.p50} / ${r.openLoop.otherStepsLatencyMs.p99}`),
      row('open loop responses / sent', (r) => `${r.openLoop.responses} / ${r.openLoop.sent}`),
      row('open loop sessions completed', (r) => r.openLoop.completedSessions),
      row('open loop non-2xx / errors / unexpected', (r) => `${r.openLoop.non2xx} / ${r.openLoop.errors} / ${r.openLoop.unexpected}`),
      row('server CPU per request µs (open loop)', (r) => r.openLoop.cpuUsPerRequest),
      row('bench client CPU per request µs (open loop)', (r) => r.openLoop.clientCpuUsPerRequest),
      row('other processes CPU in open loop (%)', (r) => r.openLoop.otherCpuPct),
      row('open loop max in flight / driver lag ms', (r) => `${r.openLoop.maxInFlight} / ${r.openLoop.maxScheduleLagMs}`),
      row('peak RSS (VmHWM) MB', (r) => r.peakRssMb),
      row('startup to healthy ms', (r) => r.startupMs),
    ];
    const noisy = reports.some((r) => (r.saturation.otherCpuPct ?? 0) > 25 || (r.openLoop.otherCpuPct ?? 0) > 25);
    const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
    const W = 17;
    const out: string[] = [];
    out.push('');
    out.push(`Passerelle USSD and Twilio SMS benchmark — node ${process.version}, ${os.cpus().length} CPUs${opts.profile ? ' — PROFILED RUN (--cpu-prof), slower than normal' : ''}`);
    out.push(
      `closed loop: ${opts.connections} connections × ${opts.duration} s after ${opts.warmup} s warm-up; open loop: ${opts.rate} req/s × ${opts.openDuration} s; ${STEP_TEXTS.length} requests per session`,
    );
    out.push(
      `Twilio SMS: ${TWILIO_SMS_PATH} on a second Passerelle process, one signed message per step (X-Twilio-Signature computed by the bench client, checked by the server); bare express is the USSD baseline`,
    );
    out.push('');
    out.push(`${pad('', w0)}${padL('bare express', W)}${padL('Passerelle USSD', W)}${padL('Twilio SMS', W)}${clusterReport ? padL('3× PG+Redis USSD', W + 2) : ''}`);
    for (const [name, ...values] of rows) out.push(`${pad(name, w0)}${values.map((v, i) => padL(v, i === 3 ? W + 2 : W)).join('')}`);
    out.push('');
    out.push(
      `intakes in database: ${intakesInDb} (END "Demande enregistrée" answers counted: ${endResponses} = warm-up ${p.warmup.completedSessions} + saturation ${p.saturation.completedSessions} + open loop ${p.openLoop.completedSessions}${
        intakesInDb > endResponses ? `; ${intakesInDb - endResponses} more were confirmed by requests still in flight when a closed-loop run stopped` : ''
      })`,
    );
    out.push(
      `Twilio SMS intakes in database: ${twIntakesInDb} (TwiML "Demande enregistrée" replies counted: ${twEndResponses} = warm-up ${t.warmup.completedSessions} + saturation ${t.saturation.completedSessions} + open loop ${t.openLoop.completedSessions}${
        twIntakesInDb > twEndResponses ? `; ${twIntakesInDb - twEndResponses} more were confirmed by requests still in flight when a closed-loop run stopped` : ''
      })`,
    );
    if (clusterReport) {
      out.push(
        `3 instances behind haproxy (PostgreSQL + Redis), the USSD walk of the second column: intakes in PostgreSQL ${clusterIntakes} (END answers counted: ${clusterEnds}); its CPU and memory rows count the three instances (PostgreSQL, Redis and haproxy are in "other processes"); all share this machine's ${os.cpus().length} CPUs with the bench client`,
      );
    } else out.push(`3 instances on PostgreSQL + Redis: skipped (${'skipped' in started ? started.skipped : ''})`);
    const samples = reports.flatMap((r) => [...r.saturation.unexpectedSamples, ...r.openLoop.unexpectedSamples].map((x) => `${r.name}: ${x}`));
    if (samples.length) out.push(`unexpected answers, e.g.: ${samples.slice(0, 3).join(' ;; ')}`);
    if (noisy) {
      out.push('WARNING: other processes used more than a quarter of a core during a phase; the numbers are disturbed (see "other processes CPU").');
    }
    out.push('');
    const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
    const targetLines: Array<[string, string, boolean]> = [
      [`USSD throughput ≥ ${TARGET_RATIO * 100} % of bare`, `${(ratio * 100).toFixed(1)} % (by CPU/request ${pct1(cpuRatio)})`, ratio >= TARGET_RATIO],
      [`Twilio SMS throughput ≥ ${TARGET_TWILIO_RATIO * 100} % of bare`, `${(twRatio * 100).toFixed(1)} % (by CPU/request ${pct1(twCpuRatio)})`, twRatio >= TARGET_TWILIO_RATIO],
      [`USSD p99 ≤ ${TARGET_P99_MS} ms at ${opts.rate} req/s`, `${p.openLoop.latencyMs.p99} ms`, p.openLoop.latencyMs.p99 <= TARGET_P99_MS],
      [
        `intake hop p99 ≤ ${TARGET_INTAKE_P99_MS} ms at ${opts.rate} req/s`,
        `${p.openLoop.lastStepLatencyMs.p99} ms (${p.openLoop.completedSessions} intakes sampled)`,
        p.openLoop.lastStepLatencyMs.p99 <= TARGET_INTAKE_P99_MS,
      ],
      [`peak RSS ≤ ${TARGET_RSS_MB} MB`, `${p.peakRssMb} MB`, p.peakRssMb !== null && p.peakRssMb <= TARGET_RSS_MB],
      [`restart to /healthz ≤ ${TARGET_RESTART_MS} ms (alone, migrations current)`, `${restartMs} ms`, restartMs <= TARGET_RESTART_MS],
    ];
    for (const [what, value, met] of targetLines) out.push(`target: ${what}: ${value} — ${verdict(met)}`);
    for (const prof of [profile, openLoopProfile, twilioProfile]) {
      if (!prof) continue;
      out.push('');
      out.push(formatProfileSummary(prof));
    }
    if (bareProfile) {
      out.push('');
      out.push(formatProfileSummary(bareProfile, { concernsOnly: true }));
    }
    out.push('');
    out.push(`JSON summary: ${jsonPath}`);
    out.push(`total runtime ${summary.totalRuntimeS} s`);
    process.stdout.write(out.join('\n') + '\n');

    const problems = reports.reduce((n, r) => n + r.saturation.non2xx + r.saturation.errors + r.saturation.unexpected + r.openLoop.non2xx + r.openLoop.errors + r.openLoop.unexpected, 0);
    const clusterShort = clusterReport !== undefined && (clusterIntakes === 0 || clusterIntakes < clusterEnds);
    if (problems > 0 || intakesInDb === 0 || intakesInDb < endResponses || twIntakesInDb === 0 || twIntakesInDb < twEndResponses || clusterShort) {
      process.stdout.write('bench: FAILED checks (non-2xx, errors, unexpected answers, or missing intakes)\n');
      failed = true;
    }
  } catch (err) {
    failed = true;
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  } finally {
    await Promise.all([...children].map((c) => stopChild(c, 3000)));
    killAllChildrenNow();
    for (const service of clusterServices.reverse()) await service.stop().catch(() => undefined);
    if (opts.keep || opts.profile) progress(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

void main();
