import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsSecretBackendRole } from '@cdktf/provider-vault/lib/aws-secret-backend-role';
import { Construct } from 'constructs';
import { loginMethodOf } from '../model/agent-login';
import { Agent, agentResourceName } from '../model/fleet';
import { githubTrustPolicyFor } from '../model/github-oidc';
import { awsSessionLimitsFor, IamPolicyDocument, trustPolicyFor } from '../model/iam-policy';

/** Props of {@link AgentAwsRole}. */
export interface AgentAwsRoleProps {
  readonly agent: Agent;
  /** The agent's IAM permissions, from `iamPolicyFor`. */
  readonly policy: IamPolicyDocument;
  /**
   * Path of Vault's AWS secrets engine that brokers the agent's sessions.
   * Required unless the agent names its own `awsPrincipal` or runs on GitHub Actions.
   * @default - no broker; the agent's `awsPrincipal` assumes the role itself
   */
  readonly awsSecretBackend?: string;
  /**
   * ARN of the principal Vault's AWS secrets engine runs as; the only principal
   * the role trusts when the agent has no `awsPrincipal`.
   * @default - none; required when `awsSecretBackend` is given
   */
  readonly brokerPrincipalArn?: string;
  /**
   * ARN of the account's IAM OIDC provider for token.actions.githubusercontent.com,
   * the only principal the role of a `github-actions` agent trusts.
   * @default - none; required for a `github-actions` agent
   */
  readonly githubOidcProviderArn?: string;
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
    const sessions = awsSessionLimitsFor(agent);

    let trust: object;
    if (loginMethodOf(agent) === 'github-jwt') {
      if (props.githubOidcProviderArn === undefined) throw new Error(`agent ${agent.name}: the IAM role of a github-actions agent needs githubOidcProviderArn`);
      trust = githubTrustPolicyFor(props.githubOidcProviderArn, agent.github!);
    } else {
      const principal = agent.awsPrincipal ?? props.brokerPrincipalArn;
      if (principal === undefined || (agent.awsPrincipal === undefined && props.awsSecretBackend === undefined)) {
        throw new Error(`agent ${agent.name}: an IAM role needs awsPrincipal or both awsSecretBackend and brokerPrincipalArn`);
      }
      trust = trustPolicyFor(principal);
    }

    this.resource = new IamRole(this, 'Resource', {
      name: this.roleName,
      description: `Least-privilege role of agent ${agent.name} (scoped-agents)`,
      assumeRolePolicy: JSON.stringify(trust),
      maxSessionDuration: sessions.roleMaxSession,
      permissionsBoundary: agent.permissionsBoundary,
      tags: { agent: agent.name, owner: agent.owner, 'managed-by': 'scoped-agents' },
    });
    this.roleArn = this.resource.arn;

    this.policy = new IamRolePolicy(this, 'Policy', {
      name: this.roleName,
      role: this.resource.id,
      policy: JSON.stringify(props.policy),
    });

    if (agent.awsPrincipal === undefined && loginMethodOf(agent) === 'approle') {
      // AWS issues no session shorter than 15 minutes; the Vault token keeps the table's TTL.
      this.broker = new AwsSecretBackendRole(this, 'Broker', {
        backend: props.awsSecretBackend!,
        name: this.roleName,
        credentialType: 'assumed_role',
        roleArns: [this.resource.arn],
        defaultStsTtl: sessions.defaultSession,
        maxStsTtl: sessions.maxSession,
      });
    }
  }
}
