import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformLocal, TerraformProvider, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { awsAccessOf, loginMethodOf } from '../../model/agent-login';
import { Agent, Fleet } from '../../model/fleet';
import { ALARM_KINDS, vaultAuditPath, vaultAuditSocketPath } from '../../model/operations';
import { FleetDashboard } from '../fleet-dashboard';
import { AgentOperations, FleetOperations } from '../fleet-operations';
import { FleetRunbooks } from '../fleet-runbooks';
import { GithubActionsIdentity } from '../github-actions-identity';
import { ScopedAgent } from '../scoped-agent';
import { matches } from './variable-checks';

/**
 * What every agent of a fleet uses, whichever stack it is in: the Vault
 * backends, the audit device, the operations and GitHub's OIDC identity.
 * `AgentFleet` holds them beside its agents; a sharded fleet's `FleetCore`
 * holds them in the shared stack.
 */
export interface FleetCoreParts {
  readonly kvMount: Mount;
  readonly appRole: AuthBackend;
  readonly vaultAudit?: Audit;
  /** The `socket` audit device, with `fleet.vaultAuditSocket`. */
  readonly vaultAuditSocket?: Audit;
  readonly awsSecrets?: AwsSecretBackend;
  /** The broker's ARN (a literal, or a reference to the `vault_aws_broker_principal_arn` variable), when Vault brokers AWS sessions. */
  readonly brokerPrincipalArn?: string;
  readonly operations: FleetOperations;
  readonly githubActions?: GithubActionsIdentity;
}

/** What {@link addFleetCore} needs. */
export interface FleetCoreInput {
  readonly fleet: Fleet;
  readonly brokerPrincipalArn?: string;
  readonly githubOidcProviderArn?: string;
  /** The fleet's shard stacks, when sharded (see `FleetOperationsProps.shardStacks`). */
  readonly shardStacks?: readonly string[];
}

/**
 * Adds the fleet-wide resources to `scope`, with the ids `AgentFleet` has
 * always given them, so that a resource keeps its address whether the fleet
 * is one stack or sharded.
 */
export function addFleetCore(scope: Construct, props: FleetCoreInput): FleetCoreParts {
  const { fleet } = props;
  const { settings } = fleet;

  const kvMount = new Mount(scope, 'KvMount', {
    path: settings.kvMount,
    type: 'kv',
    options: { version: '2' },
    description: 'Per-agent SaaS credentials (scoped-agents)',
  });
  const appRole = new AuthBackend(scope, 'AppRole', {
    type: 'approle',
    path: settings.appRoleMount,
    description: 'Per-agent AppRole logins (scoped-agents)',
  });

  const vaultAudit = settings.vaultAudit
    ? new Audit(scope, 'VaultAudit', {
        type: 'file',
        path: vaultAuditPath(settings.name),
        description: `Every request, for the usage of the agents of fleet ${settings.name} (scoped-agents)`,
        // Token accessors stay HMAC'd (the default): the log identifies agents by role name.
        options: { file_path: settings.vaultAuditFile, format: 'json', mode: '0600' },
      })
    : undefined;
  const socket = settings.vaultAudit ? settings.vaultAuditSocket : undefined;
  const vaultAuditSocket = socket
    ? new Audit(scope, 'VaultAuditSocket', {
        type: 'socket',
        path: vaultAuditSocketPath(settings.name),
        description: `Every request, streamed to the SIEM of fleet ${settings.name} (scoped-agents)`,
        // Vault waits up to write_timeout for the socket on every request; the file device keeps requests answered when it is down.
        options: { address: socket.address, socket_type: socket.socketType, format: 'json', write_timeout: `${socket.writeTimeout}s` },
      })
    : undefined;

  const brokered = fleet.agents.some((a) => awsAccessOf(a, fleet.credentials) === 'vault-broker');
  let brokerPrincipalArn = props.brokerPrincipalArn;
  let awsSecrets: AwsSecretBackend | undefined;
  if (brokered) {
    // No access keys: Vault uses its own runtime identity, so no key reaches state.
    awsSecrets = new AwsSecretBackend(scope, 'AwsSecrets', {
      path: settings.awsMount,
      description: 'Brokers each agent its own short AWS sessions (scoped-agents)',
    });
    if (brokerPrincipalArn === undefined) {
      const variable = new TerraformVariable(scope, 'BrokerPrincipal', {
        type: 'string',
        nullable: false,
        description: 'ARN of the IAM role Vault AWS secrets engine runs as; the only principal agent roles trust.',
      });
      variable.overrideLogicalId('vault_aws_broker_principal_arn');
      variable.addValidation({
        condition: matches(variable, '^arn:aws[a-z-]*:iam::[0-9]{12}:role/'),
        errorMessage: 'vault_aws_broker_principal_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/vault.',
      });
      brokerPrincipalArn = variable.stringValue;
    }
  }

  const operations = new FleetOperations(scope, 'Operations', { fleet, appRoleBackend: appRole.path, shardStacks: props.shardStacks });

  const githubAgents = fleet.agents.filter((a) => loginMethodOf(a) === 'github-jwt');
  const githubActions =
    githubAgents.length > 0
      ? new GithubActionsIdentity(scope, 'GithubActions', {
          settings,
          aws: githubAgents.some((a) => awsAccessOf(a, fleet.credentials) === 'github-oidc'),
          oidcProviderArn: props.githubOidcProviderArn,
        })
      : undefined;

  return { kvMount, appRole, vaultAudit, vaultAuditSocket, awsSecrets, brokerPrincipalArn, operations, githubActions };
}

