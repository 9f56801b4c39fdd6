import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { dashboardName, FleetSettings } from '../model';
import { DashboardAgent, dashboardBody } from './private/dashboard-body';

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
 */
export class FleetDashboard extends Construct {
  /** The dashboard (main resource). */
  public readonly resource: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    this.resource = new CloudwatchDashboard(this, 'Resource', {
      dashboardName: props.name ?? dashboardName(props.settings.name),
      dashboardBody: JSON.stringify(dashboardBody({ fleet: props.settings.name, region: props.region, agents: props.agents })),
    });
  }
}
