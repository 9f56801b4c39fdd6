import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Fleet } from '../model/fleet';
import { Shard } from '../model/shards';
import { FleetDashboard } from './fleet-dashboard';
import { FleetRunbooks } from './fleet-runbooks';
import { UsageSummarySchedule } from './fleet-usage-summary';
import { FunctionShardPolicy } from './function-shard-policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { gatewayAgentRules } from '../model/gateway';
import { callLogGroupName, functionName } from '../model/operations';
import { secretEntriesFor } from '../model/secret-entries';
import { arnOf, awsContext } from './private/aws-context';
import { gatewayAgentStatements, policyOf } from './private/function-policies';
import { addAgents, FleetCoreParts, fleetReferences, localReferences } from './private/fleet-parts';
import { ScopedAgent } from './scoped-agent';

/** Props of {@link AgentShard}. */
export interface AgentShardProps {
  /** The validated table. */
  readonly fleet: Fleet;
  /** The shard (`shardsOf(fleet)`). */
  readonly shard: Shard;
  /** The fleet's shared part, usually in another stack (cdktf wires the references through remote state). */
  readonly core: FleetCoreParts;
  /**
   * The GitHub provider for the shard's GitHub environments and runbooks.
   * @default - the stack's default `github` provider
   */
  readonly githubProvider?: TerraformProvider;
}

/**
 * One shard of a sharded fleet: a {@link ScopedAgent} per agent of the shard
 * (each at the address it has in an unsharded fleet), the revoke and rotate
 * functions' policies over these agents, the shard's daily usage summary
 * schedule, its dashboard and, with `fleet.runbooks`, its agents' runbooks.
 */
export class AgentShard extends Construct {
  public readonly shard: Shard;
  /** One construct per agent, by agent name. */
  public readonly agents: Record<string, ScopedAgent>;
  /** The shard's dashboard, named after its stack. */
  public readonly dashboard: FleetDashboard;
  public readonly runbooks?: FleetRunbooks;
  /** What the revoke and rotate functions (and the gateway, when the fleet has one) may do to the shard's agents. */
  public readonly functionPolicies: { readonly revoke: FunctionShardPolicy; readonly rotate: FunctionShardPolicy; readonly gateway?: FunctionShardPolicy };
  /** The IAM grants of the gateway's role over the shard's agents (their call logs, their credentials in Secrets Manager). */
  public readonly gatewayPolicy?: IamRolePolicy;
  public readonly usageSummary: UsageSummarySchedule;

  constructor(scope: Construct, id: string, props: AgentShardProps) {
    super(scope, id);
    const { fleet, shard, core } = props;
    const { settings } = fleet;
    this.shard = shard;
    // Each shared value crosses stacks once, into a local the shard's agents share.
    const refs = localReferences(this, fleetReferences(core));
    const parts = addAgents(this, { fleet, agents: shard.agents, refs, githubProvider: props.githubProvider, dashboardName: shard.stack });
    this.agents = parts.agents;
    this.runbooks = parts.runbooks;
    this.dashboard = parts.dashboard;
    const names = shard.agents.map((a) => a.name);
    this.functionPolicies = {
      revoke: new FunctionShardPolicy(this, 'RevokePolicy', { role: 'revoke', settings, shard: shard.stack, agents: names }),
      rotate: new FunctionShardPolicy(this, 'RotatePolicy', { role: 'rotate', settings, shard: shard.stack, agents: names }),
      ...(settings.gateway
        ? {
            gateway: new FunctionShardPolicy(this, 'GatewayPolicy', {
              role: 'gateway',
              settings,
              shard: shard.stack,
              agents: names,
              rules: gatewayAgentRules(settings, fleet, shard.agents),
            }),
          }
        : {}),
    };
    const served = shard.agents.filter((a) => a.gateway);
    if (settings.gateway && served.length > 0) {
      // The gateway's role is the shared stack's; the shard adds what it may do to the shard's own agents, by the role's name.
      const ctx = awsContext(this);
      const document = policyOf(
        gatewayAgentStatements(
          served.map((a) => arnOf(ctx, 'logs', `log-group:${callLogGroupName(settings.name, a.name)}`)),
          served.flatMap((a) =>
            secretEntriesFor(a, settings, fleet.credentials)
              .filter((e) => e.readBy === 'gateway' && e.store === 'aws')
              .map((e) => arnOf(ctx, 'secretsmanager', `secret:${e.secretsManagerName}-??????`)),
          ),
        ),
      );
      this.gatewayPolicy = new IamRolePolicy(this, 'GatewayAgents', {
        name: `${functionName(settings.name, 'gateway')}-${shard.key}`,
        role: functionName(settings.name, 'gateway'),
        policy: JSON.stringify(document),
      });
    }
    this.usageSummary = new UsageSummarySchedule(this, 'UsageSummary', {
      settings,
      shard,
      agents: shard.agents,
      functionArn: refs.usageSummaryFunctionArn,
      keyArn: refs.operations.keyArn,
      scheduleGroup: refs.operations.scheduleGroup,
      schedulerRoleArn: refs.operations.schedulerRoleArn,
    });
  }
}
