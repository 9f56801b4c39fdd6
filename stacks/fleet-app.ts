import { App } from 'cdktf';
import { Fleet } from '../model';
import { FleetStack } from './fleet-stack';

/**
 * Builds the cdktf app for a fleet: one {@link FleetStack} named after the
 * fleet (`fleet.name` in the table, `scoped-agents` by default).
 */
export function buildFleetApp(fleet: Fleet, outdir: string): { app: App; stack: FleetStack } {
  const app = new App({ outdir, skipValidation: false });
  const stack = new FleetStack(app, fleet.settings.name, { fleet });
  return { app, stack };
}
