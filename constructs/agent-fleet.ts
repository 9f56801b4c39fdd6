import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Fleet } from '../model/fleet';
import { FleetDashboard } from './fleet-dashboard';
import { FleetOperations } from './fleet-operations';
import { FleetRunbooks } from './fleet-runbooks';
import { GithubActionsIdentity } from './github-actions-identity';
import { addAgents, addFleetCore, fleetReferences } from './private/fleet-parts';
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
  /** The `socket` audit device beside the file device, with `fleet.vaultAuditSocket`. */
  public readonly vaultAuditSocket?: Audit;
  /** The fleet's CloudWatch dashboard. */
  public readonly dashboard: FleetDashboard;
  /** The JWT backend for GitHub Actions' OIDC tokens (and AWS's OIDC provider), when a `github-actions` agent exists. */
  public readonly githubActions?: GithubActionsIdentity;
  /** The runbooks committed to the docs repository, when `fleet.runbooks` names one. */
  public readonly runbooks?: FleetRunbooks;

  constructor(scope: Construct, id: string, props: AgentFleetProps) {
    super(scope, id);
    const core = addFleetCore(this, props);
    this.kvMount = core.kvMount;
    this.appRole = core.appRole;
    this.vaultAudit = core.vaultAudit;
    this.vaultAuditSocket = core.vaultAuditSocket;
    this.awsSecrets = core.awsSecrets;
    this.operations = core.operations;
    this.githubActions = core.githubActions;
    const parts = addAgents(this, { fleet: props.fleet, agents: props.fleet.agents, refs: fleetReferences(core), githubProvider: props.githubProvider });
    this.agents = parts.agents;
    this.runbooks = parts.runbooks;
    this.dashboard = parts.dashboard;
  }
}
