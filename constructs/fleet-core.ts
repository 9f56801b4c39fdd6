import { Audit } from '@cdktf/provider-vault/lib/audit';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { AwsSecretBackend } from '@cdktf/provider-vault/lib/aws-secret-backend';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Construct } from 'constructs';
import { Fleet } from '../model/fleet';
import { possibleShardKeys, shardStackName } from '../model/shards';
import { FleetOperations } from './fleet-operations';
import { GithubActionsIdentity } from './github-actions-identity';
import { addFleetCore, FleetCoreParts } from './private/fleet-parts';

/** Props of {@link FleetCore}. */
export interface FleetCoreProps {
  /** A validated table with `fleet.shards` (`loadFleet`). */
  readonly fleet: Fleet;
  /**
   * ARN of the IAM principal Vault's AWS secrets engine runs as.
   * @default - a Terraform variable `vault_aws_broker_principal_arn`, declared only when an agent needs it
   */
  readonly brokerPrincipalArn?: string;
  /**
   * ARN of the account's existing IAM OIDC provider for token.actions.githubusercontent.com.
   * @default - the fleet creates it, when a `github-actions` agent has an IAM role
   */
  readonly githubOidcProviderArn?: string;
}

/**
 * The shared part of a sharded fleet, in the stack named after the fleet:
 * what every shard's agents attach to — the KV v2 mount, the AppRole backend,
 * the audit device, Vault's AWS secrets engine, the operations (key, topic,
 * scheduler, functions and their Vault logins, the optional trail) and
 * GitHub's OIDC identity. No agent is named here except by the fleet trail's
 * selectors, so agents come and go without changing it.
 *
 * Each resource keeps the address it has in an unsharded `AgentFleet`.
 */
export class FleetCore extends Construct implements FleetCoreParts {
  public readonly kvMount: Mount;
  public readonly appRole: AuthBackend;
  public readonly vaultAudit?: Audit;
  /** The `socket` audit device beside the file device, with `fleet.vaultAuditSocket`. */
  public readonly vaultAuditSocket?: Audit;
  public readonly awsSecrets?: AwsSecretBackend;
  public readonly brokerPrincipalArn?: string;
  public readonly operations: FleetOperations;
  public readonly githubActions?: GithubActionsIdentity;

  constructor(scope: Construct, id: string, props: FleetCoreProps) {
    super(scope, id);
    const shards = props.fleet.settings.shards;
    if (!shards)
      throw new Error(`fleet ${props.fleet.settings.name}: FleetCore is the shared stack of a sharded fleet; set fleet.shards in the table, or use AgentFleet`);
    const shardStacks = possibleShardKeys(props.fleet).map((key) => shardStackName(props.fleet.settings.name, shards, key));
    const core = addFleetCore(this, { ...props, shardStacks });
    this.kvMount = core.kvMount;
    this.appRole = core.appRole;
    this.vaultAudit = core.vaultAudit;
    this.vaultAuditSocket = core.vaultAuditSocket;
    this.awsSecrets = core.awsSecrets;
    this.brokerPrincipalArn = core.brokerPrincipalArn;
    this.operations = core.operations;
    this.githubActions = core.githubActions;
  }
}
