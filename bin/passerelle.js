#!/usr/bin/env node
// The `passerelle` command: runs the TypeScript CLI through tsx (no build step).
require('tsx/cjs');
require('../src/cli/main.ts');
