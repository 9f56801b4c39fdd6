import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { loadFleet, TableFiles } from '../../table';
import { writeAgentDocuments } from '../../stacks/agent-documents';
import { buildFleetApp } from '../../stacks/fleet-app';
import { tempDir } from '../helpers';

/** One synthesized stack, read back from disk as Terraform JSON. */
export interface SynthesizedStack {
  /** Stack name (the directory under `<out>/stacks/`). */
  readonly name: string;
  /** Path of its `cdk.tf.json`. */
  readonly file: string;
  /** The parsed JSON. */
  readonly json: {
    resource?: Record<string, Record<string, Record<string, unknown>>>;
    data?: Record<string, Record<string, Record<string, unknown>>>;
    variable?: Record<string, Record<string, unknown>>;
    [block: string]: unknown;
  };
}

/**
 * Synthesizes a table into a fresh `cdktf.out` directory, exactly as
 * `scoped-agents synth` does, and reads every stack back. Proofs read this
 * output — what would deploy — never the table.
 */
export async function synthesizeTable(files: TableFiles): Promise<{ outDir: string; stacks: SynthesizedStack[] }> {
  const project = tempDir('scoped-agents-out-');
  const outDir = join(project, 'cdktf.out');
  const fleet = await loadFleet(files);
  buildFleetApp(fleet, outDir, { stateDir: project }).app.synth();
  writeAgentDocuments(fleet, outDir);
  return { outDir, stacks: readStacks(outDir) };
}

/** Reads every `stacks/<name>/cdk.tf.json` under a synthesized output directory. */
export function readStacks(outDir: string): SynthesizedStack[] {
  return readdirSync(join(outDir, 'stacks'))
    .sort()
    .map((name) => {
      const file = join(outDir, 'stacks', name, 'cdk.tf.json');
      return { name, file, json: JSON.parse(readFileSync(file, 'utf8')) };
    });
}

/** The two tables every proof runs over: the seed and the larger fixture. */
export const PROOF_TABLES: readonly { readonly label: string; readonly files: TableFiles }[] = [
  { label: 'seed (agents.yaml)', files: { table: 'agents.yaml' } },
  { label: 'fixture (test/fixtures/fleet.yaml)', files: { table: 'test/fixtures/fleet.yaml' } },
];
