import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Fleet, needsIamRole } from '../model';
import { FleetOperations } from './fleet-operations';
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
}

/**
 * A whole agent table: the shared Vault backends (a KV v2 mount for the
 * agents' entries, an AppRole auth backend, and Vault's AWS secrets engine
 * when any agent's AWS sessions are brokered), the fleet's operations (key,
 * alarm topic, scheduler, revoke/rotate/notify functions), and one
 * {@link ScopedAgent} per agent.
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

    const brokered = fleet.agents.some((a) => a.awsPrincipal === undefined && needsIamRole(a, fleet.credentials));
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
      });
    }
  }
}
