import { readFileSync } from 'fs';
import { join } from 'path';
import { PROOF_TABLES, synthesizeTable } from '../support/synthesized';

/**
 * Which proof covers each resource and data type the project synthesizes.
 * A type that appears in the output without an entry here fails the suite:
 * nothing ships unproven by accident.
 */
const PROOFS: Record<string, readonly string[]> = {
  'resource vault_mount': ['OpenBao replay'],
  'resource vault_auth_backend': ['OpenBao replay', 'OpenBao probes (agent logins)'],
  // OpenBao ships no aws secrets engine: the replay mounts a KV stand-in at the same path.
  'resource vault_aws_secret_backend': ['OpenBao replay (KV stand-in; OpenBao has no aws engine)'],
  'resource vault_aws_secret_backend_role': ['OpenBao replay (KV stand-in; role fields checked)', 'OpenBao probes (creds path allowed to its agent only)'],
  'resource vault_policy': ['OpenBao replay', 'OpenBao probes (allowed and denied paths, of agents and functions)'],
  'resource vault_approle_auth_backend_role': ['OpenBao replay', 'OpenBao probes (TTLs, policies, bound CIDRs, function logins)'],
  'resource vault_kv_secret_v2': ['OpenBao replay', 'OpenBao probes (reads, denied neighbours)'],
  // GitHub's keys are on the internet: the replay points the backend at a key pair of the test, nothing else changes.
  'resource vault_jwt_auth_backend': ['OpenBao replay (key source: a local key pair)', 'OpenBao probes (GitHub-shaped OIDC token logins)'],
  'resource vault_jwt_auth_backend_role': [
    'OpenBao replay',
    'OpenBao probes (bound repository, environment, audience, issuer, expiry; TTLs, policies; revocation)',
  ],
  'resource aws_iam_openid_connect_provider': ['IAM simulation (the web-identity trust of github-actions roles)', 'unit assertions'],
  'resource github_repository_environment': ['unit assertions'],
  'resource github_actions_environment_variable': ['unit assertions (names, values, no secret)'],
  'resource github_repository_file': ['unit assertions (content is the runbook, escaped for Terraform)'],
  'resource vault_audit': ['OpenBao replay (file device, PUT sys/audit)', 'OpenBao usage proof (the CLI counts its log)', 'unit assertions'],
  'resource aws_iam_role': ['IAM simulation (trust policies of agents and fleet roles)', 'checkov'],
  'resource aws_iam_role_policy': ['IAM simulation (allowed and denied actions, agents and fleet roles)', 'checkov'],
  'resource aws_kms_key': [
    'IAM simulation (key policy evaluated with every request on the key)',
    'checkov (CKV_AWS_7, CKV_AWS_33, CKV2_AWS_64)',
    'unit assertions',
  ],
  'resource aws_kms_alias': ['unit assertions'],
  'resource aws_sns_topic': ['checkov (CKV_AWS_26)', 'unit assertions (KMS, subscribers)'],
  'resource aws_sns_topic_subscription': ['unit assertions'],
  'resource aws_chatbot_slack_channel_configuration': ['unit assertions (channel, topic, deny-all guardrail)', 'IAM simulation (its role may do nothing)'],
  'resource aws_lambda_function': ['checkov (CKV_AWS_45, CKV_AWS_50, CKV_AWS_115, CKV_AWS_116, CKV_AWS_173)', 'unit assertions (environment, code hash)'],
  'resource aws_lambda_function_url': [
    'unit assertions (authorization NONE, RESPONSE_STREAM, the gateway_url output)',
    'checkov (CKV_AWS_258 skipped, with its reason)',
    'the same handler behind a loopback HTTP server, end to end on OpenBao, moto and local HubSpot and SendGrid',
  ],
  'resource aws_dynamodb_table': [
    "moto (replayed: the gateway's items, key hashes and rate counters on it)",
    'checkov (CKV_AWS_28, CKV_AWS_119)',
    'IAM simulation (the gateway reads and counts, the rotation writes only key hashes, no agent reaches it)',
    'unit assertions',
  ],
  'resource aws_dynamodb_table_item': [
    'moto (replayed; the gateway acts on the items as synthesized)',
    "unit assertions (each item is the model's gatewayAgentConfig)",
  ],
  'resource aws_lambda_permission': ['checkov (CKV_AWS_301, CKV_AWS_364)', 'unit assertions'],
  'resource aws_sqs_queue': ['checkov (CKV_AWS_27)', 'IAM simulation (only its function sends)'],
  'resource aws_cloudwatch_log_group': ['checkov (CKV_AWS_158, CKV_AWS_338)', 'unit assertions'],
  'resource aws_cloudwatch_log_metric_filter': ['unit assertions (patterns from model/operations.ts)', 'moto (the usage summary reads the metrics they write)'],
  'resource aws_cloudwatch_metric_alarm': ['unit assertions (thresholds, topic)', 'checkov (CKV_AWS_319)'],
  'resource aws_scheduler_schedule': [
    'unit assertions (expression, target, input)',
    'checkov (CKV_AWS_297)',
    'moto (the usage summary runs on its synthesized input)',
  ],
  'resource aws_scheduler_schedule_group': ['unit assertions'],
  'resource aws_secretsmanager_secret': ['IAM simulation (who may read and write each)', 'checkov (CKV_AWS_149)', 'unit assertions (no value in Terraform)'],
  'resource aws_secretsmanager_secret_rotation': ['checkov (CKV_AWS_304)', 'unit assertions'],
  'resource aws_cloudwatch_dashboard': ['unit assertions (exact dashboard body)'],
  'resource aws_cloudtrail': [
    'checkov (CKV_AWS_35, CKV_AWS_36, CKV_AWS_67, CKV2_AWS_10)',
    'unit assertions (selectors, delivery)',
    'IAM simulation (its delivery role)',
  ],
  'resource aws_s3_bucket': ['checkov (CKV_AWS_21, CKV_AWS_145, CKV2_AWS_6, CKV2_AWS_61)', 'unit assertions'],
  'resource aws_s3_bucket_lifecycle_configuration': ['checkov (CKV_AWS_300)', 'unit assertions'],
  'resource aws_s3_bucket_ownership_controls': ['checkov (CKV2_AWS_65)', 'unit assertions'],
  'resource aws_s3_bucket_policy': ['checkov (CKV_AWS_70)', 'unit assertions (only the trail writes, TLS only)'],
  'resource aws_s3_bucket_public_access_block': ['checkov (CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56)', 'unit assertions'],
  'resource aws_s3_bucket_server_side_encryption_configuration': ['checkov (CKV_AWS_145 through the bucket)', 'unit assertions'],
  'resource aws_s3_bucket_versioning': ['checkov (CKV_AWS_21 through the bucket)', 'unit assertions'],
  'resource aws_kinesis_firehose_delivery_stream': [
    'checkov (CKV_AWS_240, CKV_AWS_241)',
    'IAM simulation (its role writes only its backup bucket and reads only the access key)',
    "moto (the gateway's call-log lines through the synthesized filter into a stream: the records decode to every field)",
    'unit assertions (one a fleet, destination, no key in Terraform)',
  ],
  'resource aws_cloudwatch_log_subscription_filter': [
    'unit assertions (one on every log group of the fleet, sharded too)',
    "IAM simulation (CloudWatch Logs' role puts records to the one stream, for the fleet's groups only)",
    "moto (the synthesized filter delivers the gateway's call-log lines)",
  ],
  'data aws_caller_identity': ['IAM simulation (resolved to the proof account)', 'unit assertions'],
  'data aws_partition': ['IAM simulation (resolved to aws)', 'unit assertions'],
  'data aws_region': ['IAM simulation (resolved to the proof region)', 'unit assertions'],
  // A shard's read of the shared stack's outputs: resolved by the joined view the reviews and the sharded OpenBao proof use.
  'data terraform_remote_state': [
    'unit assertions (backend, config, every output it reads exists)',
    'OpenBao replay of the joined shards (sharded revoke proof)',
    'checkov',
  ],
  'output (the gateway URL; cross-stack references of a sharded fleet)': ['unit assertions (gateway_url, every read output exists)', 'checkov'],
  'provider vault': ['unit assertions'],
  'provider github': ['unit assertions (empty: GITHUB_TOKEN, GITHUB_OWNER from the environment)'],
  'provider aws': ['checkov (CKV_AWS_41: no literal keys)', 'unit assertions'],
  'variable (seed__*, vault_aws_broker_principal_arn, vault_addr)': [
    'Terraform plan (the validation conditions evaluated, good and bad values)',
    'unit assertions',
  ],
};

