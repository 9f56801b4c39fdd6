import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { Fleet } from '../model/fleet';
import { writeAgentDocuments } from './agent-documents';
import { buildFleetApp, FleetApp, FleetAppOptions } from './fleet-app';
import { outputFolderProblem, ProtectedPaths, recoverLeftovers } from './output-folder';

/** Options of {@link synthesizeFleet}. */
export interface SynthesizeFleetOptions extends FleetAppOptions {
  /**
   * Keep the folders of stacks the fleet no longer has, for the cdktf CLI:
   * when it runs the app it removes them itself after the synth, and fails
   * on one that is already gone.
   * @default false - they are removed
   */
  readonly keepStaleStacks?: boolean;
  /**
   * What the synth must never delete: an `outdir` that is an existing file,
   * or is or holds the working directory or one of these files, or holds
   * files no synth wrote, is refused.
   * @default - the working directory
   */
  readonly protect?: ProtectedPaths;
}

/** Thrown when the output folder may not be replaced (see {@link SynthesizeFleetOptions.protect}). */
export class UnsafeOutputError extends Error {
  constructor(
    public readonly outdir: string,
    public readonly reason: string,
  ) {
    super(`the output folder ${outdir} ${reason}`);
    this.name = 'UnsafeOutputError';
  }
}

/**
 * What Terraform writes beside a stack's `cdk.tf.json` and a synth keeps: the
 * providers `terraform init` installed, and the lock file that pins their
 * checksums for the team (commit it).
 */
export const TERRAFORM_FILES = ['.terraform', '.terraform.lock.hcl'] as const;

/**
 * Synthesizes a fleet into `outdir`: the stacks (`stacks/<stack>/cdk.tf.json`
 * and their assets), `manifest.json`, and every agent's runbook and snippets
 * (`agents/<agent>/`).
 *
 * Everything is written to a staging folder beside `outdir` first, then
 * swapped in: readers see the old output or the new one, never a half-written
 * mix, and a failed synth leaves the old output as it was. A stack that still
 * exists keeps what Terraform wrote beside it ({@link TERRAFORM_FILES}); a
 * stack that no longer exists loses its folder. What a killed synth left
 * beside `outdir` is cleaned up first, its previous output put back if the
 * swap never happened.
 *
 * @throws UnsafeOutputError when `outdir` may not be replaced
 */
export function synthesizeFleet(fleet: Fleet, outdir: string, options: SynthesizeFleetOptions = {}): FleetApp {
  const out = resolve(outdir);
  recoverLeftovers(out);
  const unsafe = outputFolderProblem(out, options.protect ?? { cwd: process.cwd() });
  if (unsafe) throw new UnsafeOutputError(outdir, unsafe);
  mkdirSync(dirname(out), { recursive: true });
  const staged = join(dirname(out), `.${basename(out)}.staging-${process.pid}`);
  rmSync(staged, { recursive: true, force: true });
  try {
    // The staging directory sits beside `out`, so paths relative to it hold for `out`.
    const built = buildFleetApp(fleet, staged, options);
    const report = options.onProgress;
    if (report) {
      // cdktf writes the stacks one after another through each stack's synthesizer.
      let written = 0;
      for (const stack of built.stacks) {
        const synthesizer = stack.synthesizer;
        stack.synthesizer = {
          synthesize: (session) => {
            synthesizer.synthesize(session);
            report({ step: 'written', stack: stack.node.id, done: ++written, total: built.stacks.length });
          },
        };
      }
    }
    built.app.synth();
    // Runbooks and snippets go into the staging directory too: the swap publishes them with the stacks.
    writeAgentDocuments(fleet, staged);
    report?.({ step: 'documents', agents: fleet.agents.length });
    publish(staged, out, options.keepStaleStacks ?? false);
    return built;
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

/** A file moved from one place to another, so that it can be moved back. */
type Move = readonly [from: string, to: string];

/**
 * Moves Terraform's files of every stack that `staged` still has from `out`
 * into `staged` (and, with `keepStale`, the whole folder of every stack it no
 * longer has), recording each move.
 */
function carryOver(out: string, staged: string, keepStale: boolean, moves: Move[]): void {
  const stacks = join(out, 'stacks');
  if (!existsSync(stacks)) return;
  for (const stack of readdirSync(stacks)) {
    if (!existsSync(join(staged, 'stacks', stack))) {
      if (keepStale) {
        mkdirSync(join(staged, 'stacks'), { recursive: true });
        renameSync(join(stacks, stack), join(staged, 'stacks', stack));
        moves.push([join(stacks, stack), join(staged, 'stacks', stack)]);
      }
      continue;
    }
    for (const file of TERRAFORM_FILES) {
      const from = join(stacks, stack, file);
      if (!existsSync(from)) continue;
      const to = join(staged, 'stacks', stack, file);
      renameSync(from, to);
      moves.push([from, to]);
    }
  }
}

/**
 * Replaces `out` with `staged` as close to atomically as a directory allows,
 * carrying Terraform's files over; on failure `out` is as it was.
 */
function publish(staged: string, out: string, keepStale: boolean): void {
  const previous = `${out}.previous-${process.pid}`;
  const hadPrevious = existsSync(out);
  const carried: Move[] = [];
  try {
    if (hadPrevious) {
      carryOver(out, staged, keepStale, carried);
      renameSync(out, previous);
    }
    try {
      renameSync(staged, out);
    } catch (e) {
      if (hadPrevious) renameSync(previous, out);
      throw e;
    }
  } catch (e) {
    for (const [from, to] of carried.reverse()) renameSync(to, from);
    throw e;
  }
  if (hadPrevious) rmSync(previous, { recursive: true, force: true });
}
