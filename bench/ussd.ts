/**
 * `npm run bench`: USSD throughput and latency of Passerelle against a bare Express baseline.
 *
 * Both servers run as child `node` processes on 127.0.0.1 (Passerelle with a fresh
 * SQLite database in a temp directory). Each is measured in two ways, with the same
 * request bodies: whole simulated callback sessions in French (12 requests, the last
 * one creates an intake), a new sessionId and a new fictional phone number per session.
 *
 * 1. Closed loop at saturation (autocannon): N connections, each walking sessions
 *    back to back for a fixed duration, after a short warm-up. Requests per second.
 * 2. Open loop at a steady rate: a request is sent every 1000/rate ms whether or not
 *    earlier ones were answered (next step of an idle session, or a new session).
 *    Latency percentiles.
 *
 * Then the peak RSS (VmHWM) of each server process, the intakes found in the
 * database, and a summary (also written as JSON to the OS temp directory).
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
import { formatProfileSummary, summariseCpuProfile, type ProfileSummary } from './profile';

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
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (argv.help) {
  process.stdout.write(
    'usage: npm run bench -- [--duration 10] [--open-duration 10] [--rate 200] [--connections 50] [--warmup 2] [--profile] [--keep]\n',
  );
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

/** The answers of a complete French callback request: 12 hops, the last one confirms. */
const STEP_TEXTS: string[] = ['', '1', '1*2', ...Array.from({ length: 9 }, (_, i) => '1*2' + '*1'.repeat(i + 1))];
const LAST_STEP = STEP_TEXTS.length - 1;

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

type ServerKind = 'bare' | 'passerelle';

