'use strict';
/**
 * The compiled server: `src/` compiled by TypeScript into `dist/`, with the files that
 * are not code (locales, flow definitions, the simulator's pages, the demo directory)
 * copied beside it. `npm ci` builds it (postinstall), `npm start` and the `passerelle`
 * command run it, and rebuild first only when the sources changed since (a stamp holds a
 * hash of every source file and of the settings that shape the build).
 *
 * Plain JavaScript: it runs before anything is compiled, without a TypeScript loader.
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');
/** Besides src/: what changes the output. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function filesUnder(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(file) : entry.isFile() ? [file] : [];
    })
    .sort();
}

/** A hash of every source file (path and content) and of the build's settings. */
function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [...filesUnder(SRC), ...INPUTS.map((f) => path.join(ROOT, f)).filter((f) => fs.existsSync(f))]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/ was built from the sources as they are now. */
function isCurrent() {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim() === sourceHash();
  } catch {
    return false;
  }
}

/** Compiles src/ into dist/ (from scratch) and copies the files that are not code. */
function build({ quiet = false } = {}) {
  const started = Date.now();
  const hash = sourceHash();
  fs.rmSync(DIST, { recursive: true, force: true });
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  let copied = 0;
  for (const file of filesUnder(SRC)) {
    if (file.endsWith('.ts')) continue;
    const target = path.join(DIST, path.relative(SRC, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    copied += 1;
  }
  fs.writeFileSync(STAMP, `${hash}\n`);
  if (!quiet) process.stdout.write(`built dist/ from src/ (${copied} files copied beside the code) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** Builds unless dist/ is current; says so on stderr when it has to (a start after a change). */
function ensureBuilt() {
  if (isCurrent()) return;
  process.stderr.write('passerelle: the sources changed since the last build: building dist/ first\n');
  build({ quiet: true });
}

module.exports = { build, ensureBuilt, isCurrent, DIST };

if (require.main === module) build();
