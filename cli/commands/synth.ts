import { join, resolve } from 'path';
import { loadFleet } from '../../table/load-fleet';
import { synthesizeFleet } from '../../stacks/synthesize-fleet';
import { outputFolderProblem } from '../../stacks/output-folder';
import { flag, ParsedArgs, UsageError } from '../private/args';
import { CommandIO } from '../private/io';
import { printWarnings } from '../private/report-problems';
import { ProgressLine, synthProgressText } from '../private/progress';
import { tableFiles } from '../private/table-args';

/** `scoped-agents synth`: validates the table, then writes Terraform JSON. */
export async function synth(args: ParsedArgs, io: CommandIO): Promise<number> {
  const files = tableFiles(args, io);
  const out = resolve(io.cwd, flag(args, 'out', 'cdktf.out'));
  // A synth replaces its output folder whole: refuse one it would destroy something in, before reading anything.
  const protect = { cwd: io.cwd, files: [files.table, ...(files.catalog !== undefined ? [files.catalog] : [])] };
  const unsafe = outputFolderProblem(out, protect);
  if (unsafe) throw new UsageError(`--out ${flag(args, 'out', 'cdktf.out')} ${unsafe}. Name a new folder or one an earlier synth wrote, e.g. --out cdktf.out`);
  const progress = new ProgressLine(io);
  // Validation happens before anything touches the disk.
  const fleet = await loadFleet(files);
  printWarnings(fleet.warnings, io);
  progress.update(`synth: ${fleet.agents.length} agents valid`);

  // cdktf records a full stack trace for every lazy value it creates (thousands
  // an agent); tsx turns source maps on, which maps every frame of each trace:
  // a fifth of a large synth. Nothing here prints a stack trace.
  process.setSourceMapsEnabled(false);
  // Run by the cdktf CLI (main.ts), which hands over CDKTF_OUTDIR: it removes stale stacks itself.
  const cdktfOwnsOut = io.env.CDKTF_OUTDIR !== undefined && resolve(io.cwd, io.env.CDKTF_OUTDIR) === out;
  let built;
  try {
    built = synthesizeFleet(fleet, out, {
      stateDir: io.cwd,
      keepStaleStacks: cdktfOwnsOut,
      protect,
      onProgress: (p) => progress.update(synthProgressText(fleet.agents.length, p)),
    });
  } finally {
    progress.end();
  }
  const { stack, shards } = built;
  const stacksDir = join(flag(args, 'out', 'cdktf.out'), 'stacks');
  io.out(
    shards.length === 0
      ? `synthesized ${fleet.agents.length} agents from ${fleet.files.join(' + ')} into ${join(stacksDir, stack.node.id, 'cdk.tf.json')}\n`
      : `synthesized ${fleet.agents.length} agents from ${fleet.files.join(' + ')} into ${shards.length + 1} stacks under ${stacksDir}: ` +
          `${stack.node.id} (shared; deploy it first) and ${shards.length} ${shards.length === 1 ? 'shard' : 'shards'} of at most ${Math.max(...shards.map((s) => s.shard.shard.agents.length))} agents\n`,
  );
  return 0;
}
