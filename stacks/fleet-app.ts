import { App } from 'cdktf';
import { join, relative, resolve } from 'path';
import { Fleet } from '../model';
import { FleetStack } from './fleet-stack';

/** Options of {@link buildFleetApp}. */
export interface FleetAppOptions {
  /**
   * Directory the local state file lives in.
   * @default - the working directory (the project root)
   */
  readonly stateDir?: string;
}

/**
 * Builds the cdktf app for a fleet: one {@link FleetStack} named after the
 * fleet (`fleet.name` in the table, `scoped-agents` by default).
 *
 * Terraform runs inside `<outdir>/stacks/<stack>/`, which every synth replaces;
 * the local state path is written relative to that directory so that the state
 * stays at the project root, outside what a synth deletes, on any machine.
 */
export function buildFleetApp(fleet: Fleet, outdir: string, options: FleetAppOptions = {}): { app: App; stack: FleetStack } {
  const app = new App({ outdir, skipValidation: false });
  const name = fleet.settings.name;
  const stackDir = join(resolve(outdir), 'stacks', name);
  const statePath = join(resolve(options.stateDir ?? process.cwd()), `terraform.${name}.tfstate`);
  const stack = new FleetStack(app, name, { fleet, localStatePath: relative(stackDir, statePath) });
  return { app, stack };
}
