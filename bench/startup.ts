/**
 * `npm run bench:startup`: the wall time of `scoped-agents validate` on the
 * seed table, as a user runs it (the compiled package's bin in a fresh Node
 * process), against a bare `node -e ""` in the same process tree, and against
 * the bin of a checkout (tsx compiling the sources). Prints, does not fail.
 *
 * The compiled package is laid out as `npm install` lays it out (package.json,
 * bin/, lib/, schema/), in a temporary project, with the repository's
 * node_modules beside it; the script compiles lib/ first.
 *
 * Run: node -r tsx/cjs bench/startup.ts [--runs 20]
 */
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt === -1 ? 20 : Number(process.argv[runsAt + 1]);

function installedCopy(): string {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'scoped-agents-startup-'));
  const pkg = join(dir, 'node_modules', 'scoped-agents');
  for (const part of ['package.json', 'bin', 'lib', 'schema']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  return dir;
}

/** Milliseconds of wall time of each run, the first (cold file cache) dropped. */
function time(argv: readonly string[], cwd: string): number[] {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  return times.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const row = (name: string, t: number[], base: number[]): string =>
  `| ${name} | ${at(t, 0.5).toFixed(0)} | ${at(t, 0.9).toFixed(0)} | ${(at(t, 0.5) / at(base, 0.5)).toFixed(1)}× |`;

const dir = installedCopy();
try {
  const table = join(ROOT, 'agents.yaml');
  const bare = time(['-e', ''], dir);
  const compiled = time([join(dir, 'node_modules', 'scoped-agents', 'bin', 'scoped-agents.js'), 'validate', '--table', table], dir);
  const version = time([join(dir, 'node_modules', 'scoped-agents', 'bin', 'scoped-agents.js'), '--version'], dir);
  const checkout = time([join(ROOT, 'bin', 'scoped-agents.js'), 'validate', '--table', table], ROOT);
  process.stdout.write(
    [
      `scoped-agents startup, ${RUNS} runs each (Node ${process.version}); ms of wall time`,
      '',
      '| command | p50 | p90 | p50 against bare node |',
      '|---|---:|---:|---:|',
      row('`node -e ""` (baseline)', bare, bare),
      row('`scoped-agents --version` (installed)', version, bare),
      row('`scoped-agents validate` on agents.yaml (installed, compiled)', compiled, bare),
      row('`node bin/scoped-agents.js validate` (checkout, tsx)', checkout, bare),
      '',
      `validate target ≤ 300 ms: ${at(compiled, 0.5) <= 300 ? 'met' : 'NOT met'} (p50 ${at(compiled, 0.5).toFixed(0)} ms)`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
