import { readFileSync } from 'fs';
import { join } from 'path';
import { Fleet } from '../../model';
import { loadFleet } from '../../table';
import { fleetFromYaml, writeFiles } from '../helpers';
import { SynthesizedStack, synthesizeTable } from '../support/synthesized';
import { byName, ref, synthFleet, TerraformJson } from '../synth-helpers';

/**
 * `fleet.logForwarding`: one delivery stream per fleet, and a subscription
 * filter on every log group the fleet has — each agent's call log, the
 * gateway's calls, every function's log, the trail's — whether the fleet is
 * one stack or sharded; nothing at all without it.
 */

const FIXTURE = 'test/fixtures/log-forwarding.yaml';
const FIXTURE_TEXT = readFileSync(FIXTURE, 'utf8');
const SPLUNK = FIXTURE_TEXT.replace(
  / {2}logForwarding:\n(?: {4}.*\n)+/,
  '  logForwarding: { destination: splunk, url: "https://http-inputs-firehose-acme.splunkcloud.com:443", hecEndpointType: Event }\n',
);
const SHARDED = FIXTURE_TEXT.replace('fleet:\n', 'fleet:\n  shards: { by: name, count: 2 }\n');

const LOGS_ROLE = '${aws_iam_role.fleet_Operations_LogForwarding_LogsRole_411830F1.arn}';
const STREAM = '${aws_kinesis_firehose_delivery_stream.fleet_Operations_LogForwarding_FBBA44F7.arn}';
const KEY = '${aws_kms_key.fleet_Operations_Key_58208FDF.arn}';
const FIREHOSE_ROLE = '${aws_iam_role.fleet_Operations_LogForwarding_FirehoseRole_F56AC8CC.arn}';
const SECRET = '${aws_secretsmanager_secret.fleet_Operations_LogForwarding_AccessKey_A0E1747B.arn}';
const BUCKET = '${aws_s3_bucket.fleet_Operations_LogForwarding_Backup_B7EBFF52.arn}';

/** The log group each subscription filter is on, by the group's own `name`. */
function forwardedGroups(tf: TerraformJson): string[] {
  return Object.values(tf.resource.aws_cloudwatch_log_subscription_filter ?? {})
    .map((f) => {
      const m = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.name\}$/.exec(String(f.log_group_name));
      return m ? String(tf.resource.aws_cloudwatch_log_group[m[1]].name) : `unresolved ${String(f.log_group_name)}`;
    })
    .sort();
}

/** `${data.<type>.<id>.<attribute>}` of the stack's one data source of that type. */
function dataRef(tf: TerraformJson, type: string, attribute: string): string {
  const ids = Object.keys((tf as unknown as { data: Record<string, Record<string, unknown>> }).data[type]);
  expect(ids).toHaveLength(1);
  return `\${data.${type}.${ids[0]}.${attribute}}`;
}

