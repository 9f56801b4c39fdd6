import { ApproleAuthBackendRole } from '@cdktf/provider-vault/lib/approle-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { Agent, agentResourceName, Credential, FleetSettings, renderVaultPolicy, vaultPolicyRulesFor } from '../model';

/** Props of {@link AgentVaultAccess}. */
export interface AgentVaultAccessProps {
  /** The agent, as the model resolved it. */
  readonly agent: Agent;
  /** Where the fleet's backends are mounted. */
  readonly settings: FleetSettings;
  /**
   * Path of the AppRole auth backend the role is created in; pass the backend
   * resource's `path` so the role depends on it.
   */
  readonly appRoleBackend: string;
  /**
   * How each SaaS credential is stored (`fleet.credentials`): an entry kept in
   * AWS is not granted in Vault.
   * @default - every credential in Vault
   */
  readonly credentials?: Readonly<Record<string, Credential>>;
}

/**
 * The agent's Vault identity: one policy `agent-<name>` with exactly its grants,
 * and one AppRole role whose short-lived tokens carry only that policy.
 */
export class AgentVaultAccess extends Construct {
  /** The Vault policy (main resource). */
  public readonly resource: Policy;
  /** The AppRole role the agent logs in with. */
  public readonly appRole: ApproleAuthBackendRole;
  /** Name of the Vault policy, `agent-<name>`. */
  public readonly vaultPolicyName: string;
  /** Name of the AppRole role, `agent-<name>`. */
  public readonly appRoleName: string;

  constructor(scope: Construct, id: string, props: AgentVaultAccessProps) {
    super(scope, id);
    const { agent } = props;
    this.vaultPolicyName = agentResourceName(agent);
    this.appRoleName = agentResourceName(agent);

    this.resource = new Policy(this, 'Resource', {
      name: this.vaultPolicyName,
      policy: renderVaultPolicy(agent.name, vaultPolicyRulesFor(agent, props.settings, props.credentials)),
    });

    const cidrs = agent.boundCidrs.length > 0 ? [...agent.boundCidrs] : undefined;
    this.appRole = new ApproleAuthBackendRole(this, 'AppRole', {
      backend: props.appRoleBackend,
      roleName: this.appRoleName,
      // Only its own policy: no `default` policy, whose grants the table never asked for.
      tokenPolicies: [this.resource.name],
      tokenNoDefaultPolicy: true,
      tokenType: 'service',
      tokenTtl: agent.credentialTtl,
      tokenMaxTtl: agent.credentialMaxTtl,
      tokenExplicitMaxTtl: agent.credentialMaxTtl,
      bindSecretId: true,
      secretIdTtl: agent.secretIdTtl,
      secretIdNumUses: 0,
      secretIdBoundCidrs: cidrs,
      tokenBoundCidrs: cidrs,
    });
  }
}
