import { Fleet } from '../../model';
import { loadFleet } from '../../table';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { FleetDashboard } from '../../constructs/fleet-dashboard';
import { dashboardBody } from '../../constructs/private/dashboard-body';
import { BASE_SCOPES, fleetFromYaml } from '../helpers';
import { byName, ref, synthFleet, TerraformJson } from '../synth-helpers';

/**
 * Every call logged, and a daily summary: the fleet's Vault audit device, the
 * optional CloudTrail trail (bucket, log group, delivery role, per-agent
 * filters), the dashboard, and the daily usage-summary function and schedule.
 *
 * The seed has no trail and announces alarms through the webhook; AUDITED has
 * a trail, announces through AWS Chatbot, and mixes agents with and without
 * IAM roles.
 */

const AUDITED = `version: 1
fleet:
  name: audited
  cloudTrail: true
  vaultAuditFile: /srv/vault/audited.log
  notify: { slackTeamId: T0123, slackChannelId: C0456 }
${BASE_SCOPES}  orders.write:
    aws: { actions: [dynamodb:PutItem], resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"] }
agents:
  - name: loader
    owner: data@acme.example
    awsPrincipal: arn:aws:iam::123456789012:role/loader-runtime
    alarms: { maxCallsPerMinute: 60 }
    actions:
      - { action: Upload, scopes: [storage.objects.create, storage.buckets.read] }
      - { action: Record orders, scopes: [orders.write] }
  - name: writer
    owner: growth@acme.example
    actions:
      - { action: Tag contacts, scopes: [crm.tags.write] }
`;

let seed: Fleet;
let audited: Fleet;
let seedTf: TerraformJson;
let auditedTf: TerraformJson;

beforeAll(async () => {
  seed = await loadFleet({ table: 'agents.yaml' });
  audited = await fleetFromYaml(AUDITED);
  seedTf = synthFleet(seed).tf;
  auditedTf = synthFleet(audited).tf;
});

const data = (tf: TerraformJson, type: string, attr: string): string =>
  `\${data.${type}.${Object.keys((tf as unknown as { data: Record<string, Record<string, unknown>> }).data[type])[0]}.${attr}}`;
const arnIn = (tf: TerraformJson, service: string, resource: string): string =>
  `arn:${data(tf, 'aws_partition', 'partition')}:${service}:${service === 'iam' ? '' : data(tf, 'aws_region', 'region')}:${data(tf, 'aws_caller_identity', 'account_id')}:${resource}`;
const only = (tf: TerraformJson, type: string): [string, Record<string, unknown>] => {
  const entries = Object.entries(tf.resource[type] ?? {});
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return entries[0];
};
const refOf = (tf: TerraformJson, type: string, attr: string): string => `\${${type}.${only(tf, type)[0]}.${attr}}`;
const withoutMeta = (body: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(body).filter(([k]) => k !== '//' && k !== '//id'));

describe('the Vault audit device', () => {
  test('is a file device at sys/audit/<fleet>, writing JSON to the default file named after the fleet', () => {
    expect(withoutMeta(only(seedTf, 'vault_audit')[1])).toEqual({
      type: 'file',
      path: 'scoped-agents',
      description: 'Every request, for the usage of the agents of fleet scoped-agents (scoped-agents)',
      options: { file_path: '/var/log/vault/scoped-agents-audit.log', format: 'json', mode: '0600' },
    });
  });

  test('is left to the server when the table says vaultAudit: false', async () => {
    const declared = synthFleet(
      await fleetFromYaml(
        `version: 1\nfleet:\n  vaultAudit: false\n${BASE_SCOPES}agents:\n  - { name: a, owner: o@acme.example, actions: [{ action: Tag, scopes: [crm.tags.write] }] }\n`,
      ),
    ).tf;
    expect(declared.resource.vault_audit).toBeUndefined();
  });

  test("writes to the table's vaultAuditFile", () => {
    expect(only(auditedTf, 'vault_audit')[1]).toMatchObject({
      path: 'audited',
      options: { file_path: '/srv/vault/audited.log', format: 'json', mode: '0600' },
    });
  });
});

