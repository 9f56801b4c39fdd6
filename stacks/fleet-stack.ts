import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AgentFleet } from '../constructs/agent-fleet';
import { Fleet } from '../model/fleet';
import { githubOwners } from '../model/github-oidc';
import { setUpStack } from './private/stack-setup';

/** Props of {@link FleetStack}. */
export interface FleetStackProps {
  /** A validated table (`loadFleet`). */
  readonly fleet: Fleet;
  /**
   * Path of the local state file, relative to the directory Terraform runs in
   * (`<outdir>/stacks/<stack>/`); unused with `fleet.state`.
   * @default `terraform.<stack>.tfstate`, inside that directory
   */
  readonly localStatePath?: string;
}

/**
 * The stack that deploys a whole fleet: the Vault and AWS providers (GitHub's
 * when a `github-actions` agent or `fleet.runbooks` needs it; validation keeps
 * the table's repositories under one owner), the backend, and the
 * {@link AgentFleet}.
 */
export class FleetStack extends TerraformStack {
  public readonly fleet: AgentFleet;

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id);
    setUpStack(this, {
      settings: props.fleet.settings,
      github: githubOwners(props.fleet).length > 0,
      localStatePath: props.localStatePath ?? `terraform.${id}.tfstate`,
    });
    this.fleet = new AgentFleet(this, 'fleet', { fleet: props.fleet });
  }
}
