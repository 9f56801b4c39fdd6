import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { FleetFunction, FUNCTION_RUNTIME } from '../../constructs/fleet-function';
import { FleetOperations } from '../../constructs/fleet-operations';
import { awsContext } from '../../constructs/private/aws-context';
import { Fleet, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { fleetFromYaml, tempDir } from '../helpers';
import { credentialsEnvironment } from '../../model/operations';
import { byName, ref, synthFleet, TerraformJson } from '../synth-helpers';

/**
 * The fleet-wide resources: key, alarm topic and channel, scheduler, the three
 * functions with their own IAM roles, and their Vault logins. The seed
 * announces through the webhook; the fixture through AWS Chatbot.
 */

let seed: Fleet;
let fixture: Fleet;
let seedTf: TerraformJson;
let fixtureTf: TerraformJson;

beforeAll(async () => {
  seed = await loadFleet({ table: 'agents.yaml' });
  fixture = await loadFleet({ table: 'test/fixtures/fleet.yaml' });
  seedTf = synthFleet(seed).tf;
  fixtureTf = synthFleet(fixture).tf;
});

/** The id of the one resource of a type. */
function onlyId(tf: TerraformJson, type: string): string {
  const ids = Object.keys(tf.resource[type] ?? {});
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}
const dataRef = (tf: TerraformJson, type: string, attr: string): string => {
  const data = (tf as unknown as { data: Record<string, Record<string, unknown>> }).data;
  return `\${data.${type}.${Object.keys(data[type])[0]}.${attr}}`;
};
/** `arn:<partition>:<service>:<region>:<account>:<resource>` as the stack writes it. */
const arnIn = (tf: TerraformJson, service: string, resource: string): string =>
  `arn:${dataRef(tf, 'aws_partition', 'partition')}:${service}:${service === 'iam' ? '' : dataRef(tf, 'aws_region', 'region')}:${dataRef(tf, 'aws_caller_identity', 'account_id')}:${resource}`;
const keyOf = (tf: TerraformJson): string => `\${aws_kms_key.${onlyId(tf, 'aws_kms_key')}.arn}`;
const policyOf = (tf: TerraformJson, role: string): unknown => JSON.parse(String(byName(tf, 'aws_iam_role_policy')[role].policy));

describe('the fleet key', () => {
  test('rotates, and its policy lets the account administer it, CloudWatch Logs use it for the fleet log groups only, and alarms publish', () => {
    const key = Object.values(seedTf.resource.aws_kms_key)[0];
    expect(key).toMatchObject({ enable_key_rotation: true, is_enabled: true, deletion_window_in_days: 30 });
    const logGroup = (name: string) => arnIn(seedTf, 'logs', `log-group:${name}`);
    expect(JSON.parse(String(key.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAdministersAndIamGrants',
          Effect: 'Allow',
          Principal: { AWS: `arn:${dataRef(seedTf, 'aws_partition', 'partition')}:iam::${dataRef(seedTf, 'aws_caller_identity', 'account_id')}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'CloudWatchLogsForFleetLogGroups',
          Effect: 'Allow',
          Principal: { Service: `logs.${dataRef(seedTf, 'aws_region', 'region')}.amazonaws.com` },
          Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
          Resource: '*',
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': [
                logGroup('/scoped-agents/scoped-agents/agents/*'),
                logGroup('/aws/lambda/scoped-agents-gateway'),
                logGroup('/aws/lambda/scoped-agents-notify'),
                logGroup('/aws/lambda/scoped-agents-revoke'),
                logGroup('/aws/lambda/scoped-agents-rotate'),
                logGroup('/aws/lambda/scoped-agents-usage-summary'),
                logGroup('/scoped-agents/scoped-agents/gateway'),
              ],
            },
          },
        },
        {
          Sid: 'CloudWatchAlarmsPublishToTopic',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': dataRef(seedTf, 'aws_caller_identity', 'account_id') } },
        },
      ],
    });
    expect(Object.values(seedTf.resource.aws_kms_alias)[0]).toMatchObject({ name: 'alias/scoped-agents/scoped-agents' });
  });

  test.each([
    ['aws_sns_topic', 'kms_master_key_id'],
    ['aws_sqs_queue', 'kms_master_key_id'],
    ['aws_cloudwatch_log_group', 'kms_key_id'],
    ['aws_secretsmanager_secret', 'kms_key_id'],
    ['aws_lambda_function', 'kms_key_arn'],
    ['aws_scheduler_schedule', 'kms_key_arn'],
  ])('encrypts every %s with it (%s)', (type, attribute) => {
    for (const tf of [seedTf, fixtureTf]) {
      const all = Object.values(tf.resource[type] ?? {});
      expect(all.length).toBeGreaterThan(0);
      expect(all.map((r) => r[attribute])).toEqual(all.map(() => keyOf(tf)));
    }
  });
});

describe('the alarm topic and the team channel', () => {
  test('the seed announces through the webhook: its secret, the notify function, both functions subscribed, no Chatbot', () => {
    const topic = ref(seedTf, 'aws_sns_topic', 'scoped-agents-alarms');
    expect(byName(seedTf, 'aws_secretsmanager_secret')['scoped-agents/scoped-agents/notify-webhook']).toMatchObject({
      kms_key_id: keyOf(seedTf),
      description: expect.stringContaining('Not managed by Terraform: the operator writes it.'),
    });
    const subscriptions = Object.values(seedTf.resource.aws_sns_topic_subscription).map((s) => [s.topic_arn, s.protocol, s.endpoint]);
    expect(subscriptions.sort()).toEqual(
      ['scoped-agents-notify', 'scoped-agents-revoke'].map((f) => [topic, 'lambda', ref(seedTf, 'aws_lambda_function', f, 'arn', 'function_name')]),
    );
    const permissions = Object.values(seedTf.resource.aws_lambda_permission).map(({ '//': _m, ...p }) => p);
    expect(permissions).toEqual(
      ['scoped-agents-notify', 'scoped-agents-revoke'].map((f) => ({
        statement_id: 'AlarmTopic',
        action: 'lambda:InvokeFunction',
        function_name: ref(seedTf, 'aws_lambda_function', f, 'function_name', 'function_name'),
        principal: 'sns.amazonaws.com',
        source_arn: topic,
      })),
    );
    expect(seedTf.resource.aws_chatbot_slack_channel_configuration).toBeUndefined();
  });

  test('the fixture announces in Slack through AWS Chatbot: no notify function, only revoke subscribed; the webhook is for the daily summary only', () => {
    const topic = ref(fixtureTf, 'aws_sns_topic', 'acme-agents-alarms');
    const [chatbot] = Object.values(fixtureTf.resource.aws_chatbot_slack_channel_configuration);
    expect(chatbot).toMatchObject({
      configuration_name: 'acme-agents-alarms',
      slack_team_id: 'T0123ABCDE',
      slack_channel_id: 'C0456FGHIJ',
      sns_topic_arns: [topic],
      iam_role_arn: ref(fixtureTf, 'aws_iam_role', 'acme-agents-chatbot'),
      guardrail_policy_arns: [`arn:${dataRef(fixtureTf, 'aws_partition', 'partition')}:iam::aws:policy/AWSDenyAll`],
      user_authorization_required: true,
    });
    const role = byName(fixtureTf, 'aws_iam_role')['acme-agents-chatbot'];
    expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
      { Sid: 'OnlyItsService', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(byName(fixtureTf, 'aws_iam_role_policy')['acme-agents-chatbot']).toBeUndefined();
    expect(byName(fixtureTf, 'aws_secretsmanager_secret')['scoped-agents/acme-agents/notify-webhook'].description).toBe(
      '{"url": …} of the incoming webhook (Slack) that fleet acme-agents posts its daily usage summary to. Not managed by Terraform: the operator writes it.',
    );
    expect(Object.keys(byName(fixtureTf, 'aws_lambda_function', 'function_name')).sort()).toEqual([
      'acme-agents-revoke',
      'acme-agents-rotate',
      'acme-agents-usage-summary',
    ]);
    expect(Object.values(fixtureTf.resource.aws_sns_topic_subscription).map((s) => s.endpoint)).toEqual([
      ref(fixtureTf, 'aws_lambda_function', 'acme-agents-revoke', 'arn', 'function_name'),
    ]);
  });
});

describe('the functions', () => {
  test.each(['revoke', 'rotate', 'notify'])('%s runs the bundled code, traced, with its own log, queue, role and a concurrency limit', (role) => {
    const name = `scoped-agents-${role}`;
    const fn = byName(seedTf, 'aws_lambda_function', 'function_name')[name];
    expect(fn).toMatchObject({
      runtime: FUNCTION_RUNTIME,
      handler: 'index.handler',
      role: ref(seedTf, 'aws_iam_role', name),
      reserved_concurrent_executions: role === 'revoke' ? 5 : 2,
      timeout: { revoke: 60, rotate: 300, notify: 30 }[role],
      tracing_config: { mode: 'Active' },
      dead_letter_config: { target_arn: ref(seedTf, 'aws_sqs_queue', `${name}-dead-letters`) },
      logging_config: { log_format: 'JSON', log_group: ref(seedTf, 'aws_cloudwatch_log_group', `/aws/lambda/${name}`, 'name') },
      depends_on: [`aws_iam_role_policy.${String(byName(seedTf, 'aws_iam_role_policy')[name]['//id'])}`],
    });
    expect(String(fn.filename)).toMatch(
      new RegExp(`^assets/fleet_Operations_${role[0].toUpperCase()}${role.slice(1)}_Code_[0-9A-F]+/${String(fn.source_code_hash)}/archive\\.zip$`),
    );
    expect(byName(seedTf, 'aws_cloudwatch_log_group')[`/aws/lambda/${name}`]).toMatchObject({ retention_in_days: 365 });
    expect(JSON.parse(String(byName(seedTf, 'aws_iam_role')[name].assume_role_policy)).Statement).toEqual([
      { Sid: 'OnlyItsService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  test('the environment of each is what model/operations.ts FunctionEnvironment names, and nothing else', () => {
    const env = (name: string) => (byName(seedTf, 'aws_lambda_function', 'function_name')[name].environment as { variables: Record<string, string> }).variables;
    const login = (role: string) => ref(seedTf, 'aws_secretsmanager_secret', `scoped-agents/scoped-agents/functions/${role}/vault-login`);
    const webhook = ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/notify-webhook');
    const vault = { FLEET: 'scoped-agents', VAULT_ADDR: '${var.vault_addr}', KV_MOUNT: 'kv', APPROLE_MOUNT: 'approle' };
    // The same credentials for both: rotate rotates them, revoke revokes them at the provider.
    const credentials = JSON.stringify({
      hubspot: {
        rotator: 'oauth2-refresh',
        tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
        store: 'vault',
        revoker: 'hubspot-refresh-token',
        provider: 'hubspot',
      },
      sendgrid: { rotator: 'sendgrid-api-key', store: 'vault', revoker: 'sendgrid-api-key', management: 'sendgrid-management', provider: 'sendgrid' },
    });
    expect(env('scoped-agents-revoke')).toEqual({ ...vault, VAULT_LOGIN_SECRET_ARN: login('revoke'), WEBHOOK_SECRET_ARN: webhook, CREDENTIALS: credentials });
    expect(env('scoped-agents-rotate')).toEqual({
      ...vault,
      VAULT_LOGIN_SECRET_ARN: login('rotate'),
      ROTATION_GRACE_SECONDS: '3600',
      SCHEDULE_GROUP: ref(seedTf, 'aws_scheduler_schedule_group', 'scoped-agents', 'name'),
      SCHEDULER_ROLE_ARN: ref(seedTf, 'aws_iam_role', 'scoped-agents-scheduler'),
      FUNCTION_ARN: arnIn(seedTf, 'lambda', 'function:scoped-agents-rotate'),
      CREDENTIALS: credentials,
      // Where it writes the hashes of the gateway keys it rotates.
      GATEWAY_TABLE: 'scoped-agents-gateway',
    });
    expect(env('scoped-agents-notify')).toEqual({ FLEET: 'scoped-agents', WEBHOOK_SECRET_ARN: webhook });
    expect(env('scoped-agents-gateway')).toEqual({
      ...vault,
      VAULT_LOGIN_SECRET_ARN: login('gateway'),
      GATEWAY_TABLE: ref(seedTf, 'aws_dynamodb_table', 'scoped-agents-gateway', 'name'),
    });
    // Environment keys are sorted in the JSON: one change, one line.
    expect(Object.keys(env('scoped-agents-rotate'))).toEqual(Object.keys(env('scoped-agents-rotate')).sort());
  });

  test("the fixture's functions reach Vault at the table's vaultAddr and rotate with its grace and credentials; no vault_addr variable", () => {
    const env = (byName(fixtureTf, 'aws_lambda_function', 'function_name')['acme-agents-rotate'].environment as { variables: Record<string, string> })
      .variables;
    expect(env).toMatchObject({
      VAULT_ADDR: 'https://vault.acme.example:8200',
      KV_MOUNT: 'agent-secrets',
      APPROLE_MOUNT: 'agent-login',
      ROTATION_GRACE_SECONDS: '1800',
      CREDENTIALS: JSON.stringify({
        jira: { rotator: 'oauth2-refresh', tokenUrl: 'https://auth.atlassian.com/oauth/token', store: 'vault' },
        salesforce: { rotator: 'oauth2-refresh', tokenUrl: 'https://login.salesforce.com/services/oauth2/token', store: 'aws' },
        // Slack documents token rotation (oauth.v2.access) and auth.revoke: rotated and revocable by default.
        slack: {
          rotator: 'oauth2-refresh',
          tokenUrl: 'https://slack.com/api/oauth.v2.access',
          store: 'vault',
          revoker: 'slack-auth-revoke',
          provider: 'slack',
        },
      }),
    });
    expect(fixtureTf.variable).not.toHaveProperty('vault_addr');
    expect(env).not.toHaveProperty('WEBHOOK_SECRET_ARN');
  });

  test('declares vault_addr, validated as an https:// URL, when the table names no vaultAddr', () => {
    expect(seedTf.variable?.vault_addr).toEqual({
      type: 'string',
      nullable: false,
      description: expect.stringContaining("Vault's address as the fleet's functions reach it"),
      // An expression (a `${…}` template): in Terraform's JSON syntax a plain string is a literal, which Terraform refuses as a condition.
      validation: [
        {
          condition: '${can(regex("^https://[^/ ]+", var.vault_addr))}',
          error_message: 'vault_addr must be an https:// URL such as https://vault.example.com:8200.',
        },
      ],
    });
  });

  test('declares vault_aws_broker_principal_arn, validated as an IAM role ARN, when an agent is brokered by Vault', () => {
    expect(seedTf.variable?.vault_aws_broker_principal_arn).toEqual({
      type: 'string',
      nullable: false,
      description: 'ARN of the IAM role Vault AWS secrets engine runs as; the only principal agent roles trust.',
      validation: [
        {
          condition: '${can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.vault_aws_broker_principal_arn))}',
          error_message: 'vault_aws_broker_principal_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/vault.',
        },
      ],
    });
  });

  const runtime = (tf: TerraformJson, fn: string) => [
    { Sid: 'SendFailedEventsToItsQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [ref(tf, 'aws_sqs_queue', `${fn}-dead-letters`)] },
    { Sid: 'Trace', Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: ['*'] },
    { Sid: 'UseFleetKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [keyOf(tf)] },
    {
      Sid: 'WriteItsLog',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arnIn(tf, 'logs', `log-group:/aws/lambda/${fn}:*`)],
    },
  ];

  test('revoke may put policies on agent-* roles only, read its Vault login, the webhook and whether an agent ever called, use the key', () => {
    expect(policyOf(seedTf, 'scoped-agents-revoke')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadItsVaultLogin',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/functions/revoke/vault-login')],
        },
        {
          Sid: 'ReadWebhook',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/notify-webhook')],
        },
        { Sid: 'RevokeAgentSessions', Effect: 'Allow', Action: ['iam:GetRole', 'iam:PutRolePolicy'], Resource: [arnIn(seedTf, 'iam', 'role/agent-*')] },
        // Whether an agent of an orphan alarm ever made a call: stream metadata of the agents' call logs, no event.
        {
          Sid: 'ReadWhetherAgentsCalled',
          Effect: 'Allow',
          Action: ['logs:DescribeLogStreams'],
          Resource: [arnIn(seedTf, 'logs', 'log-group:/scoped-agents/scoped-agents/agents/*')],
        },
        ...runtime(seedTf, 'scoped-agents-revoke'),
      ].sort((a, b) => a.Sid.localeCompare(b.Sid)),
    });
  });

  test("rotate may write the agents' secrets, create schedules in the fleet group, pass the scheduler role only, put ScopedAgents metrics", () => {
    expect(policyOf(seedTf, 'scoped-agents-rotate')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DeliverToAgentSecrets',
          Effect: 'Allow',
          Action: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          Resource: [arnIn(seedTf, 'secretsmanager', 'secret:scoped-agents/scoped-agents/agents/*')],
        },
        { Sid: 'PassOnlySchedulerRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: [ref(seedTf, 'aws_iam_role', 'scoped-agents-scheduler')] },
        {
          Sid: 'PutRotationMetrics',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: ['*'],
          Condition: { StringEquals: { 'cloudwatch:namespace': 'ScopedAgents' } },
        },
        {
          Sid: 'ReadItsVaultLogin',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/functions/rotate/vault-login')],
        },
        {
          // Gateway-key hashes only: the agents' items are Terraform's, the rate counters the gateway's.
          Sid: 'WriteGatewayKeyHashes',
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: [arnIn(seedTf, 'dynamodb', 'table/scoped-agents-gateway')],
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['key#*'] } },
        },
        {
          Sid: 'ScheduleExpiryInFleetGroup',
          Effect: 'Allow',
          Action: ['scheduler:CreateSchedule'],
          Resource: [arnIn(seedTf, 'scheduler', 'schedule/scoped-agents/*')],
        },
        ...runtime(seedTf, 'scoped-agents-rotate'),
      ].sort((a, b) => a.Sid.localeCompare(b.Sid)),
    });
  });

  test('notify may read the webhook, nothing else', () => {
    expect(policyOf(seedTf, 'scoped-agents-notify')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadWebhook',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/notify-webhook')],
        },
        ...runtime(seedTf, 'scoped-agents-notify'),
      ].sort((a, b) => a.Sid.localeCompare(b.Sid)),
    });
  });

  test("the fixture's revoke reads no webhook (Chatbot announces)", () => {
    const sids = (policyOf(fixtureTf, 'acme-agents-revoke') as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
    expect(sids).not.toContain('ReadWebhook');
  });

  test('the code hash follows the code: another bundle, another source_code_hash and path', () => {
    const hashOf = (code: string): string => {
      const dir = tempDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.js'), code);
      const stack = new TerraformStack(Testing.app(), 'code');
      new AwsProvider(stack, 'aws', {});
      new FleetFunction(stack, 'Fn', {
        role: 'notify',
        settings: seed.settings,
        context: awsContext(stack),
        keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
        environment: {},
        description: 'probe',
        codeDirectory: dir,
        policy: () => ({ Version: '2012-10-17', Statement: [] }),
      });
      const fn = Object.values((JSON.parse(Testing.synth(stack)) as TerraformJson).resource.aws_lambda_function)[0];
      return `${String(fn.source_code_hash)} ${String(fn.filename)}`;
    };
    const a = hashOf('exports.handler = async () => 1;');
    expect(hashOf('exports.handler = async () => 1;')).toBe(a);
    const b = hashOf('exports.handler = async () => 2;');
    expect(b.split(' ')[0]).not.toBe(a.split(' ')[0]);
    expect(b.split(' ')[1]).not.toBe(a.split(' ')[1]);
  });
});

describe('the scheduler', () => {
  test('its role is trusted by EventBridge Scheduler for this account only, and may invoke the rotate and usage-summary functions only', () => {
    const role = byName(seedTf, 'aws_iam_role')['scoped-agents-scheduler'];
    expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
      {
        Sid: 'OnlyItsService',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': dataRef(seedTf, 'aws_caller_identity', 'account_id') } },
      },
    ]);
    expect(policyOf(seedTf, 'scoped-agents-scheduler')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DecryptSchedulePayload', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [keyOf(seedTf)] },
        {
          Sid: 'InvokeScheduledFunctions',
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: [
            ref(seedTf, 'aws_lambda_function', 'scoped-agents-rotate', 'arn', 'function_name'),
            ref(seedTf, 'aws_lambda_function', 'scoped-agents-usage-summary', 'arn', 'function_name'),
          ],
        },
      ],
    });
    expect(byName(seedTf, 'aws_scheduler_schedule_group')).toHaveProperty('scoped-agents');
  });
});

describe("the functions' Vault logins", () => {
  test.each(['revoke', 'rotate'])('%s logs in with its own AppRole role: 300 s tokens, only its own policy', (role) => {
    const appRole = byName(seedTf, 'vault_approle_auth_backend_role', 'role_name')[`scoped-agents-${role}`];
    expect(appRole).toMatchObject({
      backend: ref(seedTf, 'vault_auth_backend', 'approle', 'path', 'path'),
      token_policies: [ref(seedTf, 'vault_policy', `scoped-agents-${role}`, 'name')],
      token_no_default_policy: true,
      token_type: 'service',
      token_ttl: 300,
      token_max_ttl: 900,
      token_explicit_max_ttl: 900,
      bind_secret_id: true,
      secret_id_ttl: 0,
    });
    expect(byName(seedTf, 'aws_secretsmanager_secret')[`scoped-agents/scoped-agents/functions/${role}/vault-login`]).toMatchObject({
      kms_key_id: keyOf(seedTf),
      description: expect.stringContaining('the operator or a bootstrap step writes it once after the first apply'),
    });
  });

  test("their Vault policies name each agent's role and policy, never an agent-* glob", () => {
    const policies = byName(seedTf, 'vault_policy');
    const revoke = parseVaultPolicy(String(policies['scoped-agents-revoke'].policy)).map((r) => r.path);
    const rotate = parseVaultPolicy(String(policies['scoped-agents-rotate'].policy)).map((r) => r.path);
    for (const agent of ['email-notifier', 'invoice-summarizer', 'lead-enricher']) {
      expect(revoke).toEqual(expect.arrayContaining([`auth/approle/role/agent-${agent}/secret-id`, `sys/policies/acl/agent-${agent}`]));
      expect(rotate).toEqual(expect.arrayContaining([`auth/approle/role/agent-${agent}/role-id`, `auth/approle/role/agent-${agent}/secret-id`]));
    }
    expect([...revoke, ...rotate].filter((p) => /agent-\*/.test(p))).toEqual([]);
    expect(String(policies['scoped-agents-revoke'].policy)).toMatch(/^# Vault policy of the revoke function of fleet scoped-agents/);
  });
});

describe('FleetOperations', () => {
  test("fails when the fleet's name starts with agent-, which would put its own roles in revoke's reach", () => {
    const stack = new TerraformStack(Testing.app(), 'bad');
    const fleet: Fleet = { ...seed, settings: { ...seed.settings, name: 'agent-ops' } };
    expect(() => new FleetOperations(stack, 'Operations', { fleet, appRoleBackend: 'approle' })).toThrow(
      "fleet agent-ops: the fleet's roles would be named agent-ops-revoke…, which match agent-* and which the revoke function may rewrite; choose a fleet name that does not start with agent-",
    );
  });
});

test('the daily summary of a fleet with its own trail counts AWS calls too: its schedule says cloudTrail; the seed (no trail) does not', () => {
  const input = (tf: typeof seedTf): Record<string, unknown> => {
    const schedule = Object.values(byName(tf, 'aws_scheduler_schedule')).find((s) => String(s.name).startsWith('usage-summary'))!;
    return JSON.parse(String((schedule.target as { input: string }).input));
  };
  expect(input(fixtureTf)).toMatchObject({ action: 'summarize', cloudTrail: true });
  expect(input(seedTf)).not.toHaveProperty('cloudTrail');
});

test("with the fleet trail, the denied-rate alarm of an agent with an IAM role adds AWS's refusals of its role by metric math; agents without one watch their call log alone", () => {
  const alarm = (agent: string) => byName(fixtureTf, 'aws_cloudwatch_metric_alarm', 'alarm_name')[`scoped-agents/acme-agents/${agent}/denied-rate`]!;
  const withRole = alarm('data-loader');
  expect(withRole).not.toHaveProperty('metric_name');
  expect(withRole.metric_query).toEqual([
    {
      id: 'calls',
      return_data: false,
      metric: { namespace: 'ScopedAgents', metric_name: 'DeniedCalls', dimensions: { Agent: 'data-loader' }, period: 60, stat: 'Sum' },
    },
    {
      id: 'aws',
      return_data: false,
      metric: { namespace: 'ScopedAgents', metric_name: 'AwsDeniedCalls', dimensions: { Role: 'agent-data-loader' }, period: 60, stat: 'Sum' },
    },
    { id: 'total', expression: 'FILL(calls, 0) + FILL(aws, 0)', label: 'DeniedCalls + AwsDeniedCalls', return_data: true },
  ]);
  expect([withRole.threshold, withRole.comparison_operator, withRole.evaluation_periods]).toEqual([20, 'GreaterThanThreshold', 1]);
  expect(withRole.alarm_description).toContain('Calls AWS refused its IAM role count too (from the fleet trail, which delivers them minutes late).');
  // report-writer has no IAM role: its alarm is as without a trail.
  expect(alarm('report-writer')).toMatchObject({ metric_name: 'DeniedCalls', dimensions: { Agent: 'report-writer' }, period: 60 });
  // The seed has no trail: no metric math anywhere.
  expect(Object.values(byName(seedTf, 'aws_cloudwatch_metric_alarm', 'alarm_name')).filter((a) => a.metric_query !== undefined)).toEqual([]);
});

test("CREDENTIALS stays short (Lambda's 4 KB of environment): a base URL only where the table changes it, the provider by its id", async () => {
  const fleet = await fleetFromYaml(`version: 1
apis:
  zendesk: { baseUrl: "https://acme.zendesk.com" }
scopes:
  tickets.read: { http: { api: zendesk, allow: [GET /api/v2/tickets/*] } }
  mail.send: { http: { api: sendgrid, allow: [POST /v3/mail/send] } }
agents:
  - name: triager
    owner: support@acme.example
    actions:
      - { action: Read and mail, scopes: [tickets.read, mail.send] }
`);
  expect(JSON.parse(credentialsEnvironment(fleet))).toEqual({
    sendgrid: { rotator: 'sendgrid-api-key', store: 'vault', revoker: 'sendgrid-api-key', management: 'sendgrid-management', provider: 'sendgrid' },
    zendesk: {
      rotator: 'oauth2-refresh',
      tokenUrl: 'https://acme.zendesk.com/oauth/tokens',
      store: 'vault',
      revoker: 'zendesk-oauth-token',
      baseUrl: 'https://acme.zendesk.com',
      provider: 'zendesk',
    },
  });
});
