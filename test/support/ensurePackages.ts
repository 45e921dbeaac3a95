import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH, withoutFakeTime } from './browser';

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** A Debian package some tests need, how to tell it is there, and which test files need it. */
interface Needed {
  pkg: string;
  present(): boolean;
  /** Text found in the test files that need it (the import of their support module). */
  marker: string;
  /** What needs it, for the messages. */
  purpose: string;
}

const NEEDED: Needed[] = [
  { pkg: 'chromium', present: () => fs.existsSync(CHROMIUM_PATH), marker: "support/browser'", purpose: 'the browser tests' },
  { pkg: 'nginx', present: () => fs.existsSync('/usr/sbin/nginx') || commandExists('nginx'), marker: "support/deployTools'", purpose: "the deployment files' tests (nginx -t)" },
  { pkg: 'systemd', present: () => commandExists('systemd-analyze'), marker: "support/deployTools'", purpose: "the deployment files' tests (systemd-analyze verify)" },
];

/** The test files of this run (`jest`, or `jest some/pattern`). */
function testFiles(root: string, patterns: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts')) files.push(full);
    }
  };
  walk(root);
  return patterns.length === 0 ? files : files.filter((file) => patterns.some((p) => new RegExp(p, 'i').test(file)));
}

/**
 * Makes the README's `npm test` enough on a fresh Debian machine: the Debian packages this
 * run's tests need (Chromium for the browser tests, nginx and systemd's tools for the
 * deployment files) are installed when they are missing and this process may install
 * them (root, apt-get there); otherwise the run stops at once with one line saying what
 * to run.
 */
export function ensurePackages(testRoot: string, patterns: string[]): void {
  const files = testFiles(testRoot, patterns).map((file) => fs.readFileSync(file, 'utf8'));
  const wanted = NEEDED.filter((n) => files.some((text) => text.includes(n.marker)));
  const missing = [...new Set(wanted.filter((n) => !n.present()).map((n) => n.pkg))];
  if (missing.length === 0) return;
  const stop = (line: string): never => {
    process.stderr.write(`\n${line}\n\n`);
    process.exit(1);
  };
  if (missing.includes('chromium') && process.env.CHROMIUM_PATH) stop(`The browser tests need Chromium: CHROMIUM_PATH=${CHROMIUM_PATH} does not exist.`);
  const purposes = wanted.filter((n) => missing.includes(n.pkg)).map((n) => n.purpose);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !commandExists('apt-get')) {
    stop(`${[...new Set(purposes)].join(' and ')} need Debian's ${missing.join(', ')}: run "sudo apt-get install -y ${missing.join(' ')}", then npm test again.`);
  }
  process.stderr.write(`\n${missing.join(', ')} missing: installing from Debian for ${[...new Set(purposes)].join(' and ')} (apt-get install -y ${missing.join(' ')})...\n`);
  // apt checks the dates of its package lists: it runs on the real clock even when the suite runs under faketime.
  const env = { ...withoutFakeTime(process.env), DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const detail = String((err as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    stop(`Installing ${missing.join(', ')} failed (${detail || 'apt-get'}): run "apt-get install -y ${missing.join(' ')}" yourself, then npm test again.`);
  }
  const still = wanted.filter((n) => !n.present()).map((n) => n.pkg);
  if (still.length > 0) stop(`apt-get installed ${missing.join(', ')} but ${still.join(', ')} cannot be found${still.includes('chromium') ? ` (${CHROMIUM_PATH}: set CHROMIUM_PATH)` : ''}.`);
  process.stderr.write(`${missing.join(', ')} installed.\n`);
}
