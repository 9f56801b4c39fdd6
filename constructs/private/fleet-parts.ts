import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformProvider, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Agent, ALARM_KINDS, awsAccessOf, Fleet, loginMethodOf, vaultAuditPath } from '../../model';
import { FleetDashboard } from '../fleet-dashboard';
import { FleetOperations } from '../fleet-operations';
import { FleetRunbooks } from '../fleet-runbooks';
import { GithubActionsIdentity } from '../github-actions-identity';
import { ScopedAgent } from '../scoped-agent';

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
        validation: [
          {
            condition: 'can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.vault_aws_broker_principal_arn))',
            errorMessage: 'vault_aws_broker_principal_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/vault.',
          },
        ],
      });
      variable.overrideLogicalId('vault_aws_broker_principal_arn');
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

  return { kvMount, appRole, vaultAudit, awsSecrets, brokerPrincipalArn, operations, githubActions };
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
 * attached to the fleet's core parts.
 *
 * @param agents the agents to add: the whole fleet, or one shard
 * @param dashboardName the dashboard's name @default - the fleet's
 */
export function addAgents(
  scope: Construct,
  props: { fleet: Fleet; agents: readonly Agent[]; core: FleetCoreParts; githubProvider?: TerraformProvider; dashboardName?: string },
): AgentParts {
  const { fleet, core } = props;
  const { settings } = fleet;
  const agents: Record<string, ScopedAgent> = {};
  for (const agent of props.agents) {
    agents[agent.name] = new ScopedAgent(scope, agent.name, {
      agent,
      settings,
      kvMount: core.kvMount.path,
      appRoleBackend: core.appRole.path,
      operations: core.operations.agentOperations,
      credentials: fleet.credentials,
      awsSecretBackend: core.awsSecrets?.path,
      brokerPrincipalArn: core.brokerPrincipalArn,
      jwtBackend: core.githubActions?.jwtBackendPath,
      githubOidcProviderArn: core.githubActions?.oidcProviderArn,
      githubEnvironment: agent.github ? { vaultAddr: core.operations.vaultAddr, provider: props.githubProvider } : undefined,
    });
  }
  const runbooks = settings.runbooks
    ? new FleetRunbooks(scope, 'Runbooks', { fleet: { ...fleet, agents: props.agents }, repository: settings.runbooks, provider: props.githubProvider })
    : undefined;

  const trailed = new Set(Object.keys(core.operations.cloudTrail?.filters ?? {}));
  const dashboard = new FleetDashboard(scope, 'Dashboard', {
    settings,
    name: props.dashboardName,
    region: core.operations.region,
    agents: props.agents.map((a) => ({
      name: a.name,
      alarmArns: ALARM_KINDS.map((kind) => agents[a.name].monitoring.alarms[kind].arn),
      cloudTrail: trailed.has(a.name),
    })),
  });
  return { agents, runbooks, dashboard };
}
