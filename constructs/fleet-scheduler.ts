import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SchedulerScheduleGroup } from '@cdktf/provider-aws/lib/scheduler-schedule-group';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { AwsContext } from './private/aws-context';
import { schedulerPolicy, serviceTrust } from './private/function-policies';

/** Props of {@link FleetScheduler}. */
export interface FleetSchedulerProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
}

/**
 * The fleet's EventBridge Scheduler group (the agents' rotation schedules, the
 * rotate function's one-shot expiries and the daily usage summary live in it)
 * and the role every schedule runs as. The role may invoke the functions those
 * schedules target (rotate, usage-summary) and nothing else:
 * {@link FleetScheduler.allowInvoke} writes its one policy once they exist.
 */
export class FleetScheduler extends Construct {
  /** The schedule group (main resource), named after the fleet. */
  public readonly resource: SchedulerScheduleGroup;
  /** The role schedules run as, `<fleet>-scheduler`. */
  public readonly role: IamRole;
  public readonly groupName: string;
  public readonly roleArn: string;
  /** `<fleet>-scheduler`. */
  public readonly roleName: string;
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: FleetSchedulerProps) {
    super(scope, id);
    const { settings } = props;
    const tags = { fleet: settings.name, 'managed-by': 'scoped-agents' };
    this.resource = new SchedulerScheduleGroup(this, 'Resource', { name: settings.name, tags });
    this.groupName = this.resource.name;
    this.roleName = FLEET_RESOURCE_NAMES.schedulerRole(settings.name);
    this.role = new IamRole(this, 'Role', {
      name: this.roleName,
      description: `Role the schedules of fleet ${settings.name} run as: invokes the rotate and usage-summary functions only (scoped-agents)`,
      // Only EventBridge Scheduler, and only on behalf of this account (the confused-deputy guard).
      assumeRolePolicy: JSON.stringify(serviceTrust('scheduler.amazonaws.com', props.context.account)),
      tags: { ...tags, component: 'scheduler' },
    });
    this.roleArn = this.role.arn;
  }

  /** Gives the role its one policy: invoke `functionArns`, decrypt schedule payloads with `keyArn`. */
  public allowInvoke(functionArns: readonly string[], keyArn: string): IamRolePolicy {
    if (this.policy) throw new Error(`${this.node.path}: the scheduler role already has its policy`);
    this.policy = new IamRolePolicy(this, 'Policy', {
      name: this.roleName,
      role: this.role.id,
      policy: JSON.stringify(schedulerPolicy({ functionArns, keyArn })),
    });
    return this.policy;
  }
}
