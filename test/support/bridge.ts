import { execFileSync } from 'child_process';
import { readFileSync, rmSync } from 'fs';
import { join, resolve } from 'path';
import { tempDir } from '../helpers';

/**
 * Jest needs every test name before any test runs, but synthesis, the table
 * loader, iam-data and the simulator are all async: one child process (tsx,
 * as bin/scoped-agents.js runs the CLI) calls them and hands the results back
 * as JSON, so that proofs can generate their tests at collection time.
 */

const ROOT = resolve(__dirname, '..', '..');

/** One call in the child process: `require(module)[fn](...args)`, awaited. */
export interface BridgeCall {
  readonly module: string;
  readonly fn: string;
  readonly args: readonly unknown[];
}

const BRIDGE = `
const [calls, out] = process.argv.slice(1);
(async () => {
  const results = [];
  for (const { module, fn, args } of JSON.parse(calls)) results.push(await require(module)[fn](...args));
  require('fs').writeFileSync(out, JSON.stringify(results));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Runs the calls one after the other in a child process and returns their results (JSON round-tripped). */
export function callAll(calls: readonly BridgeCall[]): unknown[] {
  const dir = tempDir('scoped-agents-bridge-');
  const out = join(dir, 'results.json');
  try {
    execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', BRIDGE, JSON.stringify(calls), out], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Absolute path of a project file, for {@link BridgeCall.module}. */
export const moduleAt = (path: string): string => join(ROOT, path);