describe('the CloudTrail trail', () => {
  test('is absent unless the table asks for it', () => {
    for (const type of ['aws_cloudtrail', 'aws_s3_bucket', 'aws_s3_bucket_policy']) expect(seedTf.resource[type]).toBeUndefined();
    expect(Object.keys(byName(seedTf, 'aws_cloudwatch_log_group'))).not.toContain('/scoped-agents/scoped-agents/cloudtrail');
    const key = JSON.parse(String(only(seedTf, 'aws_kms_key')[1].policy));
    expect(key.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'AccountAdministersAndIamGrants',
      'CloudWatchLogsForFleetLogGroups',
      'CloudWatchAlarmsPublishToTopic',
    ]);
  });

  test('is multi-region, validates its log files, encrypts them with the fleet key, and delivers to its log group', () => {
    const [, trail] = only(auditedTf, 'aws_cloudtrail');
    expect(withoutMeta(trail)).toEqual({
      name: 'audited-trail',
      s3_bucket_name: refOf(auditedTf, 'aws_s3_bucket', 'id'),
      kms_key_id: refOf(auditedTf, 'aws_kms_key', 'arn'),
      enable_log_file_validation: true,
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_logging: true,
      cloud_watch_logs_group_arn: `${ref(auditedTf, 'aws_cloudwatch_log_group', '/scoped-agents/audited/cloudtrail')}:*`,
      cloud_watch_logs_role_arn: ref(auditedTf, 'aws_iam_role', 'audited-cloudtrail'),
      advanced_event_selector: [
        { name: 'Management events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] },
        {
          name: "Agents' S3 objects",
          field_selector: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::S3::Object'] },
            { field: 'resources.ARN', starts_with: ['arn:aws:s3:::acme-invoices/uploads/'] },
          ],
        },
        {
          name: "Agents' DynamoDB tables",
          field_selector: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::DynamoDB::Table'] },
            { field: 'resources.ARN', equals: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'] },
          ],
        },
      ],
      tags: { fleet: 'audited', component: 'cloudtrail', 'managed-by': 'scoped-agents' },
      depends_on: [
        `aws_s3_bucket_policy.${only(auditedTf, 'aws_s3_bucket_policy')[0]}`,
        `aws_iam_role_policy.${String(byName(auditedTf, 'aws_iam_role_policy')['audited-cloudtrail']['//id'])}`,
      ],
    });
    expect(byName(auditedTf, 'aws_cloudwatch_log_group')['/scoped-agents/audited/cloudtrail']).toMatchObject({
      retention_in_days: 365,
      kms_key_id: refOf(auditedTf, 'aws_kms_key', 'arn'),
    });
  });

  test('writes to a private, versioned, KMS-encrypted bucket that only this trail may write, over TLS only', () => {
    const bucket = refOf(auditedTf, 'aws_s3_bucket', 'id');
    const arn = refOf(auditedTf, 'aws_s3_bucket', 'arn');
    const trailArn = arnIn(auditedTf, 'cloudtrail', 'trail/audited-trail');
    expect(only(auditedTf, 'aws_s3_bucket')[1]).toMatchObject({ bucket_prefix: 'audited-trail-', force_destroy: false });
    expect(only(auditedTf, 'aws_s3_bucket_ownership_controls')[1]).toMatchObject({ bucket, rule: { object_ownership: 'BucketOwnerEnforced' } });
    expect(withoutMeta(only(auditedTf, 'aws_s3_bucket_public_access_block')[1])).toEqual({
      bucket,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(auditedTf, 'aws_s3_bucket_versioning')[1]).toMatchObject({ bucket, versioning_configuration: { status: 'Enabled' } });
    expect(only(auditedTf, 'aws_s3_bucket_server_side_encryption_configuration')[1]).toMatchObject({
      bucket,
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: refOf(auditedTf, 'aws_kms_key', 'arn') },
          bucket_key_enabled: true,
        },
      ],
    });
    expect(only(auditedTf, 'aws_s3_bucket_lifecycle_configuration')[1]).toMatchObject({
      bucket,
      rule: [
        {
          id: 'retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: 365 }],
          noncurrent_version_expiration: [{ noncurrent_days: 30 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
    const [, policy] = only(auditedTf, 'aws_s3_bucket_policy');
    expect(policy.depends_on).toEqual([`aws_s3_bucket_public_access_block.${only(auditedTf, 'aws_s3_bucket_public_access_block')[0]}`]);
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CloudTrailChecksAcl',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: arn,
          Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          Sid: 'CloudTrailWritesItsLogs',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${arn}/AWSLogs/${data(auditedTf, 'aws_caller_identity', 'account_id')}/*`,
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [arn, `${arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  test('delivers to CloudWatch Logs as a role that only CloudTrail, for this trail, may assume, and that may only write that group', () => {
    const role = byName(auditedTf, 'aws_iam_role')['audited-cloudtrail'];
    expect(JSON.parse(String(role.assume_role_policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyItsService',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': data(auditedTf, 'aws_caller_identity', 'account_id'),
              'aws:SourceArn': arnIn(auditedTf, 'cloudtrail', 'trail/audited-trail'),
            },
          },
        },
      ],
    });
    expect(JSON.parse(String(byName(auditedTf, 'aws_iam_role_policy')['audited-cloudtrail'].policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DeliverToTrailLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [arnIn(auditedTf, 'logs', 'log-group:/scoped-agents/audited/cloudtrail:log-stream:*')],
        },
      ],
    });
  });

  test('the fleet key lets CloudTrail encrypt for this trail only, and CloudWatch Logs use it for the trail group', () => {
    const key = JSON.parse(String(only(auditedTf, 'aws_kms_key')[1].policy));
    const trailArn = arnIn(auditedTf, 'cloudtrail', 'trail/audited-trail');
    const account = data(auditedTf, 'aws_caller_identity', 'account_id');
    expect(key.Statement.slice(3)).toEqual([
      {
        Sid: 'CloudTrailEncryptsFleetTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${data(auditedTf, 'aws_partition', 'partition')}:cloudtrail:*:${account}:trail/*` },
        },
      },
      {
        Sid: 'CloudTrailDescribesKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
      },
    ]);
    expect(key.Statement[1].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toContain(
      arnIn(auditedTf, 'logs', 'log-group:/scoped-agents/audited/cloudtrail'),
    );
  });

  test('counts each AWS call and each refused one of agents with an IAM role, by role name, into their own metrics', () => {
    const filters = Object.values(auditedTf.resource.aws_cloudwatch_log_metric_filter).filter(
      (f) => f.log_group_name === ref(auditedTf, 'aws_cloudwatch_log_group', '/scoped-agents/audited/cloudtrail', 'name'),
    );
    const byRole = '$.userIdentity.sessionContext.sessionIssuer.userName';
    const transformation = (name: string) => ({ name, namespace: 'ScopedAgents', value: '1', unit: 'Count', dimensions: { Role: byRole } });
    // writer has no IAM role, so nothing of it can be in the trail.
    expect(filters.map(withoutMeta)).toEqual([
      {
        name: 'aws-calls-loader',
        log_group_name: expect.any(String),
        pattern: `{ ${byRole} = "agent-loader" }`,
        metric_transformation: transformation('AwsCalls'),
      },
      {
        name: 'aws-denied-calls-loader',
        log_group_name: expect.any(String),
        pattern: `{ ${byRole} = "agent-loader" && ($.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation") }`,
        metric_transformation: transformation('AwsDeniedCalls'),
      },
    ]);
  });
});

describe('the dashboard', () => {
  test("is named after the fleet and shows calls, denied calls, every agent's alarm states and rotations, in a stable order", () => {
    const [, dashboard] = only(seedTf, 'aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('scoped-agents');
    const body = JSON.parse(String(dashboard.dashboard_body));
    const region = data(seedTf, 'aws_region', 'region');
    const agents = ['email-notifier', 'invoice-summarizer', 'lead-enricher'];
    const alarm = (agent: string, kind: string) =>
      ref(seedTf, 'aws_cloudwatch_metric_alarm', `scoped-agents/scoped-agents/${agent}/${kind}`, 'arn', 'alarm_name');
    const graph = { region, view: 'timeSeries', stacked: false, stat: 'Sum', period: 300 };
    expect(body.widgets.map((w: { type: string; x: number; y: number; width: number; height: number }) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ['text', 0, 0, 24, 2],
      ['metric', 0, 2, 12, 6],
      ['metric', 12, 2, 12, 6],
      ['alarm', 0, 8, 24, 6],
      ['metric', 0, 14, 12, 6],
    ]);
    expect(body.widgets[0].properties.markdown).toMatch(/^# Agents of fleet scoped-agents\n/);
    expect(body.widgets[1].properties).toEqual({
      title: 'Calls per agent (5 min)',
      ...graph,
      metrics: agents.map((a) => ['ScopedAgents', 'Calls', 'Agent', a, { label: a }]),
    });
    expect(body.widgets[2].properties).toEqual({
      title: 'Denied calls per agent (5 min)',
      ...graph,
      metrics: agents.map((a) => ['ScopedAgents', 'DeniedCalls', 'Agent', a, { label: a }]),
    });
    expect(body.widgets[3].properties).toEqual({
      title: 'Alarm states',
      alarms: agents.flatMap((a) => ['call-rate', 'denied-rate', 'orphan', 'rotation-failure'].map((k) => alarm(a, k))),
    });
    expect(body.widgets[4].properties).toEqual({
      title: 'Rotations per agent and day (last rotation: the latest bar)',
      ...graph,
      view: 'bar',
      period: 86400,
      start: '-P7D',
      metrics: agents.flatMap((a) => [
        ['ScopedAgents', 'RotationSuccesses', 'Agent', a, { label: `${a} succeeded` }],
        ['ScopedAgents', 'RotationFailures', 'Agent', a, { label: `${a} failed`, color: '#d62728' }],
      ]),
    });
  });

  test('with a trail, adds AWS API calls per agent role, for agents with a role only', () => {
    const body = JSON.parse(String(only(auditedTf, 'aws_cloudwatch_dashboard')[1].dashboard_body));
    expect(body.widgets.at(-1)).toEqual({
      type: 'metric',
      x: 12,
      y: 14,
      width: 12,
      height: 6,
      properties: {
        title: 'AWS API calls per agent role (CloudTrail, 5 min)',
        region: data(auditedTf, 'aws_region', 'region'),
        view: 'timeSeries',
        stacked: false,
        stat: 'Sum',
        period: 300,
        metrics: [
          ['ScopedAgents', 'AwsCalls', 'Role', 'agent-loader', { label: 'loader calls' }],
          ['ScopedAgents', 'AwsDeniedCalls', 'Role', 'agent-loader', { label: 'loader denied', color: '#d62728' }],
        ],
      },
    });
  });

  test('splits alarm states over widgets of at most 100 alarms (CloudWatch shows no more in one)', () => {
    const agents = Array.from({ length: 30 }, (_, i) => ({
      name: `agent${String(i).padStart(2, '0')}`,
      alarmArns: ['a', 'b', 'c', 'd'].map((k) => `arn:${i}:${k}`),
      cloudTrail: false,
    }));
    const body = dashboardBody({ fleet: 'f', region: 'eu-west-1', agents: [...agents].reverse() });
    const alarmWidgets = body.widgets.filter((w) => w.type === 'alarm');
    expect(alarmWidgets.map((w) => [w.y, w.properties.title, (w.properties.alarms as string[]).length])).toEqual([
      [8, 'Alarm states (1 of 2)', 100],
      [14, 'Alarm states (2 of 2)', 20],
    ]);
    expect((alarmWidgets[0].properties.alarms as string[])[0]).toBe('arn:0:a');
    expect(body.widgets.at(-1)!.y).toBe(20);
    // The same agents in another order give the same body.
    expect(JSON.stringify(dashboardBody({ fleet: 'f', region: 'eu-west-1', agents }))).toBe(JSON.stringify(body));
  });
});

test('past 100 agents the dashboard has pages of 100 agents in name order, the first keeping the fleet name; no graph passes 500 metrics', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'pages');
  new AwsProvider(stack, 'aws', {});
  const agents = Array.from({ length: 250 }, (_, i) => ({
    name: `a${String(i).padStart(3, '0')}`,
    alarmArns: ['a', 'b', 'c', 'd'].map((k) => `arn:${i}:${k}`),
    cloudTrail: true,
  }));
  const dashboard = new FleetDashboard(stack, 'Dashboard', { settings: seed.settings, region: 'eu-west-1', agents: [...agents].reverse() });
  const tf = JSON.parse(Testing.synth(stack, true)) as TerraformJson;
  const pages = Object.values(tf.resource.aws_cloudwatch_dashboard).map((d) => ({ name: d.dashboard_name, body: JSON.parse(String(d.dashboard_body)) }));
  expect(pages.map((p) => p.name).sort()).toEqual(['scoped-agents', 'scoped-agents-2', 'scoped-agents-3']);
  expect(dashboard.pages.map((p) => p.node.id)).toEqual(['Resource', 'Page2', 'Page3']);
  const byPage = Object.fromEntries(pages.map((p) => [p.name, p.body]));
  expect(byPage['scoped-agents-2'].widgets[0].properties.markdown.split('\n')[0]).toBe('# Agents of fleet scoped-agents, page 2 of 3 (a100 … a199)');
  expect(byPage['scoped-agents-3'].widgets[1].properties.metrics.map((m: unknown[]) => m[3])).toEqual(agents.slice(200).map((a) => a.name));
  for (const p of pages) {
    for (const w of p.body.widgets.filter((x: { type: string }) => x.type === 'metric'))
      expect([p.name, w.properties.title, w.properties.metrics.length <= 500]).toEqual([p.name, w.properties.title, true]);
  }
});

describe('the daily usage summary', () => {
  test('runs every day at 07:00 UTC in the fleet group, sending every agent and its call-rate limit', () => {
    const schedule = byName(seedTf, 'aws_scheduler_schedule')['usage-summary'];
    expect(withoutMeta(schedule)).toEqual({
      name: 'usage-summary',
      group_name: ref(seedTf, 'aws_scheduler_schedule_group', 'scoped-agents', 'name'),
      description: 'Daily usage summary of fleet scoped-agents (scoped-agents)',
      schedule_expression: 'cron(0 7 * * ? *)',
      schedule_expression_timezone: 'UTC',
      flexible_time_window: { mode: 'OFF' },
      kms_key_arn: refOf(seedTf, 'aws_kms_key', 'arn'),
      state: 'ENABLED',
      target: {
        arn: ref(seedTf, 'aws_lambda_function', 'scoped-agents-usage-summary', 'arn', 'function_name'),
        role_arn: ref(seedTf, 'aws_iam_role', 'scoped-agents-scheduler'),
        input: JSON.stringify({
          action: 'summarize',
          agents: {
            'email-notifier': { maxCallsPerMinute: 1000 },
            'invoice-summarizer': { maxCallsPerMinute: 1000 },
            'lead-enricher': { maxCallsPerMinute: 1000 },
          },
        }),
        retry_policy: { maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600 },
      },
    });
    expect(JSON.parse(String((byName(auditedTf, 'aws_scheduler_schedule')['usage-summary'].target as { input: string }).input))).toEqual({
      action: 'summarize',
      agents: { loader: { maxCallsPerMinute: 60 }, writer: { maxCallsPerMinute: 1000 } },
      // This fleet has its own trail: the summary counts AWS calls too.
      cloudTrail: true,
    });
  });

  test('its function reads the webhook, the metrics and whether an agent ever called, nothing else, and runs one at a time', () => {
    const name = 'scoped-agents-usage-summary';
    const fn = byName(seedTf, 'aws_lambda_function', 'function_name')[name];
    const webhook = ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/notify-webhook');
    expect(fn).toMatchObject({
      reserved_concurrent_executions: 1,
      timeout: 120,
      environment: { variables: { FLEET: 'scoped-agents', WEBHOOK_SECRET_ARN: webhook } },
    });
    expect(Object.keys((fn.environment as { variables: object }).variables)).toEqual(['FLEET', 'WEBHOOK_SECRET_ARN']);
    expect(JSON.parse(String(byName(seedTf, 'aws_iam_role_policy')[name].policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadAgentMetrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
        { Sid: 'ReadWebhook', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [webhook] },
        {
          Sid: 'ReadWhetherAgentsCalled',
          Effect: 'Allow',
          Action: ['logs:DescribeLogStreams'],
          Resource: [arnIn(seedTf, 'logs', 'log-group:/scoped-agents/scoped-agents/agents/*')],
        },
        { Sid: 'SendFailedEventsToItsQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [ref(seedTf, 'aws_sqs_queue', `${name}-dead-letters`)] },
        { Sid: 'Trace', Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: ['*'] },
        { Sid: 'UseFleetKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [refOf(seedTf, 'aws_kms_key', 'arn')] },
        {
          Sid: 'WriteItsLog',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [arnIn(seedTf, 'logs', `log-group:/aws/lambda/${name}:*`)],
        },
      ],
    });
  });

  test('posts to the webhook even when alarms go through AWS Chatbot; revoke then reads no webhook', () => {
    const webhook = byName(auditedTf, 'aws_secretsmanager_secret')['scoped-agents/audited/notify-webhook'];
    expect(webhook).toMatchObject({ description: expect.stringContaining('posts its daily usage summary to') });
    const env = (fn: string) => (byName(auditedTf, 'aws_lambda_function', 'function_name')[fn].environment as { variables: Record<string, string> }).variables;
    expect(env('audited-usage-summary').WEBHOOK_SECRET_ARN).toBe(ref(auditedTf, 'aws_secretsmanager_secret', 'scoped-agents/audited/notify-webhook'));
    expect(env('audited-revoke')).not.toHaveProperty('WEBHOOK_SECRET_ARN');
    expect(byName(auditedTf, 'aws_lambda_function', 'function_name')['audited-notify']).toBeUndefined();
  });
});
