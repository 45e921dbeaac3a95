#!/usr/bin/env node
// The `passerelle` command: runs the TypeScript CLI through tsx (no build step),
// whatever name or link it is started by (npx goes through node_modules/.bin/passerelle).
require('tsx/cjs');
require('../src/cli/main.ts').run(process.argv);
