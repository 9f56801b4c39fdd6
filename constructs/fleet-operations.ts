import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { AGENT_PREFIX, Fleet } from '../model/fleet';
import { needsIamRole } from '../model/iam-policy';
import {
  callLogGroupName,
  CLOUD_TRAIL,
  credentialsEnvironment,
  FunctionEnvironment,
  functionName,
  FUNCTIONS,
  functionShardPolicyName,
  METRICS,
} from '../model/operations';
import { deployedFunctions, FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { FleetCloudTrail, trailArnOf } from './fleet-cloud-trail';
import { FleetFunction } from './fleet-function';
import { FleetGateway } from './fleet-gateway';
import { GATEWAY } from '../model/gateway';
import { FleetKey } from './fleet-key';
import { FleetLogForwarding, LogForwardingTarget } from './fleet-log-forwarding';
import { FleetNotifications } from './fleet-notifications';
import { FleetScheduler } from './fleet-scheduler';
import { FleetUsageSummary } from './fleet-usage-summary';
import { FunctionVaultLogin } from './function-vault-login';
import { arnOf, AwsContext, awsContext } from './private/aws-context';
import { notifyFunctionPolicy, revokeFunctionPolicy, rotateFunctionPolicy } from './private/function-policies';
import { matches } from './private/variable-checks';

/**
 * What one agent's alarms, call log, rotation schedule and secrets attach to:
 * the fleet-wide resources of {@link FleetOperations}.
 */
export interface AgentOperations {
  /** The alarm topic every alarm notifies. */
  readonly topicArn: string;
  /** The fleet key (call log, secrets, schedule payloads). */
  readonly keyArn: string;
  /** The rotate function, which the schedule invokes and Secrets Manager rotates with. */
  readonly rotateFunctionArn: string;
  readonly rotateFunctionName: string;
  /** The schedule group and the role schedules run as. */
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
  /** The gateway's table, where each agent calling through it has its item; absent without a gateway. */
  readonly gatewayTable?: string;
  /** The gateway's URL; absent without a gateway. */
  readonly gatewayUrl?: string;
  /** Where the call log is forwarded to; absent without `fleet.logForwarding`. */
  readonly logForwarding?: LogForwardingTarget;
}

/** Props of {@link FleetOperations}. */
export interface FleetOperationsProps {
  /** A validated table (`loadFleet`). */
  readonly fleet: Fleet;
  /** Path of the AppRole auth backend; pass the backend resource's `path` so the functions' roles depend on it. */
  readonly appRoleBackend: string;
  /**
   * The stack names of every shard the fleet can have, when it is sharded.
   * The revoke and rotate functions' own policies then name no agent: their
   * tokens also carry each shard's policy (`FunctionShardPolicy`, in the
   * shard's stack), and each shard schedules its own usage summary — so that
   * adding an agent changes only its shard.
   * @default - one stack: the functions' policies name every agent
   */
  readonly shardStacks?: readonly string[];
}

/**
 * Everything that keeps a fleet's credentials short-lived, revocable and
 * watched, shared by all its agents: the fleet KMS key, the alarm topic and
 * the team's channel, the schedule group and its role, the revoke, rotate,
 * usage-summary (and, for the webhook, notify) functions — each with its own
 * IAM role and, for revoke and rotate, its own Vault policy, AppRole role and
 * login secret — and, with `fleet.cloudTrail`, the fleet's trail.
 *
 * Alarms → topic → revoke (cuts the agent off) and the channel. Schedules →
 * rotate (new secret-id, rotated SaaS credentials, metrics) and, daily, the
 * usage summary (metrics → the team webhook).
 */
export class FleetOperations extends Construct {
  public readonly key: FleetKey;
  /** The alarm topic and the team's channel (main resource: the topic). */
  public readonly notifications: FleetNotifications;
  public readonly scheduler: FleetScheduler;
  /** The functions, by role (`notify` only when notifications go to a webhook). */
  public readonly functions: Partial<Record<(typeof FUNCTIONS)[number], FleetFunction>> & { revoke: FleetFunction; rotate: FleetFunction };
  /** The Vault logins of revoke and rotate. */
  public readonly vaultLogins: { revoke: FunctionVaultLogin; rotate: FunctionVaultLogin };
  /** The daily usage summary: its function and schedule. */
  public readonly usageSummary: FleetUsageSummary;
  /** The fleet's trail, with `fleet.cloudTrail`. */
  public readonly cloudTrail?: FleetCloudTrail;
  /** The fleet's gateway, when a scope grants `http:` endpoints (or `fleet.gateway` says so). */
  public readonly gateway?: FleetGateway;
  /** The fleet's log forwarding to the team's SIEM, with `fleet.logForwarding`. */
  public readonly logForwarding?: FleetLogForwarding;
  /** Vault's address as the functions reach it: the table's `vaultAddr`, or the `vault_addr` variable. */
  public readonly vaultAddr: string;
  /** What each agent's resources attach to. */
  public readonly agentOperations: AgentOperations;
  /** The region the fleet deploys into (a reference to the `aws_region` data source). */
  public readonly region: string;

  constructor(scope: Construct, id: string, props: FleetOperationsProps) {
    super(scope, id);
    const { settings, credentials } = props.fleet;
    if (settings.name.startsWith(AGENT_PREFIX)) {
      // The revoke function may rewrite every `agent-*` role; its own would be one of them.
      throw new Error(
        `fleet ${settings.name}: the fleet's roles would be named ${functionName(settings.name, 'revoke')}…, which match ${AGENT_PREFIX}* ` +
          `and which the revoke function may rewrite; choose a fleet name that does not start with ${AGENT_PREFIX}`,
      );
    }
    const ctx: AwsContext = awsContext(this);
    this.region = ctx.region;
    const webhook = settings.notify === undefined;
    const deployed = deployedFunctions(settings);

    this.key = new FleetKey(this, 'Key', {
      settings,
      context: ctx,
      callLogPrefix: callLogGroupName(settings.name, ''),
      logGroups: [
        ...deployed.map((r) => FLEET_RESOURCE_NAMES.functionLogGroup(settings.name, r)),
        ...(settings.cloudTrail ? [CLOUD_TRAIL.logGroupName(settings.name)] : []),
        ...(settings.gateway ? [GATEWAY.logGroupName(settings.name)] : []),
      ],
      cloudTrailArn: settings.cloudTrail ? trailArnOf(ctx, settings.name) : undefined,
    });
    const keyArn = this.key.keyArn;
    this.notifications = new FleetNotifications(this, 'Notifications', { settings, context: ctx, keyArn });
    this.scheduler = new FleetScheduler(this, 'Scheduler', { settings, context: ctx });
    this.vaultAddr = settings.vaultAddr ?? this.vaultAddrVariable().stringValue;
    const sharded = props.shardStacks !== undefined;
    const agents = sharded ? [] : props.fleet.agents.map((a) => a.name);
    const login = (role: 'revoke' | 'rotate'): FunctionVaultLogin =>
      new FunctionVaultLogin(this, role === 'revoke' ? 'RevokeLogin' : 'RotateLogin', {
        role,
        settings,
        agents,
        shardPolicies: props.shardStacks?.map((stack) => functionShardPolicyName(role, stack)),
        appRoleBackend: props.appRoleBackend,
        keyArn,
      });
    this.vaultLogins = { revoke: login('revoke'), rotate: login('rotate') };
    // Alarms go to the webhook only without Chatbot; the daily summary always does.
    const webhookSecretArn = webhook ? this.notifications.webhookSecret.arn : undefined;

    const vaultEnvironment = (role: 'revoke' | 'rotate'): FunctionEnvironment => ({
      FLEET: settings.name,
      VAULT_ADDR: this.vaultAddr,
      KV_MOUNT: settings.kvMount,
      APPROLE_MOUNT: settings.appRoleMount,
      VAULT_LOGIN_SECRET_ARN: this.vaultLogins[role].secretArn,
    });

    // Both functions read the same settings of every credential: rotate rotates them, revoke revokes them at the provider.
    const credentialsJson = credentialsEnvironment(props.fleet);
    const revokeEnvironment: FunctionEnvironment = {
      ...vaultEnvironment('revoke'),
      CREDENTIALS: credentialsJson,
      ...(webhookSecretArn ? { WEBHOOK_SECRET_ARN: webhookSecretArn } : {}),
    };
    const revoke = new FleetFunction(this, 'Revoke', {
      role: 'revoke',
      settings,
      context: ctx,
      keyArn,
      description: `Cuts an agent of fleet ${settings.name} off when one of its alarms fires (scoped-agents)`,
      environment: { ...revokeEnvironment },
      // An alarm storm across many agents must not queue revocations behind each other for long.
      reservedConcurrency: 5,
      policy: (runtime) =>
        revokeFunctionPolicy({
          ...runtime,
          agentRolesArn: arnOf(ctx, 'iam', `role/${AGENT_PREFIX}*`),
          loginSecretArn: this.vaultLogins.revoke.secretArn,
          webhookSecretArn,
          callLogsArn: arnOf(ctx, 'logs', `log-group:${callLogGroupName(settings.name, '*')}`),
        }),
    });

    const rotateName = functionName(settings.name, 'rotate');
    const rotateEnvironment: FunctionEnvironment = {
      ...vaultEnvironment('rotate'),
      ROTATION_GRACE_SECONDS: String(settings.rotationGrace),
      SCHEDULE_GROUP: this.scheduler.groupName,
      SCHEDULER_ROLE_ARN: this.scheduler.roleArn,
      // Built from its name: a function cannot reference its own ARN attribute.
      FUNCTION_ARN: arnOf(ctx, 'lambda', `function:${rotateName}`),
      CREDENTIALS: credentialsJson,
      ...(settings.gateway ? { GATEWAY_TABLE: GATEWAY.tableName(settings.name) } : {}),
    };
    const rotate = new FleetFunction(this, 'Rotate', {
      role: 'rotate',
      settings,
      context: ctx,
      keyArn,
      description: `Rotates the credentials of the agents of fleet ${settings.name} (scoped-agents)`,
      environment: { ...rotateEnvironment },
      // Providers' token endpoints can be slow; a rotation must not die half-way.
      timeout: 300,
      policy: (runtime) =>
        rotateFunctionPolicy({
          ...runtime,
          loginSecretArn: this.vaultLogins.rotate.secretArn,
          agentSecretsArn: arnOf(ctx, 'secretsmanager', `secret:scoped-agents/${settings.name}/agents/*`),
          schedulesArn: arnOf(ctx, 'scheduler', `schedule/${settings.name}/*`),
          schedulerRoleArn: this.scheduler.roleArn,
          metricNamespace: METRICS.namespace,
          gatewayTableArn: settings.gateway ? arnOf(ctx, 'dynamodb', `table/${GATEWAY.tableName(settings.name)}`) : undefined,
        }),
    });
    this.usageSummary = new FleetUsageSummary(this, 'UsageSummary', {
      settings,
      context: ctx,
      keyArn,
      webhookSecretArn: this.notifications.webhookSecret.arn,
      scheduleGroup: this.scheduler.groupName,
      schedulerRoleArn: this.scheduler.roleArn,
      // Sharded: each shard schedules the summary of its own agents.
      agents: sharded ? undefined : props.fleet.agents,
    });
    this.scheduler.allowInvoke([rotate.functionArn, this.usageSummary.function.functionArn], keyArn);
    this.functions = { revoke, rotate, 'usage-summary': this.usageSummary.function };
    this.notifications.subscribe(revoke);

    if (webhookSecretArn) {
      const notifyEnvironment: Pick<FunctionEnvironment, 'FLEET' | 'WEBHOOK_SECRET_ARN'> = { FLEET: settings.name, WEBHOOK_SECRET_ARN: webhookSecretArn };
      const notify = new FleetFunction(this, 'Notify', {
        role: 'notify',
        settings,
        context: ctx,
        keyArn,
        description: `Posts the alarms of fleet ${settings.name} to the team's webhook (scoped-agents)`,
        environment: { ...notifyEnvironment } as Record<string, string>,
        timeout: 30,
        policy: (runtime) => notifyFunctionPolicy({ ...runtime, webhookSecretArn }),
      });
      this.functions.notify = notify;
      this.notifications.subscribe(notify);
    }

    if (settings.cloudTrail) {
      this.cloudTrail = new FleetCloudTrail(this, 'CloudTrail', {
        settings,
        context: ctx,
        keyArn,
        agents: props.fleet.agents.filter((a) => needsIamRole(a, credentials)),
      });
    }

    if (settings.gateway) {
      this.gateway = new FleetGateway(this, 'Gateway', {
        fleet: props.fleet,
        context: ctx,
        keyArn,
        vaultAddr: this.vaultAddr,
        appRoleBackend: props.appRoleBackend,
        shardStacks: props.shardStacks,
      });
      this.functions.gateway = this.gateway.function;
    }

    if (settings.logForwarding) {
      this.logForwarding = new FleetLogForwarding(this, 'LogForwarding', {
        settings,
        forwarding: settings.logForwarding,
        context: ctx,
        keyArn,
        callLogPrefix: callLogGroupName(settings.name, ''),
        logGroups: [
          ...deployed.map((r) => FLEET_RESOURCE_NAMES.functionLogGroup(settings.name, r)),
          ...(this.cloudTrail ? [CLOUD_TRAIL.logGroupName(settings.name)] : []),
          ...(this.gateway ? [GATEWAY.logGroupName(settings.name)] : []),
        ],
      });
      for (const role of Object.keys(this.functions).sort() as (keyof typeof this.functions)[])
        this.logForwarding.forward(`Function-${role}`, this.functions[role]!.logGroup.name);
      if (this.gateway) this.logForwarding.forward('Gateway', this.gateway.logGroup.name);
      if (this.cloudTrail) this.logForwarding.forward('CloudTrail', this.cloudTrail.logGroup.name);
    }

    this.agentOperations = {
      topicArn: this.notifications.topicArn,
      keyArn,
      rotateFunctionArn: rotate.functionArn,
      rotateFunctionName: rotate.resource.functionName,
      scheduleGroup: this.scheduler.groupName,
      schedulerRoleArn: this.scheduler.roleArn,
      ...(this.gateway ? { gatewayTable: this.gateway.table.name, gatewayUrl: this.gateway.url } : {}),
      ...(this.logForwarding ? { logForwarding: this.logForwarding.target } : {}),
    };
  }

  /** The `vault_addr` variable, for a table without `fleet.vaultAddr`. */
  private vaultAddrVariable(): TerraformVariable {
    const variable = new TerraformVariable(this, 'VaultAddr', {
      type: 'string',
      nullable: false,
      description: "Vault's address as the fleet's functions reach it, e.g. https://vault.example.com:8200 (set fleet.vaultAddr in the table to fix it there).",
    });
    variable.overrideLogicalId('vault_addr');
    variable.addValidation({
      condition: matches(variable, '^https://[^/ ]+'),
      errorMessage: 'vault_addr must be an https:// URL such as https://vault.example.com:8200.',
    });
    return variable;
  }
}
