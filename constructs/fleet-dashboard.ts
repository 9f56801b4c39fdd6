import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { dashboardName } from '../model/operations';
import { DASHBOARD_AGENTS, DashboardAgent, dashboardBody } from './private/dashboard-body';

/** Props of {@link FleetDashboard}. */
export interface FleetDashboardProps {
  readonly settings: FleetSettings;
  /**
   * The dashboard's name.
   * @default - the fleet's name
   */
  readonly name?: string;
  /** The region the fleet's metrics live in (a reference to the region data source). */
  readonly region: string;
  /** Every agent, with the ARNs of its alarms and whether the fleet trail counts its role. */
  readonly agents: readonly DashboardAgent[];
}

/**
 * The fleet's CloudWatch dashboard, named after the fleet: calls and denied
 * calls per agent, the state of every agent's alarms, rotations per agent and
 * day, and — with a fleet trail — AWS API calls per agent role. The body is a
 * pure function of the agents (`private/dashboard-body.ts`), sorted by name.
 *
 * Past 100 agents the dashboard has pages of 100 agents each, in name order:
 * `<name>`, `<name>-2`, `<name>-3`… (CloudWatch draws at most 500 metrics in
 * one graph).
 */
export class FleetDashboard extends Construct {
  /** The dashboard (main resource): its first page. */
  public readonly resource: CloudwatchDashboard;
  /** Every page, the first one first. */
  public readonly pages: readonly CloudwatchDashboard[];

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const name = props.name ?? dashboardName(props.settings.name);
    const agents = [...props.agents].sort((a, b) => a.name.localeCompare(b.name));
    const count = Math.max(1, Math.ceil(agents.length / DASHBOARD_AGENTS));
    const pages: CloudwatchDashboard[] = [];
    for (let i = 0; i < count; i++) {
      const page = agents.slice(i * DASHBOARD_AGENTS, (i + 1) * DASHBOARD_AGENTS);
      const part = count > 1 ? `, page ${i + 1} of ${count} (${page[0].name} … ${page[page.length - 1].name})` : undefined;
      pages.push(
        new CloudwatchDashboard(this, i === 0 ? 'Resource' : `Page${i + 1}`, {
          dashboardName: i === 0 ? name : `${name}-${i + 1}`,
          dashboardBody: JSON.stringify(dashboardBody({ fleet: props.settings.name, part, region: props.region, agents: page })),
        }),
      );
    }
    this.pages = pages;
    this.resource = pages[0];
  }
}
