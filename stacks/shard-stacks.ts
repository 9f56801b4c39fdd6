import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AgentShard } from '../constructs/agent-shard';
import { FleetCore } from '../constructs/fleet-core';
import { Fleet } from '../model/fleet';
import { githubOwners } from '../model/github-oidc';
import { Shard } from '../model/shards';
import { setUpStack } from './private/stack-setup';

/** Props of {@link FleetSharedStack}. */
export interface FleetSharedStackProps {
  /** A validated table with `fleet.shards`. */
  readonly fleet: Fleet;
  /** @see FleetStackProps.localStatePath */
  readonly localStatePath?: string;
}

/**
 * The shared stack of a sharded fleet, named after the fleet: the Vault and
 * AWS providers, the backend and the {@link FleetCore}. Deploy it first; the
 * shard stacks read its outputs through remote state.
 */
export class FleetSharedStack extends TerraformStack {
  public readonly core: FleetCore;

  constructor(scope: Construct, id: string, props: FleetSharedStackProps) {
    super(scope, id);
    // Nothing shared writes to GitHub: environments and runbooks belong to the shards' agents.
    setUpStack(this, { settings: props.fleet.settings, github: false, localStatePath: props.localStatePath ?? `terraform.${id}.tfstate` });
    this.core = new FleetCore(this, 'fleet', { fleet: props.fleet });
  }
}

/** Props of {@link AgentShardStack}. */
export interface AgentShardStackProps {
  readonly fleet: Fleet;
  readonly shard: Shard;
  /** The shared stack's core. */
  readonly core: FleetCore;
  /** @see FleetStackProps.localStatePath */
  readonly localStatePath?: string;
}

/**
 * One shard's stack, named `<fleet>-shard-<key>` (or `<fleet>-<owner>`): its
 * own providers, its own state, and the {@link AgentShard}, whose references
 * to the shared stack cdktf turns into outputs there and remote-state reads here.
 */
export class AgentShardStack extends TerraformStack {
  public readonly shard: AgentShard;

  constructor(scope: Construct, id: string, props: AgentShardStackProps) {
    super(scope, id);
    const { fleet, shard } = props;
    setUpStack(this, {
      settings: fleet.settings,
      github: githubOwners({ ...fleet, agents: shard.agents }).length > 0,
      localStatePath: props.localStatePath ?? `terraform.${id}.tfstate`,
      tags: { shard: id },
    });
    this.shard = new AgentShard(this, 'fleet', { fleet, shard, core: props.core });
    this.addDependency(props.core.node.scope as TerraformStack);
  }
}