/**
 * What each agent attaches to, as values: references to the fleet's core
 * parts, or (in a shard) to the shard's locals that read them once.
 */
export interface FleetReferences {
  readonly kvMount: string;
  readonly appRoleBackend: string;
  readonly awsSecretBackend?: string;
  readonly brokerPrincipalArn?: string;
  readonly jwtBackend?: string;
  readonly githubOidcProviderArn?: string;
  readonly operations: AgentOperations;
  readonly vaultAddr: string;
  readonly region: string;
  readonly usageSummaryFunctionArn: string;
  /** Agents whose IAM role the fleet trail counts. */
  readonly trailed: ReadonlySet<string>;
}

/** The references of a fleet's core parts, as its agents use them. */
export function fleetReferences(core: FleetCoreParts): FleetReferences {
  const ops = core.operations;
  return {
    kvMount: core.kvMount.path,
    appRoleBackend: core.appRole.path,
    awsSecretBackend: core.awsSecrets?.path,
    brokerPrincipalArn: core.brokerPrincipalArn,
    jwtBackend: core.githubActions?.jwtBackendPath,
    githubOidcProviderArn: core.githubActions?.oidcProviderArn,
    operations: ops.agentOperations,
    vaultAddr: ops.vaultAddr,
    region: ops.region,
    usageSummaryFunctionArn: ops.usageSummary.function.functionArn,
    trailed: new Set(Object.keys(ops.cloudTrail?.filters ?? {})),
  };
}

/**
 * `refs` with every reference read once into a Terraform local of `scope`'s
 * stack (`fleet_<name>`), which the agents then use: a shard reads each
 * shared value through one cross-stack reference, not one per use.
 */
