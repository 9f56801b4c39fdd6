import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { ApproleAuthBackendRole } from '@cdktf/provider-vault/lib/approle-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { functionVaultRole, revokerVaultPolicy, rotatorVaultPolicy, SECRET_NAMES } from '../model/operations';
import { renderVaultPolicy, VaultGrant } from '../model/vault-policy';

/** Props of {@link FunctionVaultLogin}. */
export interface FunctionVaultLoginProps {
  /** The function that logs in. */
  readonly role: 'revoke' | 'rotate' | 'gateway';
  /**
   * The policy's rules.
   * @default - the revoke or rotate function's policy of model/operations.ts over `agents`
   */
  readonly rules?: readonly VaultGrant[];
  readonly settings: FleetSettings;
  /** Names of the fleet's agents: the policy names each one's role and policy paths, no `agent-*` glob. */
  readonly agents: readonly string[];
  /**
   * Names of further Vault policies the function's tokens carry: in a sharded
   * fleet, each shard's policy for its own agents (`FunctionShardPolicy`),
   * and `agents` is then empty.
   * @default - none
   */
  readonly shardPolicies?: readonly string[];
  /** Path of the AppRole auth backend; pass the backend resource's `path` so the role depends on it. */
  readonly appRoleBackend: string;
  /** The fleet key, which encrypts the login secret. */
  readonly keyArn: string;
  /**
   * Seconds a token of the function lives; one invocation needs a few seconds.
   * @default 300
   */
  readonly tokenTtl?: number;
  /**
   * Seconds a token of the function may be renewed up to.
   * @default 900
   */
  readonly tokenMaxTtl?: number;
}

/**
 * The Vault side of one function: its own policy (from the contract in
 * model/operations.ts: the secret-id paths of each agent's AppRole role, the
 * agents' policies, the agents' KV entries, the fleet's control entries), an AppRole role `scoped-agents-<role>` whose
 * short-lived tokens carry only that policy, and the Secrets Manager secret
 * its login lives in.
 *
 * The login's value never passes through Terraform: the operator (or a
 * bootstrap step) writes `{ "role_id", "secret_id" }` into the secret once.
 */
export class FunctionVaultLogin extends Construct {
  /** The function's Vault policy (main resource). */
  public readonly resource: Policy;
  public readonly appRole: ApproleAuthBackendRole;
  /** Where the function reads its login. */
  public readonly secret: SecretsmanagerSecret;
  /** `scoped-agents-<role>`: the AppRole role and policy name. */
  public readonly roleName: string;
  public readonly secretArn: string;

  constructor(scope: Construct, id: string, props: FunctionVaultLoginProps) {
    super(scope, id);
    const { settings, role } = props;
    this.roleName = functionVaultRole(role);
    // Named agents, not the agent-* glob: the glob would also let the function
    // rewrite an agent's role and mint its secret-ids, a path to any policy.
    const agents = [...props.agents].sort();
    const rules = props.rules ?? (role === 'revoke' ? revokerVaultPolicy(settings, agents) : rotatorVaultPolicy(settings, agents));

    this.resource = new Policy(this, 'Resource', {
      name: this.roleName,
      policy: renderVaultPolicy(this.roleName, rules, `the ${role} function of fleet ${settings.name}`),
    });

    const tokenMaxTtl = props.tokenMaxTtl ?? 900;
    this.appRole = new ApproleAuthBackendRole(this, 'AppRole', {
      backend: props.appRoleBackend,
      roleName: this.roleName,
      tokenPolicies: [this.resource.name, ...(props.shardPolicies ?? [])],
      tokenNoDefaultPolicy: true,
      tokenType: 'service',
      tokenTtl: props.tokenTtl ?? 300,
      tokenMaxTtl,
      tokenExplicitMaxTtl: tokenMaxTtl,
      bindSecretId: true,
      // No expiry: a lapsed secret-id would silently disable revocation. It is
      // readable only by this function's role, and encrypted with the fleet key.
      secretIdTtl: 0,
      secretIdNumUses: 0,
    });

    this.secret = new SecretsmanagerSecret(this, 'Login', {
      name: SECRET_NAMES.functionLogin(settings.name, role),
      description:
        `Vault AppRole login ({"role_id","secret_id"}) of the ${role} function (role ${this.roleName}). ` +
        'Not managed by Terraform: the operator or a bootstrap step writes it once after the first apply.',
      kmsKeyId: props.keyArn,
      tags: { fleet: settings.name, component: role, 'managed-by': 'scoped-agents' },
    });
    this.secretArn = this.secret.arn;
  }
}
