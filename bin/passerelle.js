#!/usr/bin/env node
// The `passerelle` command, whatever name or link it is started by (npx goes through
// node_modules/.bin/passerelle): the compiled CLI when dist/ is current (npm ci builds
// it), else the TypeScript sources through tsx (during development, no build step).
const { isCurrent } = require('../scripts/build');
if (isCurrent()) require('../dist/cli/main.js').run(process.argv);
else {
  require('tsx/cjs');
  require('../src/cli/main.ts').run(process.argv);
}
