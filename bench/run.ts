/**
 * `npm run bench [-- --sizes 100,1000,5000] [--keep]`: synth time and peak
 * memory of our fleet against bare cdktf building the same resources, and the
 * review commands on the 1,000-agent output. See bench/README.md.
 *
 * Every measurement runs in a fresh child process (this file with `--child`),
 * so each peak RSS (VmHWM) belongs to one measurement and no run warms the next.
 * Not a timed test: it prints, it does not fail.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { agentName, writeTable } from './generate';

/** What one child reports. */
interface Measurement {
  /** Seconds spent requiring the modules the measured work needs. */
  readonly loadS: number;
  /** Seconds of the measured work (see each mode). */
  readonly workS: number;
  /** Peak resident set size of the child, MB. */
  readonly peakMB: number;
  readonly detail?: Record<string, number | string>;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

function peakMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

function stackJsonPath(outdir: string): { name: string; file: string } {
  const [name] = readdirSync(join(outdir, 'stacks'));
  return { name, file: join(outdir, 'stacks', name, 'cdk.tf.json') };
}

async function child(mode: string, args: string[]): Promise<Measurement> {
  // Every mode as the CLI and main.ts synthesize: without source-mapped stack traces (see cli/commands/synth.ts).
  process.setSourceMapsEnabled(false);
  const t0 = now();
  if (mode === 'ours') {
    // loadFleet + buildFleetApp(...).app.synth(): what `scoped-agents synth` does, minus the agent documents.
    const [table, outdir] = args;
    const { loadFleet } = require('../table/load-fleet') as typeof import('../table/load-fleet');
    const { buildFleetApp } = require('../stacks/fleet-app') as typeof import('../stacks/fleet-app');
    const { writeAgentDocuments } = require('../stacks/agent-documents') as typeof import('../stacks/agent-documents');
    const t1 = now();
    const fleet = await loadFleet({ table });
    const t2 = now();
    const { app } = buildFleetApp(fleet, outdir, { stateDir: join(outdir, '..') });
    const t3 = now();
    app.synth();
    const t4 = now();
    const peak = peakMB();
    // The runbooks and snippets the CLI writes beside the stacks: not part of the comparison.
    writeAgentDocuments(fleet, outdir);
    const t5 = now();
    return { loadS: t1 - t0, workS: t4 - t1, peakMB: peak, detail: { loadFleetS: t2 - t1, constructS: t3 - t2, synthS: t4 - t3, documentsS: t5 - t4 } };
  }
  if (mode === 'bare-core' || mode === 'bare-classes' || mode === 'bare-refs') {
    // Construction + app.synth() of the same resources, from our JSON (parsing it is not timed).
    const [jsonFile, outdir] = args;
    const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
    const stackName = jsonFile.split('/').slice(-2)[0];
    const t0b = now();
    const { buildBaseline, preloadBindings } = require('./baseline') as typeof import('./baseline');
    if (mode !== 'bare-core') preloadBindings(json);
    const t1 = now();
    const app = buildBaseline(json, stackName, outdir, mode === 'bare-core' ? 'core' : mode === 'bare-classes' ? 'classes' : 'classes-refs');
    const t2 = now();
    app.synth();
    const t3 = now();
    return { loadS: t1 - t0b, workS: t3 - t1, peakMB: peakMB(), detail: { constructS: t2 - t1, synthS: t3 - t2 } };
  }
  if (mode === 'cli') {
    // One CLI command through run(), in-process, output discarded (its size is kept).
    const { run } = require('../cli/main') as typeof import('../cli/main');
    const t1 = now();
    let bytes = 0;
    let errors = '';
    const code = await run(args, { out: (t) => (bytes += t.length), err: (t) => (errors += t), cwd: process.cwd(), env: process.env });
    const t2 = now();
    return {
      loadS: t1 - t0,
      workS: t2 - t1,
      peakMB: peakMB(),
      detail: { exitCode: code, outputChars: bytes, ...(errors ? { stderr: errors.slice(0, 200) } : {}) },
    };
  }
  throw new Error(`unknown child mode ${mode}`);
}

function spawnChild(mode: string, args: string[], outdir?: string): Measurement & { wallS: number } {
  if (outdir) mkdirSync(dirname(outdir), { recursive: true });
  const t0 = now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-r', 'tsx/cjs', __filename, '--child', mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = now() - t0;
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (r.status !== 0 || !line) throw new Error(`child ${mode} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ...(JSON.parse(line.slice(6)) as Measurement), wallS };
}

const f = (n: number, d = 2): string => n.toFixed(d);

function main(): void {
  const argv = process.argv.slice(2);
  const sizesArg = argv.indexOf('--sizes');
  const sizes = sizesArg >= 0 ? argv[sizesArg + 1].split(',').map(Number) : [100, 1000, 5000];
  const keep = argv.includes('--keep');
  const dir = mkdtempSync(join(tmpdir(), 'scoped-agents-bench-'));
  const log = (t: string): void => void process.stderr.write(`${t}\n`);
  log(`bench: sizes ${sizes.join(', ')} in ${dir}`);

  const rows: { size: number; ours: Measurement; core: Measurement; classes: Measurement; refs: Measurement }[] = [];
  for (const size of sizes) {
    const table = writeTable(join(dir, 'tables'), size);
    const oursOut = join(dir, `ours-${size}`, 'cdktf.out');
    log(`  ${size}: ours…`);
    const ours = spawnChild('ours', [table, oursOut], oursOut);
    const { file } = stackJsonPath(oursOut);
    log(`  ${size}: bare cdktf (core)…`);
    const core = spawnChild('bare-core', [file, join(dir, `bare-core-${size}`)]);
    log(`  ${size}: bare cdktf (provider classes)…`);
    const classes = spawnChild('bare-classes', [file, join(dir, `bare-classes-${size}`)]);
    log(`  ${size}: bare cdktf (provider classes, references as tokens)…`);
    const refs = spawnChild('bare-refs', [file, join(dir, `bare-refs-${size}`)]);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const resources = Object.values(json.resource ?? {}).reduce((n: number, byName) => n + Object.keys(byName as object).length, 0);
    log(`  ${size}: ${resources} resources; ours ${f(ours.workS)}s, core ${f(core.workS)}s, classes ${f(classes.workS)}s, with references ${f(refs.workS)}s`);
    rows.push({ size, ours, core, classes, refs });
  }

  // The largest size again, sharded by name into shards of about 150 agents: the layout a fleet that size should use.
  const largest = Math.max(...sizes);
  const shardCount = Math.max(1, Math.round(largest / 150));
  let sharded: { size: number; shards: number; stacks: number; ours: Measurement } | undefined;
  if (largest >= 1000) {
    const table = writeTable(join(dir, 'tables'), largest, { shards: shardCount }, 'sharded');
    const out = join(dir, `ours-${largest}-sharded`, 'cdktf.out');
    log(`  ${largest} sharded (${shardCount} shards): ours…`);
    const ours = spawnChild('ours', [table, out], out);
    sharded = { size: largest, shards: shardCount, stacks: readdirSync(join(out, 'stacks')).length, ours };
    log(`  ${largest} sharded: ${sharded.stacks} stacks; ours ${f(ours.workS)}s`);
  }

  // Review commands on the 1,000-agent output; diff against the same fleet with one agent's grant widened.
  const cli: Record<string, Measurement & { wallS: number }> = {};
  if (sizes.includes(1000)) {
    const base = join(dir, 'ours-1000', 'cdktf.out');
    const headTable = writeTable(join(dir, 'tables'), 1000, { changedAgent: agentName(500) }, 'changed');
    const head = join(dir, 'ours-1000-changed', 'cdktf.out');
    log('  1000: synth of the diff head…');
    spawnChild('ours', [headTable, head], head);
    for (const [label, args] of [
      ['report', ['report', '--out', base]],
      ['report --format json', ['report', '--out', base, '--format', 'json']],
      ['diff', ['diff', base, head]],
      ['graph --format json', ['graph', '--out', base, '--format', 'json']],
    ] as const) {
      log(`  1000: ${label}…`);
      cli[label] = spawnChild('cli', [...args]);
    }
  }

  // The table.
  const out: string[] = [];
  out.push(
    '| agents | resources | ours s | ours MB | bare core s | bare classes s | bare classes + refs s | bare classes + refs MB | ours / core | ours / classes | ours / classes + refs |',
  );
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const file = stackJsonPath(join(dir, `ours-${r.size}`, 'cdktf.out')).file;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const resources = Object.values(json.resource ?? {}).reduce((n: number, byName) => n + Object.keys(byName as object).length, 0);
    out.push(
      `| ${r.size} | ${resources} | ${f(r.ours.workS)} | ${f(r.ours.peakMB, 0)} | ${f(r.core.workS)} | ${f(r.classes.workS)} | ${f(r.refs.workS)} | ${f(r.refs.peakMB, 0)} | ` +
        `${f(r.ours.workS / r.core.workS)}× | ${f(r.ours.workS / r.classes.workS)}× | ${f(r.ours.workS / r.refs.workS)}× |`,
    );
  }
  out.push('');
  out.push('Split of ours (s): load modules / loadFleet / construct / synth (+ agent documents, not counted)');
  for (const r of rows) {
    const d = r.ours.detail ?? {};
    out.push(
      `  ${r.size}: ${f(r.ours.loadS)} / ${f(Number(d.loadFleetS))} / ${f(Number(d.constructS))} / ${f(Number(d.synthS))} (+ ${f(Number(d.documentsS))})`,
    );
  }
  for (const r of rows) {
    out.push(
      `  bare ${r.size}: core construct ${f(Number(r.core.detail?.constructS))} synth ${f(Number(r.core.detail?.synthS))}; ` +
        `classes construct ${f(Number(r.classes.detail?.constructS))} synth ${f(Number(r.classes.detail?.synthS))}; ` +
        `classes + refs construct ${f(Number(r.refs.detail?.constructS))} synth ${f(Number(r.refs.detail?.synthS))}`,
    );
  }
  const at = (n: number) => rows.find((r) => r.size === n);
  const r1k = at(1000);
  const r5k = at(5000);
  const growth = r1k && r5k ? r5k.ours.workS / r1k.ours.workS : undefined;
  out.push('');
  if (growth !== undefined) out.push(`Growth 1,000 → 5,000 agents (ours): ${f(growth)}×`);
  if (sharded) {
    const d = sharded.ours.detail ?? {};
    out.push(
      `Sharded: ${sharded.size} agents, shards: { by: name, count: ${sharded.shards} } → ${sharded.stacks} stacks: ${f(sharded.ours.workS)} s, peak ${f(sharded.ours.peakMB, 0)} MB ` +
        `(loadFleet ${f(Number(d.loadFleetS))} / construct ${f(Number(d.constructS))} / synth ${f(Number(d.synthS))})` +
        (r1k ? `; ${f(sharded.ours.workS / r1k.ours.workS)}× the 1,000-agent time` : ''),
    );
  }
  if (Object.keys(cli).length) {
    out.push('');
    out.push('| command on 1,000 agents | run() s | process wall s (incl. node + tsx + imports) | peak MB | output chars |');
    out.push('|---|---:|---:|---:|---:|');
    for (const [label, m] of Object.entries(cli)) out.push(`| ${label} | ${f(m.workS)} | ${f(m.wallS)} | ${f(m.peakMB, 0)} | ${m.detail?.outputChars} |`);
  }
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'holds' : 'MISSED');
  out.push('');
  out.push('Targets:');
  const ratio = (base: (r: (typeof rows)[number]) => Measurement, label: string): string =>
    `  1,000 agents ≤ 1.25× bare cdktf (${label}): ${r1k ? `${f(r1k.ours.workS / base(r1k).workS)}× — ${verdict(r1k.ours.workS <= 1.25 * base(r1k).workS)}` : 'not measured'}`;
  out.push(ratio((r) => r.refs, 'provider classes, references as tokens'));
  out.push(ratio((r) => r.classes, 'provider classes, references as literal strings'));
  out.push(ratio((r) => r.core, 'core floor'));
  out.push(`  5,000 agents ≤ 5.5× the 1,000-agent time:           ${growth !== undefined ? `${f(growth)}× — ${verdict(growth <= 5.5)}` : 'not measured'}`);
  out.push(
    `  peak memory at 5,000 agents ≤ 1.5 GB:               ${r5k ? `${f(r5k.ours.peakMB, 0)} MB — ${verdict(r5k.ours.peakMB <= 1536)}` : 'not measured'}`,
  );
  if (sharded && sharded.size === 5000 && r1k) {
    out.push(
      `  5,000 agents sharded ≤ 5.5× the 1,000-agent time:   ${f(sharded.ours.workS / r1k.ours.workS)}× — ${verdict(sharded.ours.workS <= 5.5 * r1k.ours.workS)}`,
    );
    out.push(`  peak memory at 5,000 agents sharded ≤ 1.5 GB:       ${f(sharded.ours.peakMB, 0)} MB — ${verdict(sharded.ours.peakMB <= 1536)}`);
  }
  for (const [label, m] of Object.entries(cli))
    out.push(
      `  ${label} on 1,000 agents ≤ 2 s: ${f(m.workS)} s run(), ${f(m.wallS)} s process — ${verdict(m.workS <= 2)} (run()), ${verdict(m.wallS <= 2)} (process)`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
  if (keep) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv.slice(4)).then(
    (m) => process.stdout.write(`BENCH ${JSON.stringify(m)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  main();
}
