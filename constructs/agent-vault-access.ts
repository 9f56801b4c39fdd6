import { ApproleAuthBackendRole } from '@cdktf/provider-vault/lib/approle-auth-backend-role';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { Access } from '../model/access';
import { Agent, agentResourceName, FleetSettings } from '../model/fleet';
import { githubJwtRoleFor } from '../model/github-oidc';
import { renderVaultPolicy } from '../model/vault-policy';

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
   * Path of the JWT auth backend that takes GitHub Actions' OIDC tokens; pass
   * the backend resource's `path`. Required for a `github-actions` agent.
   * @default - none; a `github-actions` agent then fails to construct
   */
  readonly jwtBackend?: string;
  /**
   * How each SaaS credential is stored (`fleet.credentials`): an entry kept in
   * AWS is not granted in Vault.
   * @default - every credential in Vault
   */
  /** What the agent may do (`accessFor`): its Vault grants and its login, rendered here. */
  readonly access: Access;
}

/**
 * The agent's Vault identity: one policy `agent-<name>` with exactly its
 * grants, and one role whose short-lived tokens carry only that policy — an
 * AppRole role, or for a `github-actions` agent a JWT role that accepts only
 * GitHub's OIDC tokens for its repository and environment (no secret-id exists).
 */
export class AgentVaultAccess extends Construct {
  /** The Vault policy (main resource). */
  public readonly resource: Policy;
  /** The AppRole role the agent logs in with; absent for a `github-actions` agent. */
  public readonly appRole?: ApproleAuthBackendRole;
  /** The JWT role a `github-actions` agent logs in with. */
  public readonly jwtRole?: JwtAuthBackendRole;
  /** Name of the Vault policy, `agent-<name>`. */
  public readonly vaultPolicyName: string;
  /** Name of the role the agent logs in with (AppRole or JWT), `agent-<name>`. */
  public readonly loginRoleName: string;
  /** Name of the AppRole role, `agent-<name>`; absent for a `github-actions` agent. */
  public readonly appRoleName?: string;

  constructor(scope: Construct, id: string, props: AgentVaultAccessProps) {
    super(scope, id);
    const { agent } = props;
    this.vaultPolicyName = agentResourceName(agent);
    this.loginRoleName = agentResourceName(agent);

    this.resource = new Policy(this, 'Resource', {
      name: this.vaultPolicyName,
      policy: renderVaultPolicy(agent.name, props.access.vault.grants),
    });

    const { login } = props.access;
    const cidrs = login.boundCidrs.length > 0 ? [...login.boundCidrs] : undefined;
    if (login.method === 'github-jwt') {
      if (props.jwtBackend === undefined)
        throw new Error(`agent ${agent.name}: a github-actions agent needs jwtBackend, the JWT auth backend for GitHub's OIDC tokens`);
      const role = githubJwtRoleFor(agent, props.settings);
      this.jwtRole = new JwtAuthBackendRole(this, 'JwtRole', {
        backend: props.jwtBackend,
        roleName: role.roleName,
        roleType: role.roleType,
        userClaim: role.userClaim,
        boundAudiences: [...login.boundAudiences!],
        boundClaims: { ...login.boundClaims },
        // Literal comparison: a `*` in a claim would be a character, never a glob.
        boundClaimsType: role.boundClaimsType,
        tokenPolicies: [this.resource.name],
        tokenNoDefaultPolicy: role.tokenNoDefaultPolicy,
        tokenType: role.tokenType,
        tokenTtl: login.tokenTtl,
        tokenMaxTtl: login.tokenMaxTtl,
        tokenExplicitMaxTtl: role.tokenExplicitMaxTtl,
        tokenBoundCidrs: cidrs,
      });
      return;
    }

    this.appRoleName = this.loginRoleName;
    this.appRole = new ApproleAuthBackendRole(this, 'AppRole', {
      backend: props.appRoleBackend,
      roleName: this.appRoleName,
      // Only its own policy: no `default` policy, whose grants the table never asked for.
      tokenPolicies: [this.resource.name],
      tokenNoDefaultPolicy: true,
      tokenType: 'service',
      tokenTtl: login.tokenTtl,
      tokenMaxTtl: login.tokenMaxTtl,
      tokenExplicitMaxTtl: login.tokenMaxTtl,
      bindSecretId: true,
      secretIdTtl: login.secretIdTtl,
      secretIdNumUses: 0,
      secretIdBoundCidrs: cidrs,
      tokenBoundCidrs: cidrs,
    });
  }
}