describe('a fleet with logForwarding to an HTTPS endpoint', () => {
  let fleet: Fleet;
  let tf: TerraformJson;
  let ACCOUNT: string;
  let REGION: string;
  let PARTITION: string;
  beforeAll(async () => {
    fleet = await loadFleet({ table: FIXTURE });
    tf = synthFleet(fleet).tf;
    ACCOUNT = dataRef(tf, 'aws_caller_identity', 'account_id');
    REGION = dataRef(tf, 'aws_region', 'region');
    PARTITION = dataRef(tf, 'aws_partition', 'partition');
  });

  test('has exactly one delivery stream: the endpoint, its access key from Secrets Manager, KMS-encrypted, failed records backed up', () => {
    const streams = Object.values(tf.resource.aws_kinesis_firehose_delivery_stream);
    expect(streams).toHaveLength(1);
    const { '//': _meta, ...stream } = streams[0];
    expect(stream).toEqual({
      name: 'siem-demo-siem',
      destination: 'http_endpoint',
      server_side_encryption: { enabled: true, key_type: 'CUSTOMER_MANAGED_CMK', key_arn: KEY },
      http_endpoint_configuration: {
        url: 'https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input',
        name: 'Datadog',
        role_arn: FIREHOSE_ROLE,
        s3_backup_mode: 'FailedDataOnly',
        buffering_interval: 60,
        buffering_size: 4,
        retry_duration: 300,
        request_configuration: { content_encoding: 'GZIP' },
        secrets_manager_configuration: { enabled: true, secret_arn: SECRET, role_arn: FIREHOSE_ROLE },
        s3_configuration: {
          role_arn: FIREHOSE_ROLE,
          bucket_arn: BUCKET,
          kms_key_arn: KEY,
          compression_format: 'UNCOMPRESSED',
          prefix: 'failed/',
          error_output_prefix: 'errors/!{firehose:error-output-type}/',
          buffering_interval: 300,
          buffering_size: 5,
        },
      },
      tags: { fleet: 'siem-demo', component: 'log-forwarding', 'managed-by': 'scoped-agents' },
      depends_on: ['aws_iam_role_policy.fleet_Operations_LogForwarding_FirehosePolicy_7779E1D7'],
    });
    // No access key in Terraform: the stream has none, the secret has no version.
    expect(JSON.stringify(stream)).not.toMatch(/access_key/);
    expect(tf.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(byName(tf, 'aws_secretsmanager_secret')['scoped-agents/siem-demo/siem-access-key']).toMatchObject({
      kms_key_id: KEY,
      description: '{"api_key": …} that Firehose presents to the SIEM of fleet siem-demo. Not managed by Terraform: the operator writes it.',
    });
  });

  test('puts a subscription filter on every call log, both gateway groups, every function log and the trail, and nowhere else', () => {
    expect(forwardedGroups(tf)).toEqual(
      [
        '/aws/lambda/siem-demo-gateway',
        '/aws/lambda/siem-demo-notify',
        '/aws/lambda/siem-demo-revoke',
        '/aws/lambda/siem-demo-rotate',
        '/aws/lambda/siem-demo-usage-summary',
        '/scoped-agents/siem-demo/agents/invoice-summarizer',
        '/scoped-agents/siem-demo/agents/lead-enricher',
        '/scoped-agents/siem-demo/agents/newsletter',
        '/scoped-agents/siem-demo/cloudtrail',
        '/scoped-agents/siem-demo/gateway',
      ].sort(),
    );
    // Every log group the fleet has is forwarded.
    expect(forwardedGroups(tf)).toEqual(
      Object.values(tf.resource.aws_cloudwatch_log_group)
        .map((g) => String(g.name))
        .sort(),
    );
    for (const f of Object.values(tf.resource.aws_cloudwatch_log_subscription_filter)) {
      expect(f).toMatchObject({
        name: 'scoped-agents-siem',
        filter_pattern: '',
        destination_arn: STREAM,
        role_arn: LOGS_ROLE,
        depends_on: ['aws_iam_role_policy.fleet_Operations_LogForwarding_LogsPolicy_0BCAA0C9'],
      });
    }
  });

  test('CloudWatch Logs may send to that one stream only, and only for the fleet log groups of its account and region', () => {
    const roles = byName(tf, 'aws_iam_role');
    const group = (name: string): string => `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
    const functionGroups = ['gateway', 'notify', 'revoke', 'rotate', 'usage-summary'].flatMap((r) => [
      group(`/aws/lambda/siem-demo-${r}`),
      `${group(`/aws/lambda/siem-demo-${r}`)}:*`,
    ]);
    expect(JSON.parse(String(roles['siem-demo-siem-logs'].assume_role_policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyItsService',
          Effect: 'Allow',
          Principal: { Service: `logs.${REGION}.amazonaws.com` },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: {
              'aws:SourceArn': [
                `${group('/scoped-agents/siem-demo/agents/')}*`,
                ...functionGroups,
                group('/scoped-agents/siem-demo/cloudtrail'),
                `${group('/scoped-agents/siem-demo/cloudtrail')}:*`,
                group('/scoped-agents/siem-demo/gateway'),
                `${group('/scoped-agents/siem-demo/gateway')}:*`,
              ],
            },
          },
        },
      ],
    });
    const policies = byName(tf, 'aws_iam_role_policy');
    expect(JSON.parse(String(policies['siem-demo-siem-logs'].policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SendToSiemStream',
          Effect: 'Allow',
          Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          Resource: [`arn:${PARTITION}:firehose:${REGION}:${ACCOUNT}:deliverystream/siem-demo-siem`],
        },
      ],
    });
    expect(policies['siem-demo-siem-logs'].role).toBe(ref(tf, 'aws_iam_role', 'siem-demo-siem-logs', 'id'));
  });

  test("Firehose's role may write its backup bucket and read the access key, with the fleet key through S3 and Secrets Manager only", () => {
    const roles = byName(tf, 'aws_iam_role');
    expect(JSON.parse(String(roles['siem-demo-siem-firehose'].assume_role_policy)).Statement).toEqual([
      {
        Sid: 'OnlyItsService',
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': ACCOUNT } },
      },
    ]);
    expect(JSON.parse(String(byName(tf, 'aws_iam_role_policy')['siem-demo-siem-firehose'].policy)).Statement).toEqual([
      { Sid: 'BackupBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [BUCKET] },
      { Sid: 'BackupObjects', Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [`${BUCKET}/*`] },
      {
        Sid: 'FleetKeyThroughS3AndSecretsManager',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [KEY],
        Condition: { StringEquals: { 'kms:ViaService': [`s3.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } },
      },
      { Sid: 'ReadAccessKey', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [SECRET] },
    ]);
  });

  test('the backup bucket is private, versioned, encrypted with the fleet key, TLS only, and emptied after the log retention', () => {
    const bucketId = 'fleet_Operations_LogForwarding_Backup_B7EBFF52';
    expect(tf.resource.aws_s3_bucket[bucketId]).toMatchObject({ bucket_prefix: 'siem-demo-siem-', force_destroy: false });
    const bucket = `\${aws_s3_bucket.${bucketId}.id}`;
    const of = (type: string): Record<string, unknown>[] => Object.values(tf.resource[type] ?? {}).filter((r) => r.bucket === bucket);
    expect(of('aws_s3_bucket_public_access_block')).toEqual([
      expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
    ]);
    expect(of('aws_s3_bucket_versioning')).toEqual([expect.objectContaining({ versioning_configuration: { status: 'Enabled' } })]);
    expect(JSON.stringify(of('aws_s3_bucket_server_side_encryption_configuration'))).toContain(KEY);
    expect(of('aws_s3_bucket_lifecycle_configuration')[0]).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 365 }] })] });
    expect(JSON.parse(String(of('aws_s3_bucket_policy')[0].policy)).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['DenyInsecureTransport']);
  });

  test("the socket audit device sits beside the file device, with Vault's write timeout", () => {
    expect(byName(tf, 'vault_audit', 'path')).toEqual({
      'siem-demo': expect.objectContaining({ type: 'file' }),
      'siem-demo-socket': expect.objectContaining({
        type: 'socket',
        options: { address: 'siem-agent.acme.internal:9090', socket_type: 'tcp', format: 'json', write_timeout: '2s' },
      }),
    });
  });
});

test('splunk: the HEC endpoint and type, the HEC token from Secrets Manager, the envelopes unpacked into log lines', async () => {
  const tf = synthFleet(await fleetFromYaml(SPLUNK)).tf;
  const streams = Object.values(tf.resource.aws_kinesis_firehose_delivery_stream);
  expect(streams).toHaveLength(1);
  expect(streams[0].http_endpoint_configuration).toBeUndefined();
  expect(streams[0]).toMatchObject({
    destination: 'splunk',
    splunk_configuration: {
      hec_endpoint: 'https://http-inputs-firehose-acme.splunkcloud.com:443',
      hec_endpoint_type: 'Event',
      s3_backup_mode: 'FailedEventsOnly',
      secrets_manager_configuration: { enabled: true, secret_arn: SECRET, role_arn: FIREHOSE_ROLE },
      processing_configuration: {
        enabled: true,
        processors: [
          { type: 'Decompression', parameters: [{ parameter_name: 'CompressionFormat', parameter_value: 'GZIP' }] },
          { type: 'CloudWatchLogProcessing', parameters: [{ parameter_name: 'DataMessageExtraction', parameter_value: 'true' }] },
        ],
      },
    },
  });
  expect(JSON.stringify(streams[0])).not.toMatch(/hec_token/);
  expect(byName(tf, 'aws_secretsmanager_secret')['scoped-agents/siem-demo/siem-access-key'].description).toMatch(/^\{"hec_token": …\}/);
  expect(forwardedGroups(tf)).toHaveLength(10);
});

describe('a sharded fleet with logForwarding', () => {
  let stacks: SynthesizedStack[];
  beforeAll(async () => {
    stacks = (await synthesizeTable({ table: join(writeFiles({ 'agents.yaml': SHARDED }), 'agents.yaml') })).stacks;
  });

  test("the shared stack holds the one stream and the fleet groups' filters; each shard filters its own agents' call logs through locals", () => {
    const shared = stacks.find((s) => s.name === 'siem-demo')!;
    const shards = stacks.filter((s) => s !== shared);
    expect(shards.length).toBeGreaterThan(0);
    const count = (s: SynthesizedStack, type: string): number => Object.keys(s.json.resource?.[type] ?? {}).length;
    expect(stacks.map((s) => count(s, 'aws_kinesis_firehose_delivery_stream'))).toEqual(stacks.map((s) => (s === shared ? 1 : 0)));
    expect(forwardedGroups(shared.json as unknown as TerraformJson)).toEqual([
      '/aws/lambda/siem-demo-gateway',
      '/aws/lambda/siem-demo-notify',
      '/aws/lambda/siem-demo-revoke',
      '/aws/lambda/siem-demo-rotate',
      '/aws/lambda/siem-demo-usage-summary',
      '/scoped-agents/siem-demo/cloudtrail',
      '/scoped-agents/siem-demo/gateway',
    ]);
    const sharded = shards.flatMap((s) => forwardedGroups(s.json as unknown as TerraformJson));
    expect(sharded.sort()).toEqual([
      '/scoped-agents/siem-demo/agents/invoice-summarizer',
      '/scoped-agents/siem-demo/agents/lead-enricher',
      '/scoped-agents/siem-demo/agents/newsletter',
    ]);
    for (const shard of shards) {
      for (const f of Object.values(shard.json.resource?.aws_cloudwatch_log_subscription_filter ?? {})) {
        expect(f).toMatchObject({ destination_arn: '${local.fleet_siem_stream_arn}', role_arn: '${local.fleet_siem_logs_role_arn}' });
        expect(f.depends_on).toBeUndefined();
      }
    }
  });
});

describe('without logForwarding', () => {
  test.each(['agents.yaml', 'test/fixtures/fleet.yaml', 'test/fixtures/github-agents.yaml', 'test/fixtures/sharded.yaml'])(
    '%s has no stream, no subscription filter, no forwarding role and no socket device',
    async (table) => {
      const { stacks } = await synthesizeTable({ table });
      for (const stack of stacks) {
        const text = readFileSync(stack.file, 'utf8');
        expect([stack.name, text.match(/aws_kinesis_firehose_delivery_stream|aws_cloudwatch_log_subscription_filter|-siem|"socket"|fleet_siem_/g)]).toEqual([
          stack.name,
          null,
        ]);
      }
    },
  );
});
