import { existsSync, mkdirSync, renameSync, rmSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { loadFleet } from '../../model';
import { writeAgentDocuments } from '../../stacks/agent-documents';
import { buildFleetApp } from '../../stacks/fleet-app';
import { flag, parseArgs } from '../private/args';
import { Command } from '../private/io';
import { printWarnings } from '../private/report-problems';
import { tableFiles } from '../private/table-args';

/**
 * Replaces `out` with `staged` as close to atomically as a directory allows:
 * readers see the old output or the new one, never a half-written mix.
 */
function swapInto(staged: string, out: string): void {
  const previous = `${out}.previous-${process.pid}`;
  const hadPrevious = existsSync(out);
  if (hadPrevious) renameSync(out, previous);
  try {
    renameSync(staged, out);
  } catch (e) {
    if (hadPrevious) renameSync(previous, out);
    throw e;
  }
  if (hadPrevious) rmSync(previous, { recursive: true, force: true });
}

/** `scoped-agents synth`: validates the table, then writes Terraform JSON. */
export const synthCommand: Command = {
  name: 'synth',
  summary: 'synthesize the table into Terraform JSON (nothing is written when the table is invalid)',
  usage: 'scoped-agents synth [--table agents.yaml] [--catalog scopes.yaml] [--out cdktf.out]',
  writes: true,
  async run(argv, io) {
    const args = parseArgs(argv, ['table', 'catalog', 'out']);
    const files = tableFiles(args, io);
    const out = resolve(io.cwd, flag(args, 'out', 'cdktf.out'));
    // Validation happens before anything touches the disk.
    const fleet = await loadFleet(files);
    printWarnings(fleet.warnings, io);

    // cdktf records a full stack trace for every lazy value it creates (thousands
    // an agent); tsx turns source maps on, which maps every frame of each trace:
    // a fifth of a large synth. Nothing here prints a stack trace.
    process.setSourceMapsEnabled(false);
    mkdirSync(dirname(out), { recursive: true });
    const staged = join(dirname(out), `.${basename(out)}.staging-${process.pid}`);
    rmSync(staged, { recursive: true, force: true });
    try {
      // The staging directory sits beside `out`, so paths relative to it hold for `out`.
      const { app, stack, shards } = buildFleetApp(fleet, staged, { stateDir: io.cwd });
      app.synth();
      // Runbooks and snippets go into the staging directory too: the swap publishes them with the stack.
      writeAgentDocuments(fleet, staged);
      swapInto(staged, out);
      const stacksDir = join(flag(args, 'out', 'cdktf.out'), 'stacks');
      io.out(
        shards.length === 0
          ? `synthesized ${fleet.agents.length} agents from ${fleet.files.join(' + ')} into ${join(stacksDir, stack.node.id, 'cdk.tf.json')}\n`
          : `synthesized ${fleet.agents.length} agents from ${fleet.files.join(' + ')} into ${shards.length + 1} stacks under ${stacksDir}: ` +
              `${stack.node.id} (shared; deploy it first) and ${shards.length} ${shards.length === 1 ? 'shard' : 'shards'} of at most ${Math.max(...shards.map((s) => s.shard.shard.agents.length))} agents\n`,
      );
      return 0;
    } finally {
      rmSync(staged, { recursive: true, force: true });
    }
  },
};
