import { App, TerraformStack } from 'cdktf';
import { join, relative, resolve } from 'path';
import { Fleet } from '../model/fleet';
import { shardsOf } from '../model/shards';
import { FleetStack } from './fleet-stack';
import { AgentShardStack, FleetSharedStack } from './shard-stacks';

/** Options of {@link buildFleetApp}. */
export interface FleetAppOptions {
  /**
   * Directory the local state files live in (without `fleet.state`).
   * @default - the working directory (the project root)
   */
  readonly stateDir?: string;
  /** Told as each stack is built and written, and when the runbooks are; for a progress line. */
  readonly onProgress?: (progress: SynthProgress) => void;
}

/** How far a synth is: a stack built (its constructs), a stack written (its JSON), the agents' documents written. */
export type SynthProgress =
  | { readonly step: 'built' | 'written'; readonly stack: string; readonly done: number; readonly total: number }
  | { readonly step: 'documents'; readonly agents: number };

/** What {@link buildFleetApp} built. */
export interface FleetApp {
  readonly app: App;
  /** The fleet's stack, named after the fleet: the whole fleet, or the shared stack of a sharded one. */
  readonly stack: FleetStack | FleetSharedStack;
  /** The shard stacks, by name; empty without `fleet.shards`. */
  readonly shards: readonly AgentShardStack[];
  /** Every stack, in the order they deploy (the fleet's first). */
  readonly stacks: readonly TerraformStack[];
}

/**
 * Builds the cdktf app for a fleet: one {@link FleetStack} named after the
 * fleet (`fleet.name` in the table, `scoped-agents` by default) or, with
 * `fleet.shards`, a {@link FleetSharedStack} of that name and one
 * {@link AgentShardStack} per non-empty shard.
 *
 * Terraform runs inside `<outdir>/stacks/<stack>/`, which every synth replaces;
 * local state paths are written relative to that directory so that the state
 * stays at the project root, outside what a synth deletes, on any machine.
 */
export function buildFleetApp(fleet: Fleet, outdir: string, options: FleetAppOptions = {}): FleetApp {
  const app = new App({ outdir, skipValidation: false });
  const stateDir = resolve(options.stateDir ?? process.cwd());
  const localStatePath = (stack: string): string => relative(join(resolve(outdir), 'stacks', stack), join(stateDir, `terraform.${stack}.tfstate`));
  const name = fleet.settings.name;
  const built = <T extends TerraformStack>(stack: T, done: number, total: number): T => {
    options.onProgress?.({ step: 'built', stack: stack.node.id, done, total });
    return stack;
  };
  if (!fleet.settings.shards) {
    const stack = built(new FleetStack(app, name, { fleet, localStatePath: localStatePath(name) }), 1, 1);
    return { app, stack, shards: [], stacks: [stack] };
  }
  const parts = shardsOf(fleet);
  const total = parts.length + 1;
  const shared = built(new FleetSharedStack(app, name, { fleet, localStatePath: localStatePath(name) }), 1, total);
  const shards = parts.map((shard, i) =>
    built(new AgentShardStack(app, shard.stack, { fleet, shard, core: shared.core, localStatePath: localStatePath(shard.stack) }), i + 2, total),
  );
  return { app, stack: shared, shards, stacks: [shared, ...shards] };
}
