import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { Agent, FleetSettings, iamPolicyFor, LIMITS, secretEntriesFor } from '../model';
import { AgentAwsRole } from './agent-aws-role';
import { AgentSecretEntry } from './agent-secret-entry';
import { AgentVaultAccess } from './agent-vault-access';

/** Props of {@link ScopedAgent}. */
export interface ScopedAgentProps {
  /** The agent, as the model resolved it (see `model/validate.ts`). */
  readonly agent: Agent;
  /** Where the fleet's backends are mounted. */
  readonly settings: FleetSettings;
  /** Path of the KV v2 mount holding the agents' entries (a token from the mount resource). */
  readonly kvMount: string;
  /** Path of the AppRole auth backend (a token from the backend resource). */
  readonly appRoleBackend: string;
  /**
   * Path of Vault's AWS secrets engine, for agents whose AWS sessions Vault brokers.
   * @default - none; an agent with `aws:` scopes must then name its `awsPrincipal`
   */
  readonly awsSecretBackend?: string;
  /**
   * ARN of the principal Vault's AWS secrets engine runs as.
   * @default - none; required with `awsSecretBackend`
   */
  readonly brokerPrincipalArn?: string;
}

/**
 * One agent's own credential set: a Vault policy and AppRole role with
 * short-lived tokens, a KV v2 entry per SaaS credential, and — when it has
 * `aws:` scopes — an IAM role with exactly those actions. Nothing is shared
 * with another agent.
 */
export class ScopedAgent extends Construct {
  /** The agent this construct renders. */
  public readonly agent: Agent;
  /** Vault policy and AppRole role. */
  public readonly vault: AgentVaultAccess;
  /** The agent's SaaS credential entries, by secret name. */
  public readonly secrets: Record<string, AgentSecretEntry>;
  /** The agent's IAM role, when it has `aws:` scopes. */
  public readonly aws?: AgentAwsRole;
  /** Name of the agent's Vault policy. */
  public readonly vaultPolicyName: string;
  /** ARN of the agent's IAM role, when it has one. */
  public readonly roleArn?: string;

  constructor(scope: Construct, id: string, props: ScopedAgentProps) {
    super(scope, id);
    const { agent, settings } = props;
    this.agent = agent;

    this.vault = new AgentVaultAccess(this, 'Vault', { agent, settings, appRoleBackend: props.appRoleBackend });
    this.vaultPolicyName = this.vault.vaultPolicyName;

    this.secrets = {};
    for (const entry of secretEntriesFor(agent, settings)) {
      this.secrets[entry.secret] = new AgentSecretEntry(this, `Secret-${entry.secret}`, { agent, entry, mount: props.kvMount });
    }

    const policy = iamPolicyFor(agent);
    if (policy) {
      this.aws = new AgentAwsRole(this, 'Aws', {
        agent,
        policy,
        awsSecretBackend: props.awsSecretBackend,
        brokerPrincipalArn: props.brokerPrincipalArn,
      });
      this.roleArn = this.aws.roleArn;
      if (agent.credentialTtl < LIMITS.awsMinSession) {
        Annotations.of(this).addWarning(
          `[scoped-agents:aws-session-minimum] agent ${agent.name}: credentialTtl is below 15m; its Vault token keeps it, its AWS sessions last 15m`,
        );
      }
    }
  }
}