export function localReferences(scope: Construct, refs: FleetReferences): FleetReferences {
  const local = (name: string, value: string): string => {
    if (!Token.isUnresolved(value)) return value;
    const l = new TerraformLocal(scope, `Local-${name}`, value);
    l.overrideLogicalId(`fleet_${name}`);
    return l.asString;
  };
  const optional = (name: string, value: string | undefined): string | undefined => (value === undefined ? undefined : local(name, value));
  const ops = refs.operations;
  return {
    kvMount: local('kv_mount', refs.kvMount),
    appRoleBackend: local('approle_backend', refs.appRoleBackend),
    awsSecretBackend: optional('aws_secret_backend', refs.awsSecretBackend),
    brokerPrincipalArn: optional('broker_principal_arn', refs.brokerPrincipalArn),
    jwtBackend: optional('jwt_backend', refs.jwtBackend),
    githubOidcProviderArn: optional('github_oidc_provider_arn', refs.githubOidcProviderArn),
    operations: {
      topicArn: local('topic_arn', ops.topicArn),
      keyArn: local('key_arn', ops.keyArn),
      rotateFunctionArn: local('rotate_function_arn', ops.rotateFunctionArn),
      rotateFunctionName: local('rotate_function_name', ops.rotateFunctionName),
      scheduleGroup: local('schedule_group', ops.scheduleGroup),
      schedulerRoleArn: local('scheduler_role_arn', ops.schedulerRoleArn),
      ...(ops.gatewayTable !== undefined ? { gatewayTable: local('gateway_table', ops.gatewayTable) } : {}),
      ...(ops.gatewayUrl !== undefined ? { gatewayUrl: local('gateway_url', ops.gatewayUrl) } : {}),
      ...(ops.logForwarding !== undefined
        ? {
            logForwarding: {
              streamArn: local('siem_stream_arn', ops.logForwarding.streamArn),
              roleArn: local('siem_logs_role_arn', ops.logForwarding.roleArn),
            },
          }
        : {}),
    },
    vaultAddr: local('vault_addr', refs.vaultAddr),
    region: local('region', refs.region),
    usageSummaryFunctionArn: local('usage_summary_function_arn', refs.usageSummaryFunctionArn),
    trailed: refs.trailed,
  };
}

/** What {@link addAgents} adds. */
export interface AgentParts {
  readonly agents: Record<string, ScopedAgent>;
  readonly runbooks?: FleetRunbooks;
  readonly dashboard: FleetDashboard;
}

/**
 * Adds one {@link ScopedAgent} per agent (id: the agent's name), their
 * runbooks in GitHub when the table asks, and a dashboard of them, all
 * attached to the fleet's core parts through `refs`.
 *
 * @param agents the agents to add: the whole fleet, or one shard
 * @param dashboardName the dashboard's name @default - the fleet's
 */
export function addAgents(
  scope: Construct,
  props: { fleet: Fleet; agents: readonly Agent[]; refs: FleetReferences; githubProvider?: TerraformProvider; dashboardName?: string },
): AgentParts {
  const { fleet, refs } = props;
  const { settings } = fleet;
  const agents: Record<string, ScopedAgent> = {};
  for (const agent of props.agents) {
    agents[agent.name] = new ScopedAgent(scope, agent.name, {
      agent,
      settings,
      kvMount: refs.kvMount,
      appRoleBackend: refs.appRoleBackend,
      operations: refs.operations,
      credentials: fleet.credentials,
      apis: fleet.apis,
      awsSecretBackend: refs.awsSecretBackend,
      brokerPrincipalArn: refs.brokerPrincipalArn,
      jwtBackend: refs.jwtBackend,
      githubOidcProviderArn: refs.githubOidcProviderArn,
      githubEnvironment: agent.github ? { vaultAddr: refs.vaultAddr, provider: props.githubProvider } : undefined,
    });
  }
  const runbooks = settings.runbooks
    ? new FleetRunbooks(scope, 'Runbooks', { fleet: { ...fleet, agents: props.agents }, repository: settings.runbooks, provider: props.githubProvider })
    : undefined;

  const dashboard = new FleetDashboard(scope, 'Dashboard', {
    settings,
    name: props.dashboardName,
    region: refs.region,
    agents: props.agents.map((a) => ({
      name: a.name,
      alarmArns: ALARM_KINDS.map((kind) => agents[a.name].monitoring.alarms[kind].arn),
      cloudTrail: refs.trailed.has(a.name),
    })),
  });
  return { agents, runbooks, dashboard };
}
