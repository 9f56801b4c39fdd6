import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { resolve } from 'path';
import { shardsOf } from '../../model';
import { accessMatrix, diffMatrices, readOutput, resourceGraph } from '../../review';
import { fleetFromYaml } from '../helpers';
import { cli, edit, Synthesized, synthesizeYaml } from './support/review-fixtures';

const FIXTURE_TEXT = readFileSync(resolve(__dirname, '..', 'fixtures', 'fleet.yaml'), 'utf8');
const FIXTURE_SHARDED = edit(FIXTURE_TEXT, 'fleet:\n', 'fleet:\n  shards: { by: name, count: 4 }\n');

/**
 * Reviews of a sharded fleet read it as one fleet: the shards are joined to
 * the shared stack, so report, diff, graph and check say the same about an
 * agent whichever way the fleet is deployed, and name the shard that holds it.
 */

let flat: Synthesized;
let sharded: Synthesized;
let grown: Synthesized;

const ADDED = `  - name: churn-watcher
    owner: sales@acme.example
    actions:
      - { action: Encrypt reports, scopes: [reports.encrypt] }
`;

beforeAll(async () => {
  [flat, sharded, grown] = await Promise.all([synthesizeYaml(FIXTURE_TEXT), synthesizeYaml(FIXTURE_SHARDED), synthesizeYaml(`${FIXTURE_SHARDED}${ADDED}`)]);
});

test('the access matrix of the sharded fleet equals the unsharded one, agent by agent, and names each agent its shard', async () => {
  const a = accessMatrix(readOutput(flat.outDir));
  const b = accessMatrix(readOutput(sharded.outDir));
  expect(b.stacks).toEqual(['acme-agents']);
  expect(b.shardedStacks).toEqual({ 'acme-agents': ['acme-agents', 'acme-agents-shard-00', 'acme-agents-shard-01'] });
  expect(b.agents.map(({ shard: _shard, ...rest }) => rest)).toEqual(a.agents);
  const shardOf = Object.fromEntries(shardsOf(await fleetFromYaml(FIXTURE_SHARDED)).flatMap((s) => s.agents.map((agent) => [agent.name, s.stack])));
  expect(Object.fromEntries(b.agents.map((x) => [x.name, x.shard]))).toEqual(shardOf);
  expect(new Set(Object.values(shardOf)).size).toBe(2);
});

test("report names the fleet, how it is deployed, and each agent's shard stack", async () => {
  const r = await cli(['report', '--out', sharded.outDir]);
  expect(r.code).toBe(0);
  expect(r.out.split('\n')[2]).toBe(`Read from \`${sharded.outDir}\`: 5 agents in \`acme-agents\` (sharded: the shared stack and 2 shard stacks).`);
  expect(r.out).toContain('- **owner** sales@acme.example · **platform** - · **stack** `acme-agents-shard-01` · **fleet** `acme-agents`');
});

test('diff: sharding a fleet changes no privilege; an agent added to a shard is exactly one new agent', () => {
  expect(diffMatrices(accessMatrix(readOutput(flat.outDir)), accessMatrix(readOutput(sharded.outDir))).changes).toEqual([]);
  const d = diffMatrices(accessMatrix(readOutput(sharded.outDir)), accessMatrix(readOutput(grown.outDir)));
  // The new agent, then each of its grants; no other agent moves or changes.
  expect([...new Set(d.changes.map((c) => `${c.agent} ${c.class}`))]).toEqual(['churn-watcher broadening']);
  expect([d.changes[0].category, d.changes[0].change]).toEqual(['agent', 'new agent']);
});

test('graph: no remote-state node is left; a shard alarm leads to the shared topic, as in the unsharded fleet', () => {
  const g = resourceGraph(readOutput(sharded.outDir));
  const f = resourceGraph(readOutput(flat.outDir));
  expect(g.nodes.filter((n) => n.id.includes('terraform_remote_state'))).toEqual([]);
  const edgesOf = (graph: typeof g): string[] =>
    graph.edges.filter((e) => e.from.startsWith('aws_cloudwatch_metric_alarm.') && e.to.startsWith('aws_sns_topic.')).map((e) => `${e.from} -> ${e.to}`);
  expect(edgesOf(g)).toEqual(edgesOf(f));
  expect(edgesOf(g)).toHaveLength(20);
});

test("check: a finding on a shard's resource names the shard's stack and file", async () => {
  const shardFile = join(sharded.outDir, 'stacks', 'acme-agents-shard-01', 'cdk.tf.json');
  const original = readFileSync(shardFile, 'utf8');
  try {
    // An agent's inline IAM policy widened to every action on its bucket.
    writeFileSync(shardFile, edit(original, 's3:PutObject', 's3:*'));
    const r = await cli(['check', '--out', sharded.outDir, '--format', 'json']);
    expect(r.code).toBe(1);
    const findings = (JSON.parse(r.out) as { findings: { rule: string; stack: string; file: string; agent?: string }[] }).findings;
    const wildcard = findings.filter((x) => x.rule === 'no-wildcard-action');
    expect(wildcard.map((x) => [x.stack, x.file, x.agent])).toEqual([['acme-agents-shard-01', shardFile, 'data-loader']]);
  } finally {
    writeFileSync(shardFile, original);
  }
});
