#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly, so `npm ci` is the only set-up.
require('tsx/cjs');
require('../cli/main.ts').main();
