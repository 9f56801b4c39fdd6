#!/usr/bin/env node
// The installed package runs its compiled JavaScript (lib/). A checkout of the
// repository has no lib/ to trust (it may be stale or absent), so there the
// TypeScript sources run through tsx, a devDependency: `npm ci` is the only set-up.
'use strict';
const { existsSync } = require('fs');
const { join } = require('path');

const sources = join(__dirname, '..', 'cli', 'main.ts');
if (existsSync(sources)) {
  require('tsx/cjs');
  require(sources).main();
} else {
  require('../lib/cli/main.js').main();
}
