import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { run } from '../../../cli/main';
import { CommandIO } from '../../../cli/private/io';
import { outputOf } from '../../../review';
import { SynthOutput, TerraformJson } from '../../../review/synth-output';
import { tempDir, writeFiles } from '../../helpers';
import { SynthesizedStack, synthesizeTable } from '../../support/synthesized';

/** The repository root: where the CLI runs, and where the suppressions file lives. */
export const ROOT = resolve(__dirname, '..', '..', '..');

/** The seed table's text. */
export const SEED = readFileSync(join(ROOT, 'agents.yaml'), 'utf8');

/** Runs the CLI in-process with captured output, from the repository root. */
export async function cli(argv: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {} };
  const code = await run(argv, io);
  return { code, out, err };
}

/** A synthesized table: where it was written and its stacks, read back. */
export interface Synthesized {
  readonly outDir: string;
  readonly stacks: readonly SynthesizedStack[];
}

/** Synthesizes a table given as YAML text (written to a temp dir), as `scoped-agents synth` does. */
export async function synthesizeYaml(yaml: string): Promise<Synthesized> {
  const dir = writeFiles({ 'agents.yaml': yaml });
  return synthesizeTable({ table: join(dir, 'agents.yaml') });
}

/** `text` with `from` replaced by `to`; fails when `from` is not there, so a variant cannot silently equal its base. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`variant: ${JSON.stringify(from)} is not in the table`);
  return text.replace(from, to);
}

/** A deep copy of a stack's JSON, for hand-made variants. */
export function cloneJson(stack: SynthesizedStack): TerraformJson {
  return JSON.parse(JSON.stringify(stack.json)) as TerraformJson;
}

/** An output held in memory from stacks (one variant of a synthesized output). */
export function memoryOutput(stacks: readonly { name: string; json: TerraformJson }[]): SynthOutput {
  return outputOf(stacks);
}

/** Writes stacks as a `cdktf.out` directory (`stacks/<name>/cdk.tf.json`) and returns it, for the CLI. */
export function writeOutput(stacks: readonly { name: string; json: TerraformJson }[]): string {
  const out = join(tempDir('scoped-agents-review-'), 'cdktf.out');
  for (const s of stacks) {
    mkdirSync(join(out, 'stacks', s.name), { recursive: true });
    writeFileSync(join(out, 'stacks', s.name, 'cdk.tf.json'), JSON.stringify(s.json, null, 2));
  }
  // As a synth writes it: the manifest names every stack.
  const manifest = {
    version: '0.21.0',
    stacks: Object.fromEntries(stacks.map((s) => [s.name, { name: s.name, synthesizedStackPath: `stacks/${s.name}/cdk.tf.json` }])),
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return out;
}

type Bodies = Record<string, Record<string, Record<string, unknown>>>;

/**
 * The block of `type` whose `attribute` is `value`, with its Terraform name:
 * variants find resources by what they carry, never by logical id.
 */
export function find(
  json: TerraformJson,
  type: string,
  attribute: string,
  value: unknown,
  kind: 'resource' | 'data' = 'resource',
): { name: string; body: Record<string, unknown> } {
  const blocks = (json[kind] as Bodies | undefined)?.[type] ?? {};
  const hits = Object.entries(blocks).filter(([, body]) => body[attribute] === value);
  if (hits.length !== 1) throw new Error(`expected one ${type} with ${attribute} = ${JSON.stringify(value)}, found ${hits.length}`);
  return { name: hits[0][0], body: hits[0][1] };
}

/** Every block of a type. */
export function all(json: TerraformJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(((json.resource as Bodies | undefined)?.[type] ?? {}) as Record<string, Record<string, unknown>>);
}

/** Removes the block of `type` whose `attribute` is `value`. */
export function remove(json: TerraformJson, type: string, attribute: string, value: unknown): void {
  const { name } = find(json, type, attribute, value);
  delete (json.resource as Bodies)[type][name];
}

/** Adds a resource block. */
export function add(json: TerraformJson, type: string, name: string, body: Record<string, unknown>): void {
  const resources = json.resource as Bodies;
  resources[type] = { ...(resources[type] ?? {}), [name]: body };
}

/** A `${type.name.attr}` reference to the block of `type` whose `attribute` is `value`. */
export function ref(json: TerraformJson, type: string, attribute: string, value: unknown, attr: string): string {
  return `\${${type}.${find(json, type, attribute, value).name}.${attr}}`;
}

/** Edits an IAM policy document held as a JSON string in `body.policy`. */
export function editPolicy(body: Record<string, unknown>, edit: (doc: { Statement: Record<string, unknown>[] }) => void): void {
  const doc = JSON.parse(String(body.policy)) as { Statement: Record<string, unknown>[] };
  edit(doc);
  body.policy = JSON.stringify(doc);
}
