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
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byModule: Array<{ module: string; selfMs: number; pctBusy: number }>;
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

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

export function summariseCpuProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0; // time until the next sample is spent in this one
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  let totalUs = 0;
  let idleUs = 0;
  const selfByFn = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
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
    totalMs: ms(totalUs),
    idleMs: ms(idleUs),
    busyMs: ms(busyUs),
    byModule: sorted(selfByModule)
      .slice(0, top)
      .map(([module, us]) => ({ module, selfMs: ms(us), pctBusy: pct(us) })),
    topSelf: sorted(selfByFn)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, selfMs: ms(us), pctBusy: pct(us) })),
    topInclusive: sorted(inclusiveByFn)
      .filter(([fn]) => !/^\((program|garbage collector)\)/.test(fn))
      .slice(0, top)
      .map(([fn, us]) => ({ fn, inclusiveMs: ms(us), pctBusy: pct(us) })),
  };
}

export function formatProfileSummary(s: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(`CPU profile ${s.file}`);
  lines.push(`  sampled ${s.totalMs} ms, idle ${s.idleMs} ms, busy ${s.busyMs} ms (percentages are of busy time)`);
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
