import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AgentFleet } from '../constructs/agent-fleet';
import { Fleet, githubOwners } from '../model';

/** Props of {@link FleetStack}. */
export interface FleetStackProps {
  /** A validated table (`loadFleet`). */
  readonly fleet: Fleet;
  /**
   * Path of the local state file, relative to the directory Terraform runs in
   * (`<outdir>/stacks/<stack>/`).
   * @default `terraform.<stack>.tfstate`, inside that directory
   */
  readonly localStatePath?: string;
}

/**
 * The stack that deploys a fleet: the Vault and AWS providers, a local
 * backend, and the {@link AgentFleet}.
 *
 * Providers carry no literal configuration: Vault reads `VAULT_ADDR` and
 * `VAULT_TOKEN` (or its other auth methods) from the environment, AWS its usual
 * credential chain and `AWS_REGION`, GitHub `GITHUB_TOKEN` and `GITHUB_OWNER`
 * (declared only when a `github-actions` agent or `fleet.runbooks` needs it;
 * validation keeps the table's repositories under one owner).
 */
export class FleetStack extends TerraformStack {
  public readonly fleet: AgentFleet;

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id);
    new VaultProvider(this, 'vault', {});
    // Every fleet has AWS resources: its key, alarm topic, schedules and functions.
    new AwsProvider(this, 'aws', {
      defaultTags: [{ tags: { 'managed-by': 'scoped-agents', fleet: props.fleet.settings.name } }],
    });
    // Write-only attributes (the KV entries' data_json_wo) and ephemeral variables need Terraform 1.11.
    this.addOverride('terraform.required_version', '>= 1.11.0');
    new LocalBackend(this, { path: props.localStatePath ?? `terraform.${id}.tfstate` });
    if (githubOwners(props.fleet).length > 0) new GithubProvider(this, 'github', {});
    this.fleet = new AgentFleet(this, 'fleet', { fleet: props.fleet });
  }
}
