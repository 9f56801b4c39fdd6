#!/usr/bin/env node
// Makes `npm test` self-sufficient on a fresh clone: installs the locked npm
// packages when node_modules is missing or older than package-lock.json.
// (npm records what it installed in node_modules/.package-lock.json.)
'use strict';
const { execSync } = require('child_process');
const { existsSync, readFileSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');
const installed = join(root, 'node_modules', '.package-lock.json');

function lockedPackages(file) {
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  const out = {};
  for (const [path, meta] of Object.entries(lock.packages || {})) {
    // Optional packages (other platforms' binaries) are locked but never installed here.
    if (path.startsWith('node_modules/') && !meta.optional) out[path] = meta.version;
  }
  return out;
}

function upToDate() {
  if (!existsSync(installed)) return false;
  const want = lockedPackages(join(root, 'package-lock.json'));
  const have = lockedPackages(installed);
  return Object.entries(want).every(([path, version]) => have[path] === version || !version);
}

if (upToDate()) process.exit(0);
process.stderr.write('scoped-agents: installing the locked npm packages (npm ci)…\n');
try {
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
} catch {
  process.stderr.write('scoped-agents: npm ci failed; check that the npm registry is reachable.\n');
  process.exit(1);
}