/** What a good answer to `step` looks like for each server. */
function expectedReply(kind: ServerKind, step: number, body: string): boolean {
  if (kind === 'bare') return body === 'CON hello';
  return step === LAST_STEP ? body.startsWith('END Demande enregistrée') : body.startsWith('CON ');
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
  const proc = spawn(process.execPath, ['--require', path.join(__dirname, 'parentWatch.cjs'), '--import', 'tsx', ...nodeArgs], {
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

async function closedLoop(kind: ServerKind, port: number, durationS: number, connections: number): Promise<ClosedLoopResult> {
  const tally = new Tally(kind);
  const requests: autocannon.Request[] = STEP_TEXTS.map((text, step) => ({
    method: 'POST',
    path: USSD_PATH,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // The context is per connection and reset by autocannon when the sequence starts over.
    setupRequest: (req, context) => {
      const ctx = context as Partial<SessionIds>;
      if (step === 0 || !ctx.sessionId) Object.assign(ctx, newSession());
      req.body = formBody(ctx as SessionIds, text);
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

async function openLoop(kind: ServerKind, port: number, rate: number, durationS: number): Promise<OpenLoopResult> {
  const tally = new Tally(kind);
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
    const body = formBody(s, STEP_TEXTS[s.step]);
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
        path: USSD_PATH,
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
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

async function withCpu<T extends { responses?: number; requests?: number }>(pid: number, run: () => Promise<T>): Promise<{ result: T & ServerCpu; window: [number, number] }> {
  const cpu0 = cpuTimeMs(pid);
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = nowUs();
  const result = await run();
  const t1 = nowUs();
  const cpu1 = cpuTimeMs(pid);
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
    },
    window: [t0, t1],
  };
}

function progress(line: string) {
  process.stdout.write(`[bench] ${line}\n`);
}

async function measure(kind: ServerKind, child: Child, startupMs: number): Promise<ServerReport> {
  progress(`${child.name}: warm-up ${opts.warmup} s (${opts.connections} connections)`);
  const warmup = await closedLoop(kind, child.port, opts.warmup, opts.connections);
  await sleep(300);
  progress(`${child.name}: closed loop ${opts.duration} s at saturation (${opts.connections} connections)`);
  const sat = await withCpu(child.pid, () => closedLoop(kind, child.port, opts.duration, opts.connections));
  const saturation = sat.result;
  progress(
    `${child.name}:   ${saturation.reqPerSec.toFixed(0)} req/s, ${saturation.completedSessions} sessions, non-2xx ${saturation.non2xx}, errors ${saturation.errors}`,
  );
  await sleep(500);
  progress(`${child.name}: open loop ${opts.openDuration} s at ${opts.rate} req/s`);
  const ol = await withCpu(child.pid, () => openLoop(kind, child.port, opts.rate, opts.openDuration));
  const open = ol.result;
  progress(
    `${child.name}:   p50 ${open.latencyMs.p50} ms, p99 ${open.latencyMs.p99} ms, max ${open.latencyMs.max} ms, ${open.achievedRate} req/s sent`,
  );
  if (child.exitCode !== undefined) throw new Error(`${child.name} exited during the run:\n${logTail(child)}`);
  return {
    name: child.name,
    pid: child.pid,
    startupMs,
    warmup,
    saturation,
    openLoop: open,
    peakRssMb: peakRssMb(child.pid),
    windows: { saturation: sat.window, openLoop: ol.window },
  };
}

function pad(s: string, n: number) {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function padL(s: string, n: number) {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

async function main() {
  const startedAt = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-'));
  const dbFile = path.join(tmp, 'bench.db');
  const profileDir = path.join(tmp, 'cpu-profiles');
  // Whatever else happens, the run is bounded in time.
  const budgetS = 90 + 3 * (opts.warmup + opts.duration + opts.openDuration);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${budgetS} s, giving up\n`);
    killAllChildrenNow();
    process.exit(1);
  }, budgetS * 1000);
  watchdog.unref();

  const [barePort, passPort] = await Promise.all([freePort(), freePort()]);
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
  const profArgs = (name: string) => (opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : []);
  const passArgs = [...profArgs('passerelle'), 'src/main.ts'];
  const bareArgs = [...profArgs('bare'), 'bench/bareServer.ts'];

  progress(`node ${process.version}, ${os.cpus().length} CPUs, temp dir ${tmp}`);
  progress('starting bare express and Passerelle (migrations run on start)');
  const bare = spawnNode('bare express', bareArgs, { ...baseEnv, PORT: String(barePort) }, barePort, path.join(tmp, 'bare.log'));
  const pass = spawnNode('Passerelle', passArgs, passEnv, passPort, path.join(tmp, 'passerelle.log'));

  let failed = false;
  try {
    const [bareStartup, passStartup] = await Promise.all([waitHealthy(bare), waitHealthy(pass)]);
    progress(`ready: bare express pid ${bare.pid} in ${bareStartup} ms, Passerelle pid ${pass.pid} in ${passStartup} ms`);

    const bareReport = await measure('bare', bare, bareStartup);
    await stopChild(bare, opts.profile ? 20_000 : 5000);
    const passReport = await measure('passerelle', pass, passStartup);
    await stopChild(pass, opts.profile ? 20_000 : 5000);
    if (pass.exitCode !== 0 && pass.exitCode !== undefined) progress(`Passerelle exited with code ${pass.exitCode}`);

    const intakesInDb = countIntakes(dbFile);
    const endResponses =
      passReport.warmup.completedSessions + passReport.saturation.completedSessions + passReport.openLoop.completedSessions;

    let profile: ProfileSummary | undefined;
    let openLoopProfile: ProfileSummary | undefined;
    let bareProfile: ProfileSummary | undefined;
    if (opts.profile) {
      const [sFrom, sTo] = passReport.windows.saturation;
      const [oFrom, oTo] = passReport.windows.openLoop;
      const passFile = largestProfile(path.join(profileDir, 'passerelle'));
      const bareFile = largestProfile(path.join(profileDir, 'bare'));
      if (passFile) {
        profile = summariseCpuProfile(passFile, 30, { fromUs: sFrom, toUs: sTo, label: 'Passerelle, closed loop at saturation only' });
        profile.requests = passReport.saturation.requests;
        openLoopProfile = summariseCpuProfile(passFile, 12, { fromUs: oFrom, toUs: oTo, label: `Passerelle, open loop at ${opts.rate} req/s only` });
        openLoopProfile.requests = passReport.openLoop.responses;
      } else progress('no CPU profile was written by Passerelle');
      if (bareFile) {
        const [bFrom, bTo] = bareReport.windows.saturation;
        bareProfile = summariseCpuProfile(bareFile, 10, { fromUs: bFrom, toUs: bTo, label: 'bare express, closed loop at saturation only' });
        bareProfile.requests = bareReport.saturation.requests;
      } else progress('no CPU profile was written by bare express');
    }

    const ratio = passReport.saturation.reqPerSec / bareReport.saturation.reqPerSec;
    // Throughput a server would reach on a core of its own is about 1 / (its CPU per request):
    // this ratio barely moves when other processes compete for the CPUs.
    const bareCpu = bareReport.saturation.cpuUsPerRequest;
    const passCpu = passReport.saturation.cpuUsPerRequest;
    const cpuRatio = bareCpu && passCpu ? bareCpu / passCpu : null;
    const summary = {
      when: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      options: opts,
      scenario: `French callback request, ${STEP_TEXTS.length} requests per session, new sessionId and phone per session`,
      bare: bareReport,
      passerelle: passReport,
      ratio: Math.round(ratio * 1000) / 1000,
      cpuPerRequestRatio: cpuRatio === null ? null : Math.round(cpuRatio * 1000) / 1000,
      intakes: { inDatabase: intakesInDb, endResponses },
      targets: {
        ratio: { target: TARGET_RATIO, value: Math.round(ratio * 1000) / 1000, met: ratio >= TARGET_RATIO },
        p99: {
          targetMs: TARGET_P99_MS,
          rate: opts.rate,
          valueMs: passReport.openLoop.latencyMs.p99,
          met: passReport.openLoop.latencyMs.p99 < TARGET_P99_MS,
        },
      },
      profile,
      openLoopProfile,
      bareProfile,
      totalRuntimeS: 0,
    };
    summary.totalRuntimeS = Math.round((Date.now() - startedAt) / 100) / 10;

    const jsonPath = path.join(os.tmpdir(), 'passerelle-bench-latest.json');
    fs.writeFileSync(jsonPath, JSON.stringify(summary, null, 2) + '\n');

    // ---- plain-text summary
    const b = bareReport;
    const p = passReport;
    const rows: Array<[string, string, string]> = [
      ['saturation req/s', b.saturation.reqPerSec.toFixed(0), p.saturation.reqPerSec.toFixed(0)],
      ['ratio Passerelle/bare', '', `${(ratio * 100).toFixed(1)} %`],
      ['ratio by server CPU/request (noise-proof)', '', cpuRatio === null ? 'n/a' : `${(cpuRatio * 100).toFixed(1)} %`],
      ['server CPU at saturation (% of a core)', String(b.saturation.cpuPct ?? 'n/a'), String(p.saturation.cpuPct ?? 'n/a')],
      ['bench client CPU at saturation (%)', String(b.saturation.clientCpuPct), String(p.saturation.clientCpuPct)],
      ['other processes CPU at saturation (%)', String(b.saturation.otherCpuPct ?? 'n/a'), String(p.saturation.otherCpuPct ?? 'n/a')],
      ['server CPU per request µs (saturation)', String(b.saturation.cpuUsPerRequest ?? 'n/a'), String(p.saturation.cpuUsPerRequest ?? 'n/a')],
      ['saturation latency p50/p99 ms', `${b.saturation.latencyP50Ms} / ${b.saturation.latencyP99Ms}`, `${p.saturation.latencyP50Ms} / ${p.saturation.latencyP99Ms}`],
      ['saturation requests', String(b.saturation.requests), String(p.saturation.requests)],
      ['completed sessions (12 req)', String(b.saturation.completedSessions), String(p.saturation.completedSessions)],
      ['sessions/s', String(b.saturation.sessionsPerSec), String(p.saturation.sessionsPerSec)],
      ['non-2xx / errors / timeouts', `${b.saturation.non2xx} / ${b.saturation.errors} / ${b.saturation.timeouts}`, `${p.saturation.non2xx} / ${p.saturation.errors} / ${p.saturation.timeouts}`],
      ['unexpected bodies', String(b.saturation.unexpected), String(p.saturation.unexpected)],
      [`open loop: sent req/s (target ${opts.rate})`, String(b.openLoop.achievedRate), String(p.openLoop.achievedRate)],
      [`p50/p99 @${opts.rate} rps ms`, `${b.openLoop.latencyMs.p50} / ${b.openLoop.latencyMs.p99}`, `${p.openLoop.latencyMs.p50} / ${p.openLoop.latencyMs.p99}`],
      [`p90/max @${opts.rate} rps ms`, `${b.openLoop.latencyMs.p90} / ${b.openLoop.latencyMs.max}`, `${p.openLoop.latencyMs.p90} / ${p.openLoop.latencyMs.max}`],
      [`  12th request (intake) p50/p99 ms`, `${b.openLoop.lastStepLatencyMs.p50} / ${b.openLoop.lastStepLatencyMs.p99}`, `${p.openLoop.lastStepLatencyMs.p50} / ${p.openLoop.lastStepLatencyMs.p99}`],
      [`  requests 1-11 p50/p99 ms`, `${b.openLoop.otherStepsLatencyMs.p50} / ${b.openLoop.otherStepsLatencyMs.p99}`, `${p.openLoop.otherStepsLatencyMs.p50} / ${p.openLoop.otherStepsLatencyMs.p99}`],
      ['open loop responses / sent', `${b.openLoop.responses} / ${b.openLoop.sent}`, `${p.openLoop.responses} / ${p.openLoop.sent}`],
      ['open loop sessions completed', String(b.openLoop.completedSessions), String(p.openLoop.completedSessions)],
      ['open loop non-2xx / errors / unexpected', `${b.openLoop.non2xx} / ${b.openLoop.errors} / ${b.openLoop.unexpected}`, `${p.openLoop.non2xx} / ${p.openLoop.errors} / ${p.openLoop.unexpected}`],
      ['server CPU per request µs (open loop)', String(b.openLoop.cpuUsPerRequest ?? 'n/a'), String(p.openLoop.cpuUsPerRequest ?? 'n/a')],
      ['other processes CPU in open loop (%)', String(b.openLoop.otherCpuPct ?? 'n/a'), String(p.openLoop.otherCpuPct ?? 'n/a')],
      ['open loop max in flight / driver lag ms', `${b.openLoop.maxInFlight} / ${b.openLoop.maxScheduleLagMs}`, `${p.openLoop.maxInFlight} / ${p.openLoop.maxScheduleLagMs}`],
      ['peak RSS (VmHWM) MB', String(b.peakRssMb ?? 'n/a'), String(p.peakRssMb ?? 'n/a')],
      ['startup to healthy ms', String(b.startupMs), String(p.startupMs)],
    ];
    const noisy = [b.saturation, p.saturation, b.openLoop, p.openLoop].some((r) => (r.otherCpuPct ?? 0) > 25);
    const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
    const out: string[] = [];
    out.push('');
    out.push(`Passerelle USSD benchmark — node ${process.version}, ${os.cpus().length} CPUs${opts.profile ? ' — PROFILED RUN (--cpu-prof), slower than normal' : ''}`);
    out.push(
      `closed loop: ${opts.connections} connections × ${opts.duration} s after ${opts.warmup} s warm-up; open loop: ${opts.rate} req/s × ${opts.openDuration} s; ${STEP_TEXTS.length} requests per session`,
    );
    out.push('');
    out.push(`${pad('', w0)}${padL('bare express', 16)}${padL('Passerelle', 16)}`);
    for (const [name, bv, pv] of rows) out.push(`${pad(name, w0)}${padL(bv, 16)}${padL(pv, 16)}`);
    out.push('');
    out.push(
      `intakes in database: ${intakesInDb} (END "Demande enregistrée" answers counted: ${endResponses} = warm-up ${p.warmup.completedSessions} + saturation ${p.saturation.completedSessions} + open loop ${p.openLoop.completedSessions}${
        intakesInDb > endResponses ? `; ${intakesInDb - endResponses} more were confirmed by requests still in flight when a closed-loop run stopped` : ''
      })`,
    );
    const samples = [...p.saturation.unexpectedSamples, ...p.openLoop.unexpectedSamples, ...b.saturation.unexpectedSamples, ...b.openLoop.unexpectedSamples];
    if (samples.length) out.push(`unexpected answers, e.g.: ${samples.slice(0, 3).join(' ;; ')}`);
    if (noisy) {
      out.push('WARNING: other processes used more than a quarter of a core during a phase; the numbers are disturbed (see "other processes CPU").');
    }
    out.push('');
    out.push(`target: Passerelle ≥ ${TARGET_RATIO * 100} % of bare throughput: ${(ratio * 100).toFixed(1)} % — ${ratio >= TARGET_RATIO ? 'MET' : 'MISSED'}`);
    out.push(
      `target: p99 < ${TARGET_P99_MS} ms at ${opts.rate} req/s: ${p.openLoop.latencyMs.p99} ms — ${p.openLoop.latencyMs.p99 < TARGET_P99_MS ? 'MET' : 'MISSED'}`,
    );
    for (const prof of [profile, openLoopProfile]) {
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

    const problems =
      p.saturation.non2xx + p.saturation.errors + p.saturation.unexpected + p.openLoop.non2xx + p.openLoop.errors + p.openLoop.unexpected +
      b.saturation.non2xx + b.saturation.errors + b.saturation.unexpected + b.openLoop.non2xx + b.openLoop.errors + b.openLoop.unexpected;
    if (problems > 0 || intakesInDb === 0 || intakesInDb < endResponses) {
      process.stdout.write('bench: FAILED checks (non-2xx, errors, unexpected answers, or missing intakes)\n');
      failed = true;
    }
  } catch (err) {
    failed = true;
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  } finally {
    await Promise.all([...children].map((c) => stopChild(c, 3000)));
    killAllChildrenNow();
    if (opts.keep || opts.profile) progress(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

void main();
