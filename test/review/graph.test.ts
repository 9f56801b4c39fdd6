import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { readOutput, resourceGraph, ResourceGraph } from '../../review';
import { tempDir } from '../helpers';
import { PROOF_TABLES, synthesizeTable } from '../support/synthesized';
import { cli, ROOT, Synthesized } from './support/review-fixtures';

/**
 * `scoped-agents graph` over the seed and the fixture: every block is a node,
 * every reference an edge (checked against references found independently in
 * the raw JSON text), the logical layer is linked to the resources that
 * implement it, the Mermaid form passes Mermaid's own parser and the DOT form
 * passes Graphviz.
 */

const outputs: { label: string; synth: Synthesized }[] = [];

beforeAll(async () => {
  for (const t of PROOF_TABLES) outputs.push({ label: t.label, synth: await synthesizeTable(t.files) });
});

/** `${type.name.attr}` and `${data.type.name.attr}` references in a text, as `[from-less] target` addresses. */
const REFERENCE = /\$\{(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_]+/g;
const VARIABLE = /\$\{var\.([A-Za-z0-9_-]+)\}/g;

/** Every (from, to) reference pair of a stack, found with regexes over each block's raw JSON text. */
function rawReferences(file: string): Set<string> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
  const pairs = new Set<string>();
  for (const kind of ['resource', 'data', 'output'] as const) {
    // Outputs are one level shallower: `output.<name>` holds the body.
    const groups = kind === 'output' ? { output: json.output ?? {} } : (json[kind] ?? {});
    for (const [type, blocks] of Object.entries(groups)) {
      for (const [name, body] of Object.entries(blocks as Record<string, unknown>)) {
        const from = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
        const text = JSON.stringify(body);
        for (const m of text.matchAll(REFERENCE)) pairs.add(`${from} -> ${m[1] ?? ''}${m[2]}.${m[3]}`);
        for (const m of text.matchAll(VARIABLE)) pairs.add(`${from} -> var.${m[1]}`);
      }
    }
  }
  return pairs;
}

function graphOf(synth: Synthesized): ResourceGraph {
  return resourceGraph(readOutput(synth.outDir));
}

