#!/usr/bin/env node
'use strict';
// Runs the bundled CLI; `npm run build` (or `npm start`) creates dist/.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('anchor-lab: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
require(cli).main();
