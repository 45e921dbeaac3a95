'use strict';
// `npm start`: the compiled server (dist/), rebuilt first only if the sources changed
// since `npm ci` built it. `npm run dev` runs the TypeScript sources through tsx.
require('./build').ensureBuilt();
require('../dist/main.js');
