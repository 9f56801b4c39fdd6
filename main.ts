/**
 * The cdktf app: `cdktf synth` / `cdktf deploy` run this file.
 *
 * It synthesizes `agents.yaml` at the repository root, or the table named by
 * SCOPED_AGENTS_TABLE (with SCOPED_AGENTS_CATALOG for a Markdown table), into
 * cdktf.out/ (or CDKTF_OUTDIR, which the cdktf CLI sets), with each agent's
 * runbook and platform snippets under <outdir>/agents/<agent>/.
 */
import { formatProblem, loadFleet, TableError } from './model';
import { writeAgentDocuments } from './stacks/agent-documents';
import { buildFleetApp } from './stacks/fleet-app';

async function synthesize(): Promise<void> {
  const fleet = await loadFleet({
    table: process.env.SCOPED_AGENTS_TABLE ?? 'agents.yaml',
    catalog: process.env.SCOPED_AGENTS_CATALOG,
  });
  for (const w of fleet.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  // As in `scoped-agents synth`: cdktf's per-token stack traces are costly to source-map, and are never shown.
  process.setSourceMapsEnabled(false);
  buildFleetApp(fleet, outdir).app.synth();
  // Each agent's runbook and platform snippets, beside the stacks.
  writeAgentDocuments(fleet, outdir);
}

synthesize().catch((e: unknown) => {
  if (e instanceof TableError) {
    process.stderr.write(`error: ${e.message}\n`);
  } else {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exitCode = 1;
});
