/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`): where the server
 * process spent its CPU time, by function (self and inclusive time) and by module.
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  window?: string;
  /** Requests answered in the window, when known: adds a per-request column. */
  requests?: number;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byModule: Array<{ module: string; selfMs: number; pctBusy: number }>;
  /** Each sample charged to the nearest non-runtime frame on its stack, grouped by concern. */
  byConcern: Array<{ concern: string; ms: number; pctBusy: number }>;
  topSelf: Array<{ fn: string; selfMs: number; pctBusy: number }>;
  topInclusive: Array<{ fn: string; inclusiveMs: number; pctBusy: number }>;
}

const root = path.resolve(__dirname, '..');

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root + '/')) u = u.slice(root.length + 1);
  return u;
}

/** The package (node_modules/...), project file (src/...) or runtime bucket a frame belongs to. */
export function moduleOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) {
    if (/^\((garbage collector|idle|program|root)\)$/.test(frame.functionName)) return frame.functionName;
    return '(native)';
  }
  if (url.startsWith('node:')) return 'node:internal';
  const u = shortUrl(url);
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (u.startsWith('src/generated/')) return 'src/generated (prisma client)';
  return u;
}

/** Concerns, matched on the script URL of the nearest frame that is not Node.js internals or native code. */
const CONCERNS: Array<[string, RegExp]> = [
  ['database: Prisma client, query engine (wasm), better-sqlite3 adapter, src/caseLink', /@prisma\/|wasm:\/\/|better-sqlite3|\/src\/generated\/|\/src\/caseLink\/|\/src\/db\.ts/],
  ['i18n: i18next and src/locales', /i18next|\/src\/locales\//],
  ['request logging: pino-http, pino, serializers, redact', /pino|@pinojs/],
  ['validation: zod, libphonenumber-js', /\/zod\/|libphonenumber/],
  ['Twilio SDK: signature check (validateRequest, HMAC-SHA1), TwiML (xmlbuilder)', /node_modules\/(twilio|xmlbuilder)\//],
  ['SMS rendering: segment count (sms-segments-calculator, grapheme-splitter), src/channels/sms', /sms-segments-calculator|grapheme-splitter|\/src\/channels\/sms\//],
  ['flow engine, gateway, channels: USSD, SMS (src)', /\/src\/(flows|gateway|channels|directory|crypto)\//],
  [
    'HTTP stack: express, router, body-parser, qs, src/app.ts',
    /node_modules\/(express|router|body-parser|qs|raw-body|type-is|parseurl|on-finished|finalhandler|content-type|mime-types|mime-db|media-typer|etag|fresh|send|iconv-lite|http-errors|depd|statuses|encodeurl|escape-html|proxy-addr|forwarded|negotiator|accepts|vary|cookie|side-channel[^/]*|call-bound|get-intrinsic|es-[^/]*|debug|ms|path-to-regexp)\/|\/src\/app\.ts|\/src\/server\.ts/,
  ],
];

function concernOf(stack: CallFrame[]): string {
  // stack[0] is the leaf.
  if (stack.length && /^\((garbage collector|program|idle)\)$/.test(stack[0].functionName)) return stack[0].functionName;
  for (const frame of stack) {
    if (!frame.url || frame.url.startsWith('node:')) continue;
    for (const [name, re] of CONCERNS) if (re.test(frame.url)) return name;
    return `other: ${moduleOf(frame)}`;
  }
  return 'Node.js runtime only (HTTP parser, sockets, timers, microtasks)';
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/**
 * `window` (microseconds of CLOCK_MONOTONIC, which is what both V8 profile timestamps
 * and `process.hrtime` read on Linux) restricts the summary to samples taken in it.
 */
export function summariseCpuProfile(file: string, top = 25, window?: { fromUs: number; toUs: number; label?: string }): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfByNode = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t >= window.toUs)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0; // time until the next sample is spent in this one
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  let totalUs = 0;
  let idleUs = 0;
  const selfByFn = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  const byConcern = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const node = byId.get(id)!;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = label(node.callFrame);
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    const mod = moduleOf(node.callFrame);
    selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + us);
    const stack: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
    const concern = concernOf(stack);
    byConcern.set(concern, (byConcern.get(concern) ?? 0) + us);
    // Inclusive: credit every distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const k = label(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveByFn.set(k, (inclusiveByFn.get(k) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => Math.round((1000 * us) / Math.max(1, busyUs)) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    window: window?.label,
    totalMs: ms(totalUs),
    idleMs: ms(idleUs),
    busyMs: ms(busyUs),
    byModule: sorted(selfByModule)
      .slice(0, top)
      .map(([module, us]) => ({ module, selfMs: ms(us), pctBusy: pct(us) })),
    byConcern: sorted(byConcern).map(([concern, us]) => ({ concern, ms: ms(us), pctBusy: pct(us) })),
    topSelf: sorted(selfByFn)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, selfMs: ms(us), pctBusy: pct(us) })),
    topInclusive: sorted(inclusiveByFn)
      .filter(([fn]) => !/^\((program|garbage collector)\)/.test(fn))
      .slice(0, top)
      .map(([fn, us]) => ({ fn, inclusiveMs: ms(us), pctBusy: pct(us) })),
  };
}

export function formatProfileSummary(s: ProfileSummary, { concernsOnly = false } = {}): string {
  const lines: string[] = [];
  const perReq = (ms: number) => (s.requests ? `${((ms * 1000) / s.requests).toFixed(0).padStart(6)} µs/req  ` : '');
  lines.push(`CPU profile${s.window ? ` (${s.window})` : ''}: ${s.file}`);
  lines.push(`  sampled ${s.totalMs} ms, idle ${s.idleMs} ms, busy ${s.busyMs} ms${s.requests ? ` for ${s.requests} requests (${perReq(s.busyMs).trim()})` : ''} (percentages are of busy time)`);
  lines.push('  busy time by concern (each sample charged to the nearest frame outside Node.js internals):');
  for (const c of s.byConcern.filter((c) => c.pctBusy >= 0.1)) {
    lines.push(`    ${c.pctBusy.toFixed(1).padStart(5)}%  ${c.ms.toFixed(0).padStart(7)} ms  ${perReq(c.ms)}${c.concern}`);
  }
  if (concernsOnly) return lines.join('\n');
  lines.push('  self time by module:');
  for (const m of s.byModule) lines.push(`    ${m.pctBusy.toFixed(1).padStart(5)}%  ${m.selfMs.toFixed(0).padStart(7)} ms  ${m.module}`);
  lines.push('  top functions by self time:');
  for (const f of s.topSelf) lines.push(`    ${f.pctBusy.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.fn}`);
  lines.push('  top functions by inclusive time:');
  for (const f of s.topInclusive) lines.push(`    ${f.pctBusy.toFixed(1).padStart(5)}%  ${f.inclusiveMs.toFixed(0).padStart(7)} ms  ${f.fn}`);
  return lines.join('\n');
}

// `tsx bench/profile.ts <file.cpuprofile>` prints a summary of an existing profile.
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfileSummary(summariseCpuProfile(file, Number(process.argv[3] ?? 25))) + '\n');
}
