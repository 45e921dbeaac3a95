'use strict';
// The Node.js flags `npm start` gives the server (package.json's start script, the one
// place they are written): the bench runs the server with them, and the tests check the
// systemd unit against them.
const fs = require('node:fs');
const path = require('node:path');

/** `node --a=1 --b=2 scripts/start.js` → ['--a=1', '--b=2']; any other shape is an error. */
function startFlags() {
  const start = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).scripts.start;
  const match = /^node((?: --[\w-]+=\S+)*) scripts\/start\.js$/.exec(start);
  if (!match) throw new Error(`package.json: the start script must read "node [--flag=value ...] scripts/start.js", not "${start}"`);
  return match[1].split(' ').filter(Boolean);
}

module.exports = { startFlags };
