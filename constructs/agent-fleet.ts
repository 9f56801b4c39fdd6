import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformProvider, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { ALARM_KINDS, awsAccessOf, Fleet, loginMethodOf, vaultAuditPath } from '../model';
import { FleetDashboard } from './fleet-dashboard';
import { FleetOperations } from './fleet-operations';
import { FleetRunbooks } from './fleet-runbooks';
import { GithubActionsIdentity } from './github-actions-identity';
import { ScopedAgent } from './scoped-agent';

/** Props of {@link AgentFleet}. */
export interface AgentFleetProps {
  /** A validated table (`loadFleet`). */
  readonly fleet: Fleet;
  /**
   * ARN of the IAM principal Vault's AWS secrets engine runs as: the only
   * principal the agents' IAM roles trust.
   * @default - a Terraform variable `vault_aws_broker_principal_arn`, declared only when an agent needs it
   */
  readonly brokerPrincipalArn?: string;
  /**
   * ARN of the account's existing IAM OIDC provider for
   * token.actions.githubusercontent.com (an account holds one per URL).
   * @default - the fleet creates it, when a `github-actions` agent has an IAM role
   */
  readonly githubOidcProviderArn?: string;
  /**
   * The GitHub provider for the agents' GitHub environments and the runbook
   * repository (the table keeps them under one owner).
   * @default - the stack's default `github` provider
   */
  readonly githubProvider?: TerraformProvider;
}

/**
 * A whole agent table: the shared Vault backends (a KV v2 mount for the
 * agents' entries, an AppRole auth backend, and Vault's AWS secrets engine
 * when any agent's AWS sessions are brokered), the fleet's Vault audit
 * device, the fleet's operations (key, alarm topic, scheduler,
 * revoke/rotate/notify/usage-summary functions, the optional trail), one
 * {@link ScopedAgent} per agent, and the fleet's dashboard; with
 * `github-actions` agents, a JWT auth backend for GitHub's OIDC tokens (and
 * AWS's OIDC provider); with `fleet.runbooks`, the runbooks committed to GitHub.
 */
export class AgentFleet extends Construct {
  /** The KV v2 mount holding every agent's entries. */
  public readonly kvMount: Mount;
  /** The AppRole auth backend agents log in with. */
  public readonly appRole: AuthBackend;
  /** Vault's AWS secrets engine, when an agent's AWS sessions are brokered. */
  public readonly awsSecrets?: AwsSecretBackend;
  /** The fleet-wide key, topic, scheduler and functions. */
  public readonly operations: FleetOperations;
  /** One construct per agent, by agent name. */
  public readonly agents: Record<string, ScopedAgent>;
  /**
   * The fleet's Vault audit device: a `file` device at `sys/audit/<fleet>`
   * writing JSON lines to `fleet.vaultAuditFile`, which `scoped-agents usage`
   * reads. Vault logs every request to every enabled device; it refuses
   * requests when no device can write, so give the file room. Absent with
   * `fleet.vaultAudit: false` (the server's configuration declares its devices).
   */
  public readonly vaultAudit?: Audit;
  /** The fleet's CloudWatch dashboard. */
  public readonly dashboard: FleetDashboard;
  /** The JWT backend for GitHub Actions' OIDC tokens (and AWS's OIDC provider), when a `github-actions` agent exists. */
  public readonly githubActions?: GithubActionsIdentity;
  /** The runbooks committed to the docs repository, when `fleet.runbooks` names one. */
  public readonly runbooks?: FleetRunbooks;

  constructor(scope: Construct, id: string, props: AgentFleetProps) {
    super(scope, id);
    const { fleet } = props;
    const { settings } = fleet;

    this.kvMount = new Mount(this, 'KvMount', {
      path: settings.kvMount,
      type: 'kv',
      options: { version: '2' },
      description: 'Per-agent SaaS credentials (scoped-agents)',
    });
    this.appRole = new AuthBackend(this, 'AppRole', {
      type: 'approle',
      path: settings.appRoleMount,
      description: 'Per-agent AppRole logins (scoped-agents)',
    });

    if (settings.vaultAudit) {
      this.vaultAudit = new Audit(this, 'VaultAudit', {
        type: 'file',
        path: vaultAuditPath(settings.name),
        description: `Every request, for the usage of the agents of fleet ${settings.name} (scoped-agents)`,
        // Token accessors stay HMAC'd (the default): the log identifies agents by role name.
        options: { file_path: settings.vaultAuditFile, format: 'json', mode: '0600' },
      });
    }

    const brokered = fleet.agents.some((a) => awsAccessOf(a, fleet.credentials) === 'vault-broker');
    let brokerPrincipalArn = props.brokerPrincipalArn;
    if (brokered) {
      // No access keys: Vault uses its own runtime identity, so no key reaches state.
      this.awsSecrets = new AwsSecretBackend(this, 'AwsSecrets', {
        path: settings.awsMount,
        description: 'Brokers each agent its own short AWS sessions (scoped-agents)',
      });
      if (brokerPrincipalArn === undefined) {
        const variable = new TerraformVariable(this, 'BrokerPrincipal', {
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

    this.operations = new FleetOperations(this, 'Operations', { fleet, appRoleBackend: this.appRole.path });

    const githubAgents = fleet.agents.filter((a) => loginMethodOf(a) === 'github-jwt');
    if (githubAgents.length > 0) {
      this.githubActions = new GithubActionsIdentity(this, 'GithubActions', {
        settings,
        aws: githubAgents.some((a) => awsAccessOf(a, fleet.credentials) === 'github-oidc'),
        oidcProviderArn: props.githubOidcProviderArn,
      });
    }

    this.agents = {};
    for (const agent of fleet.agents) {
      this.agents[agent.name] = new ScopedAgent(this, agent.name, {
        agent,
        settings,
        kvMount: this.kvMount.path,
        appRoleBackend: this.appRole.path,
        operations: this.operations.agentOperations,
        credentials: fleet.credentials,
        awsSecretBackend: this.awsSecrets?.path,
        brokerPrincipalArn,
        jwtBackend: this.githubActions?.jwtBackendPath,
        githubOidcProviderArn: this.githubActions?.oidcProviderArn,
        githubEnvironment: agent.github ? { vaultAddr: this.operations.vaultAddr, provider: props.githubProvider } : undefined,
      });
    }
    if (settings.runbooks) {
      this.runbooks = new FleetRunbooks(this, 'Runbooks', { fleet, repository: settings.runbooks, provider: props.githubProvider });
    }

    const trailed = new Set(Object.keys(this.operations.cloudTrail?.filters ?? {}));
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      settings,
      region: this.operations.region,
      agents: fleet.agents.map((a) => ({
        name: a.name,
        alarmArns: ALARM_KINDS.map((kind) => this.agents[a.name].monitoring.alarms[kind].arn),
        cloudTrail: trailed.has(a.name),
      })),
    });
  }
}
