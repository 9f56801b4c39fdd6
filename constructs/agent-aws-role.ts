import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsSecretBackendRole } from '@cdktf/provider-vault/lib/aws-secret-backend-role';
import { Construct } from 'constructs';
import { AwsRoleAccess } from '../model/access';
import { Agent, agentResourceName } from '../model/fleet';

/** Props of {@link AgentAwsRole}. */
export interface AgentAwsRoleProps {
  readonly agent: Agent;
  /** The agent's IAM role as `accessFor` gives it: its statements, its trust, its session lengths. */
  readonly role: AwsRoleAccess;
  /**
   * Path of Vault's AWS secrets engine that brokers the agent's sessions.
   * Required when Vault brokers them (the agent has no `awsPrincipal` and does not run on GitHub Actions).
   * @default - no broker; the agent's `awsPrincipal` assumes the role itself
   */
  readonly awsSecretBackend?: string;
}

/**
 * The agent's AWS identity: an IAM role `agent-<name>` with one inline policy
 * of exactly its `aws:` scopes, trusted by one principal only — Vault's AWS
 * secrets engine (with a Vault AWS role issuing STS sessions of the table's
 * TTL), the agent's own runtime principal, or, for a `github-actions` agent,
 * GitHub's OIDC provider for its one repository and environment.
 */
export class AgentAwsRole extends Construct {
  /** The IAM role (main resource). */
  public readonly resource: IamRole;
  /** The role's one inline policy. */
  public readonly policy: IamRolePolicy;
  /** The Vault AWS role that issues the agent's STS sessions, when Vault brokers them. */
  public readonly broker?: AwsSecretBackendRole;
  /** ARN of the IAM role. */
  public readonly roleArn: string;
  /** Name of the IAM role, `agent-<name>`. */
  public readonly roleName: string;

  constructor(scope: Construct, id: string, props: AgentAwsRoleProps) {
    super(scope, id);
    const { agent } = props;
    this.roleName = agentResourceName(agent);

    const { role } = props;
    if (role.access === 'vault-broker' && props.awsSecretBackend === undefined) {
      throw new Error(`agent ${agent.name}: an IAM role needs awsPrincipal or both awsSecretBackend and brokerPrincipalArn`);
    }

    this.resource = new IamRole(this, 'Resource', {
      name: this.roleName,
      description: `Least-privilege role of agent ${agent.name} (scoped-agents)`,
      assumeRolePolicy: JSON.stringify(role.trust),
      maxSessionDuration: role.maxSessionDuration,
      permissionsBoundary: role.permissionsBoundary,
      tags: { agent: agent.name, owner: agent.owner, 'managed-by': 'scoped-agents' },
    });
    this.roleArn = this.resource.arn;

    this.policy = new IamRolePolicy(this, 'Policy', {
      name: this.roleName,
      role: this.resource.id,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: role.statements }),
    });

    if (role.sessions) {
      // AWS issues no session shorter than 15 minutes; the Vault token keeps the table's TTL.
      this.broker = new AwsSecretBackendRole(this, 'Broker', {
        backend: props.awsSecretBackend!,
        name: this.roleName,
        credentialType: 'assumed_role',
        roleArns: [this.resource.arn],
        defaultStsTtl: role.sessions.defaultTtl,
        maxStsTtl: role.sessions.maxTtl,
      });
    }
  }
}
