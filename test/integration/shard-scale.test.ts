/**
 * Scale: a 5,000-agent table synthesizes into shards of at most 250 agents,
 * and one added agent changes exactly one shard's Terraform JSON — the shared
 * stack and every other shard stay byte for byte the same, so a plan after
 * adding an agent touches one small state.
 *
 * Each synth runs `scoped-agents synth` in a child process (as a user runs
 * it), both at once; this is not a timed test (bench/ measures time).
 */
import { execFile } from 'child_process';
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { generateTable } from '../../bench/generate';
import { LIMITS, shardKeyOf } from '../../model';
import { tempDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);
const AGENTS = 5000;
const SHARDS = 32;

interface Output {
  readonly stdout: string;
  /** Each stack's cdk.tf.json text, by stack name. */
  readonly stacks: Record<string, string>;
}

async function synth(dir: string, yaml: string): Promise<Output> {
  const table = join(dir, 'agents.yaml');
  writeFileSync(table, yaml);
  const out = join(dir, 'cdktf.out');
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'scoped-agents.js'), 'synth', '--table', table, '--out', out], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const names = readdirSync(join(out, 'stacks')).sort();
  return { stdout, stacks: Object.fromEntries(names.map((n) => [n, readFileSync(join(out, 'stacks', n, 'cdk.tf.json'), 'utf8')])) };
}

/** Agent names whose Vault policy a stack defines. */
function agentsIn(json: string): string[] {
  const policies = (JSON.parse(json) as { resource?: { vault_policy?: Record<string, { name: string }> } }).resource?.vault_policy ?? {};
  return Object.values(policies)
    .map((p) => p.name)
    .filter((n) => n.startsWith('agent-'))
    .map((n) => n.slice('agent-'.length))
    .sort();
}

let base: Output;
let grown: Output;

beforeAll(async () => {
  [base, grown] = await Promise.all([
    synth(tempDir('scoped-agents-scale-base-'), generateTable(AGENTS, { shards: SHARDS })),
    synth(tempDir('scoped-agents-scale-grown-'), generateTable(AGENTS, { shards: SHARDS, extraAgents: 1 })),
  ]);
}, 600_000);

test(`${AGENTS} agents synthesize into the shared stack and ${SHARDS} shards of at most ${LIMITS.shardAgents} agents, each agent in exactly its own shard`, () => {
  const shardNames = Array.from({ length: SHARDS }, (_, i) => `bench-${AGENTS}-shard-${String(i).padStart(2, '0')}`);
  expect(Object.keys(base.stacks)).toEqual([`bench-${AGENTS}`, ...shardNames]);
  expect(base.stdout).toMatch(
    new RegExp(
      `^synthesized ${AGENTS} agents from .* into ${SHARDS + 1} stacks under .*: bench-${AGENTS} \\(shared; deploy it first\\) and ${SHARDS} shards of at most \\d+ agents\\n$`,
    ),
  );
  expect(agentsIn(base.stacks[`bench-${AGENTS}`])).toEqual([]);
  const seen = new Set<string>();
  for (const name of shardNames) {
    const agents = agentsIn(base.stacks[name]);
    expect([name, agents.length <= LIMITS.shardAgents]).toEqual([name, true]);
    for (const agent of agents) {
      expect([agent, name]).toEqual([
        agent,
        `bench-${AGENTS}-shard-${shardKeyOf({ name: agent, owner: '' }, { by: 'name', count: SHARDS, maxAgents: LIMITS.shardAgents })}`,
      ]);
      seen.add(agent);
    }
  }
  expect(seen.size).toBe(AGENTS);
});

test("one added agent changes exactly its shard's JSON: the shared stack and the 31 other shards are byte-identical", () => {
  const key = shardKeyOf({ name: 'extra-1', owner: '' }, { by: 'name', count: SHARDS, maxAgents: LIMITS.shardAgents });
  const changed = Object.keys(grown.stacks).filter((name) => grown.stacks[name] !== base.stacks[name]);
  expect(Object.keys(grown.stacks)).toEqual(Object.keys(base.stacks));
  expect(changed).toEqual([`bench-${AGENTS}-shard-${key}`]);
  const before = agentsIn(base.stacks[changed[0]]);
  expect(agentsIn(grown.stacks[changed[0]])).toEqual([...before, 'extra-1'].sort());
});
