/**
 * The cdktf app: `cdktf synth` / `cdktf deploy` run this file.
 *
 * It synthesizes `agents.yaml` at the repository root, or the table named by
 * SCOPED_AGENTS_TABLE (with SCOPED_AGENTS_CATALOG for a Markdown table), into
 * cdktf.out/ (or CDKTF_OUTDIR, which the cdktf CLI sets).
 */
import { formatProblem, loadFleet, TableError } from './model';
import { buildFleetApp } from './stacks/fleet-app';

async function synthesize(): Promise<void> {
  const fleet = await loadFleet({
    table: process.env.SCOPED_AGENTS_TABLE ?? 'agents.yaml',
    catalog: process.env.SCOPED_AGENTS_CATALOG,
  });
  for (const w of fleet.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  buildFleetApp(fleet, process.env.CDKTF_OUTDIR ?? 'cdktf.out').app.synth();
}

synthesize().catch((e: unknown) => {
  if (e instanceof TableError) {
    process.stderr.write(`error: ${e.message}\n`);
  } else {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exitCode = 1;
});
