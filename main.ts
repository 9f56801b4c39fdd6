/**
 * The cdktf app: `cdktf synth`, `cdktf diff` and `cdktf deploy` run this file.
 *
 * It is `scoped-agents synth --out $CDKTF_OUTDIR` (the cdktf CLI sets
 * CDKTF_OUTDIR; `cdktf.out` without it): the table is `agents.yaml` at the
 * repository root, or the one SCOPED_AGENTS_TABLE names (with
 * SCOPED_AGENTS_CATALOG for a Markdown table); each agent's runbook and
 * platform snippets go under <outdir>/agents/<agent>/.
 */
import { runInProcess } from './cli/main';

runInProcess(['synth', '--out', process.env.CDKTF_OUTDIR ?? 'cdktf.out']);