/**
 * Every stack of every whole-fleet table is loaded by Terraform's own
 * configuration loader (`terraform-gate.test.ts`), so every type has that
 * proof besides its own: its JSON is Terraform's syntax, its expressions parse,
 * its block kind exists. (Not its attributes: those need the providers.)
 */
const TERRAFORM_LOADER = "Terraform's loader (terraform init)";

/** Every block type in a synthesized stack: resources, data sources, providers, variables. */
function blockTypes(json: Record<string, unknown>): string[] {
  const types: string[] = [];
  for (const block of ['resource', 'data'] as const) {
    for (const type of Object.keys((json[block] as Record<string, unknown>) ?? {})) types.push(`${block} ${type}`);
  }
  for (const provider of Object.keys((json.provider as Record<string, unknown>) ?? {})) types.push(`provider ${provider}`);
  if (json.variable) types.push('variable (seed__*, vault_aws_broker_principal_arn, vault_addr)');
  if (json.output) types.push('output (the gateway URL; cross-stack references of a sharded fleet)');
  return types;
}

/** The coverage table as Markdown, in a stable order. */
function coverageTable(types: readonly string[]): string {
  const rows = [...types].sort().map((t) => `| \`${t}\` | ${[TERRAFORM_LOADER, ...PROOFS[t]].join(', ')} |`);
  return ['| synthesized type | proof |', '|---|---|', ...rows].join('\n');
}

let emitted: string[];

beforeAll(async () => {
  const all = new Set<string>();
  // The proof tables, a sharded fleet (its shared stack's outputs and the shards' remote-state reads), and log forwarding.
  for (const { files } of [...PROOF_TABLES, { files: { table: 'test/fixtures/sharded.yaml' } }, { files: { table: 'test/fixtures/log-forwarding.yaml' } }]) {
    const { stacks } = await synthesizeTable(files);
    for (const stack of stacks) blockTypes(stack.json).forEach((t) => all.add(t));
  }
  emitted = [...all].sort();
});

test('every synthesized resource and data type has a proof', () => {
  expect(emitted.filter((t) => !(t in PROOFS))).toEqual([]);
});

test('the coverage table lists no type the project no longer emits', () => {
  expect(Object.keys(PROOFS).filter((t) => !emitted.includes(t))).toEqual([]);
});

test('docs/testing.md carries the current coverage table', () => {
  const table = coverageTable(emitted);
  process.stdout.write(`\nProof coverage of the synthesized output:\n${table}\n\n`);
  expect(readFileSync(join(__dirname, '..', '..', 'docs', 'testing.md'), 'utf8')).toContain(table);
});
