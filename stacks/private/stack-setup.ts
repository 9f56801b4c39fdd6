import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import { FleetSettings } from '../../model/fleet';

/** How one stack of a fleet is set up. */
export interface StackSetup {
  readonly settings: FleetSettings;
  /** Whether the stack writes to GitHub (a `github-actions` agent's environment, or runbooks). */
  readonly github: boolean;
  /** Path of the local state file, relative to `<outdir>/stacks/<stack>/`; used without `fleet.state`. */
  readonly localStatePath: string;
  /** Tags every AWS resource of the stack carries besides `managed-by` and `fleet`. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Gives a stack of the fleet its providers and its backend.
 *
 * Providers carry no literal configuration: Vault reads `VAULT_ADDR` and
 * `VAULT_TOKEN` (or its other auth methods) from the environment, AWS its usual
 * credential chain and `AWS_REGION`, GitHub `GITHUB_TOKEN` and `GITHUB_OWNER`.
 * The backend is `fleet.state.s3` — one object per stack, keyed by the stack's
 * name, locked by an S3 lock file — or `fleet.state.hcp` — one HCP Terraform
 * workspace per stack — or a local file.
 */
export function setUpStack(stack: TerraformStack, setup: StackSetup): void {
  const { settings } = setup;
  new VaultProvider(stack, 'vault', {});
  // Every fleet stack has AWS resources: keys, topics, schedules, functions, alarms.
  new AwsProvider(stack, 'aws', { defaultTags: [{ tags: { 'managed-by': 'scoped-agents', fleet: settings.name, ...setup.tags } }] });
  if (setup.github) new GithubProvider(stack, 'github', {});
  // Write-only attributes (the KV entries' data_json_wo) and ephemeral variables need Terraform 1.11.
  stack.addOverride('terraform.required_version', '>= 1.11.0');
  const { s3, hcp } = settings.state ?? {};
  if (hcp) {
    // Shards read the shared workspace's outputs: allow it in its settings (remote state sharing).
    new CloudBackend(stack, {
      organization: hcp.organization,
      hostname: hcp.hostname,
      workspaces: new NamedCloudWorkspace(`${hcp.workspacePrefix}${stack.node.id}`),
    });
  } else if (s3) {
    new S3Backend(stack, {
      bucket: s3.bucket,
      region: s3.region,
      key: stateKey(s3.keyPrefix, stack.node.id),
      encrypt: true,
      kmsKeyId: s3.kmsKeyId,
    });
    // S3's own lock file (Terraform 1.10+): no DynamoDB table to keep. cdktf 0.21 has no prop for it yet.
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
  } else {
    new LocalBackend(stack, { path: setup.localStatePath });
  }
}

/** Where a stack's state lives in the state bucket: `<keyPrefix>/<stack>/terraform.tfstate`. */
export function stateKey(keyPrefix: string, stackName: string): string {
  return `${keyPrefix}/${stackName}/terraform.tfstate`;
}
