import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH, withoutFakeTime } from './browser';

/** Test files that drive the browser: those that import the shared launcher. */
function browserTestFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts') && fs.readFileSync(full, 'utf8').includes("support/browser'")) files.push(full);
    }
  };
  walk(root);
  return files;
}

/** Whether this run (`jest`, or `jest some/pattern`) includes a browser test. */
export function runNeedsBrowser(testRoot: string, patterns: string[]): boolean {
  const files = browserTestFiles(testRoot);
  if (patterns.length === 0) return files.length > 0;
  return files.some((file) => patterns.some((p) => new RegExp(p, 'i').test(file)));
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes the README's `npm test` enough on a fresh Debian machine: when Debian's Chromium
 * is missing and this process may install it (root, apt-get there), it installs it;
 * otherwise it stops the run at once with one line saying what to run.
 */
export function ensureBrowser(): void {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  const stop = (line: string): never => {
    process.stderr.write(`\n${line}\n\n`);
    process.exit(1);
  };
  if (process.env.CHROMIUM_PATH) stop(`The browser tests need Chromium: CHROMIUM_PATH=${CHROMIUM_PATH} does not exist.`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !commandExists('apt-get')) {
    stop('The browser tests need Debian\'s Chromium: run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH to a Chromium), then npm test again.');
  }
  process.stderr.write('\nChromium is missing: installing Debian\'s chromium for the browser tests (apt-get install -y chromium)...\n');
  // apt checks the dates of its package lists: it runs on the real clock even when the suite runs under faketime.
  const env = { ...withoutFakeTime(process.env), DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const detail = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-3).join(' ');
    stop(`Installing Chromium failed (${detail || 'apt-get'}): run "apt-get install -y chromium" yourself, then npm test again.`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) stop(`apt-get installed chromium but ${CHROMIUM_PATH} is not there: set CHROMIUM_PATH.`);
  process.stderr.write('Chromium installed.\n');
}
