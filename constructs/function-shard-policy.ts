import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { functionShardPolicyName, revokerAgentRules, rotatorAgentRules } from '../model/operations';
import { renderVaultPolicy, VaultGrant } from '../model/vault-policy';

/** Props of {@link FunctionShardPolicy}. */
export interface FunctionShardPolicyProps {
  /** The function it grants. */
  readonly role: 'revoke' | 'rotate' | 'gateway';
  /**
   * The policy's rules.
   * @default - what model/operations.ts grants the revoke or rotate function over `agents`
   */
  readonly rules?: readonly VaultGrant[];
  readonly settings: FleetSettings;
  /** The shard's stack name. */
  readonly shard: string;
  /** The shard's agents, named one by one (never an `agent-*` glob; see `revokerVaultPolicy`). */
  readonly agents: readonly string[];
}

/**
 * What the revoke, rotate or gateway function may do to one shard's agents, as a Vault
 * policy of the shard's own stack (`scoped-agents-<role>-<shard>`). The
 * function's AppRole role in the shared stack lists every shard's policy
 * name, so an agent added to a shard changes this policy and nothing shared.
 */
export class FunctionShardPolicy extends Construct {
  /** The policy (main resource). */
  public readonly resource: Policy;
  public readonly policyName: string;

  constructor(scope: Construct, id: string, props: FunctionShardPolicyProps) {
    super(scope, id);
    const { role, settings } = props;
    this.policyName = functionShardPolicyName(role, props.shard);
    const agents = [...props.agents].sort();
    const rules = props.rules ?? (role === 'revoke' ? revokerAgentRules(settings, agents) : rotatorAgentRules(settings, agents));
    this.resource = new Policy(this, 'Resource', {
      name: this.policyName,
      policy: renderVaultPolicy(this.policyName, rules, `the ${role} function over the agents of shard ${props.shard} of fleet ${settings.name}`),
    });
  }
}