describe.each(PROOF_TABLES.map((t, i) => [t.label, i] as const))('the resource graph of the %s', (_label, i) => {
  const synth = (): Synthesized => outputs[i].synth;

  test('has a node `type.name` for every resource and data block', () => {
    const json = synth().stacks[0].json;
    const blocks = [
      ...Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
      ...Object.entries(json.data ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `data.${type}.${n}`)),
    ].sort();
    const nodes = graphOf(synth())
      .nodes.filter((n) => n.kind === 'resource' || n.kind === 'data')
      .map((n) => n.id);
    expect(blocks.length).toBeGreaterThan(50);
    expect(nodes).toEqual(blocks);
  });

  test('has an edge for every reference in the JSON, and no reference edge that is not in it', () => {
    const expected = rawReferences(synth().stacks[0].file);
    const edges = new Set(
      graphOf(synth())
        .edges.filter((e) => e.kind === 'reference')
        .map((e) => `${e.from} -> ${e.to}`),
    );
    expect(expected.size).toBeGreaterThan(50);
    expect([...edges].sort()).toEqual([...expected].sort());
  });

  test('has an edge to every block the raw file text references', () => {
    const text = readFileSync(synth().stacks[0].file, 'utf8');
    const referenced = new Set([...text.matchAll(REFERENCE)].map((m) => `${m[1] ?? ''}${m[2]}.${m[3]}`));
    const targets = new Set(
      graphOf(synth())
        .edges.filter((e) => e.kind === 'reference' && !e.to.startsWith('var.'))
        .map((e) => e.to),
    );
    expect([...targets].sort()).toEqual([...referenced].sort());
  });

  test('has an edge for every depends_on', () => {
    const json = synth().stacks[0].json;
    const expected = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName).flatMap(([n, body]) => ((body.depends_on as string[] | undefined) ?? []).map((d) => `${type}.${n} -> ${d}`)),
    );
    const edges = graphOf(synth())
      .edges.filter((e) => e.kind === 'depends_on')
      .map((e) => `${e.from} -> ${e.to}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(edges.sort()).toEqual(expected.sort());
  });

  test('links each agent → scope → credential → policy → alarm, and each logical node to the resource implementing it', () => {
    const graph = graphOf(synth());
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    const out = (id: string, kind: string): string[] => graph.edges.filter((e) => e.from === id && e.kind === kind).map((e) => e.to);
    const agents = graph.nodes.filter((n) => n.kind === 'agent');
    expect(agents.length).toBe(PROOF_TABLES[i].label.startsWith('seed') ? 3 : 5);
    for (const agent of agents) {
      const scopes = out(agent.id, 'needs');
      expect(scopes.length).toBeGreaterThan(0);
      for (const scope of scopes) {
        const credentials = out(scope, 'held_in');
        expect({ scope, credentials: credentials.length > 0 }).toEqual({ scope, credentials: true });
        for (const credential of credentials) {
          expect(nodes.get(credential)?.kind).toBe('credential');
          const policies = out(credential, 'governed_by');
          expect({ credential, policies: policies.length > 0 }).toEqual({ credential, policies: true });
          for (const policy of policies) {
            const alarms = out(policy, 'revoked_on').map((a) => nodes.get(a)!.label);
            const watching = out(policy, 'watched_by').map((a) => nodes.get(a)!.label);
            const name = agent.label.replace(/^agent /, '');
            // orphanAction: notify (the default): the orphan alarm watches, it does not revoke; the fixture's ticket-triager says revoke.
            const orphan = name === 'ticket-triager' ? alarms : watching;
            expect(alarms.filter((a) => !a.endsWith('/orphan')).sort()).toEqual([`alarm ${name}/call-rate`, `alarm ${name}/denied-rate`]);
            expect(watching.filter((a) => !a.endsWith('/orphan'))).toEqual([`alarm ${name}/rotation-failure`]);
            expect(orphan.filter((a) => a.endsWith('/orphan'))).toEqual([`alarm ${name}/orphan`]);
            expect([...alarms, ...watching].filter((a) => a.endsWith('/orphan'))).toHaveLength(1);
          }
        }
      }
    }
    for (const n of graph.nodes.filter((x) => ['credential', 'policy', 'alarm'].includes(x.kind))) {
      const implemented = out(n.id, 'implemented_by');
      expect({ id: n.id, implemented: implemented.length }).toEqual({ id: n.id, implemented: 1 });
      expect(nodes.get(implemented[0])?.layer).toBe('terraform');
    }
  });

  test('is deterministic: two syntheses of the same table give byte-identical output in every format', async () => {
    const again = await synthesizeTable(PROOF_TABLES[i].files);
    for (const format of ['json', 'dot', 'mermaid', 'csv']) {
      const a = await cli(['graph', '--out', synth().outDir, '--format', format]);
      const b = await cli(['graph', '--out', again.outDir, '--format', format]);
      expect(a.code).toBe(0);
      expect(b.out).toBe(a.out);
    }
  });

  test("renders as a Mermaid flowchart that Mermaid parses, within GitHub's limits", async () => {
    const r = await cli(['graph', '--out', synth().outDir, '--format', 'mermaid']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('flowchart LR\n')).toBe(true);
    const file = join(tempDir(), 'graph.mmd');
    writeFileSync(file, r.out);
    expect(parseMermaid([file])).toEqual([{ file, ok: true, diagramType: 'flowchart-v2' }]);
    // GitHub renders diagrams of at most 50,000 characters and 500 edges (Mermaid's maxTextSize and maxEdges).
    expect(r.out.length).toBeLessThan(50_000);
    expect(r.out.split('\n').filter((l) => /-->|-\.->/.test(l)).length).toBeLessThan(500);
  });

  test('renders as DOT that Graphviz `dot` accepts', async () => {
    const r = await cli(['graph', '--out', synth().outDir, '--format', 'dot']);
    expect(r.code).toBe(0);
    const dot = spawnSync('dot', ['-Tsvg'], { input: r.out, encoding: 'utf8' });
    expect(dot.error).toBeUndefined();
    expect(dot.stderr).toBe('');
    expect(dot.status).toBe(0);
    expect(dot.stdout).toContain('<svg');
  });
});

/** Runs Mermaid's parser (test/review/support/mermaid-parse.mjs) over files. */
function parseMermaid(files: string[]): { file: string; ok: boolean; diagramType?: string; error?: string }[] {
  const r = spawnSync('node', [join(__dirname, 'support', 'mermaid-parse.mjs'), ...files], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mermaid-parse.mjs failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('the graph checks can fail', () => {
  test("Mermaid's parser rejects a flowchart with a reserved word as a node id", () => {
    const file = join(tempDir(), 'bad.mmd');
    writeFileSync(file, 'flowchart LR\n  a --> end\n');
    const [result] = parseMermaid([file]);
    expect(result.ok).toBe(false);
    expect(result.error).toContain('Parse error');
  });

  test('Graphviz rejects malformed DOT', () => {
    const dot = spawnSync('dot', ['-Tsvg'], { input: 'digraph { "a" -> }', encoding: 'utf8' });
    expect(dot.status).not.toBe(0);
    expect(dot.stderr).toContain('syntax error');
  });
});

describe('scoped-agents graph formats', () => {
  test('JSON lists nodes and edges; CSV has one row per node and edge', async () => {
    const synth = outputs[0].synth;
    const json = JSON.parse((await cli(['graph', '--out', synth.outDir, '--format', 'json'])).out) as ResourceGraph;
    const csv = (await cli(['graph', '--out', synth.outDir, '--format', 'csv'])).out.trimEnd().split('\r\n');
    expect(csv[0]).toBe('record,id,kind,layer,label,from,to');
    expect(csv.filter((l) => l.startsWith('node,'))).toHaveLength(json.nodes.length);
    expect(csv.filter((l) => l.startsWith('edge,'))).toHaveLength(json.edges.length);
    expect(csv).toContain('node,agent:lead-enricher,agent,logical,agent lead-enricher,,');
    expect(csv).toContain('edge,,needs,logical,needs,agent:lead-enricher,scope:lead-enricher/crm.contacts.read');
  });

  test('labels Mermaid nodes with the Terraform address and quotes every label', async () => {
    const r = await cli(['graph', '--out', outputs[0].synth.outDir, '--format', 'mermaid']);
    const declarations = r.out.split('\n').filter((l) => /^ {4}n\d+\[/.test(l));
    expect(declarations.length).toBeGreaterThan(50);
    for (const d of declarations) expect(d).toMatch(/^ {4}n\d+\["[^"]*"\]$/);
    expect(declarations.some((d) => /\["aws_iam_role\.[^"]+"\]/.test(d))).toBe(true);
  });

  test.each([
    [['graph'], 'error: --format is required (one of json, dot, mermaid, csv)'],
    [['graph', '--format', 'png'], 'error: --format must be one of json, dot, mermaid, csv (got "png")'],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
