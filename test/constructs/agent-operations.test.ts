import { Fleet, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { byName, ref, synthFleet, TerraformJson } from '../synth-helpers';

/**
 * Each agent's rotation schedule, call log, metric filters and four alarms,
 * and its secrets kept in AWS, over the seed (every default) and the fixture
 * (per-agent overrides, a credential kept in AWS).
 */

/** The one resource of a type. */
function only(tf: TerraformJson, type: string): Record<string, unknown> & { '//id': string } {
  const all = Object.entries(tf.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return { ...all[0][1], '//id': all[0][0] };
}

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

const SEED_AGENTS = ['email-notifier', 'invoice-summarizer', 'lead-enricher'];

describe('the seed fleet: every agent is rotated nightly and watched by four alarms', () => {
  test('has exactly one schedule per agent, named after it, in the fleet group (and the daily usage summary)', () => {
    expect(Object.keys(byName(seedTf, 'aws_scheduler_schedule')).sort()).toEqual([...SEED_AGENTS.map((a) => `agent-${a}`), 'usage-summary']);
  });

  test.each(SEED_AGENTS)('%s: its schedule invokes the rotate function nightly at 03:00 UTC, on time, as the scheduler role', (agent) => {
    const schedule = byName(seedTf, 'aws_scheduler_schedule')[`agent-${agent}`];
    const { '//id': _id, '//': _meta, ...body } = schedule;
    expect(body).toEqual({
      name: `agent-${agent}`,
      group_name: ref(seedTf, 'aws_scheduler_schedule_group', 'scoped-agents', 'name'),
      description: `Rotates the credentials of agent ${agent} (scoped-agents)`,
      schedule_expression: 'cron(0 3 * * ? *)',
      schedule_expression_timezone: 'UTC',
      flexible_time_window: { mode: 'OFF' },
      kms_key_arn: `\${aws_kms_key.${only(seedTf, 'aws_kms_key')['//id']}.arn}`,
      state: 'ENABLED',
      target: {
        arn: ref(seedTf, 'aws_lambda_function', 'scoped-agents-rotate', 'arn', 'function_name'),
        role_arn: ref(seedTf, 'aws_iam_role', 'scoped-agents-scheduler'),
        input: JSON.stringify({ action: 'rotate', agent }),
        retry_policy: { maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600 },
      },
    });
  });

  test('has exactly four alarms per agent, named scoped-agents/<fleet>/<agent>/<kind>', () => {
    expect(Object.keys(byName(seedTf, 'aws_cloudwatch_metric_alarm', 'alarm_name')).sort()).toEqual(
      SEED_AGENTS.flatMap((a) => ['call-rate', 'denied-rate', 'orphan', 'rotation-failure'].map((k) => `scoped-agents/scoped-agents/${a}/${k}`)),
    );
  });

  test.each(SEED_AGENTS)('%s: alarms at 1000 calls/min, 20 denied/min, 24 h without a call, and any rotation failure', (agent) => {
    const alarms = byName(seedTf, 'aws_cloudwatch_metric_alarm', 'alarm_name');
    const common = { namespace: 'ScopedAgents', dimensions: { Agent: agent }, statistic: 'Sum', actions_enabled: true };
    expect(alarms[`scoped-agents/scoped-agents/${agent}/call-rate`]).toMatchObject({
      ...common,
      metric_name: 'Calls',
      period: 60,
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
      threshold: 1000,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'notBreaching',
    });
    expect(alarms[`scoped-agents/scoped-agents/${agent}/denied-rate`]).toMatchObject({
      ...common,
      metric_name: 'DeniedCalls',
      period: 60,
      evaluation_periods: 1,
      threshold: 20,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'notBreaching',
    });
    expect(alarms[`scoped-agents/scoped-agents/${agent}/orphan`]).toMatchObject({
      ...common,
      metric_name: 'Calls',
      period: 3600,
      evaluation_periods: 24,
      datapoints_to_alarm: 24,
      threshold: 1,
      comparison_operator: 'LessThanThreshold',
      // An hour without a single logged call has no datapoint at all: it must count.
      treat_missing_data: 'breaching',
    });
    expect(alarms[`scoped-agents/scoped-agents/${agent}/rotation-failure`]).toMatchObject({
      ...common,
      metric_name: 'RotationFailures',
      evaluation_periods: 1,
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'notBreaching',
    });
  });

  test('wires every alarm to the fleet topic, and to nothing else', () => {
    const topic = ref(seedTf, 'aws_sns_topic', 'scoped-agents-alarms');
    for (const alarm of Object.values(seedTf.resource.aws_cloudwatch_metric_alarm)) {
      expect(alarm.alarm_actions).toEqual([topic]);
      expect(alarm).not.toHaveProperty('ok_actions');
      expect(alarm).not.toHaveProperty('insufficient_data_actions');
    }
  });

  test('says in each alarm what it means and whether the agent is revoked', () => {
    const alarms = byName(seedTf, 'aws_cloudwatch_metric_alarm', 'alarm_name');
    expect(alarms['scoped-agents/scoped-agents/lead-enricher/denied-rate'].alarm_description).toMatch(
      /\(a prompt-injection signal\)\. The revoke function cuts lead-enricher off at once/,
    );
    expect(alarms['scoped-agents/scoped-agents/lead-enricher/rotation-failure'].alarm_description).toMatch(
      /is not revoked: its previous credential keeps working/,
    );
  });

  test.each(SEED_AGENTS)('%s: its own call-log group, kept 365 days, encrypted with the fleet key', (agent) => {
    const group = byName(seedTf, 'aws_cloudwatch_log_group')[`/scoped-agents/scoped-agents/agents/${agent}`];
    expect(group).toMatchObject({ retention_in_days: 365, kms_key_id: `\${aws_kms_key.${only(seedTf, 'aws_kms_key')['//id']}.arn}` });
  });

  test.each(SEED_AGENTS)('%s: metric filters count its calls and its denied calls, by agent', (agent) => {
    const group = ref(seedTf, 'aws_cloudwatch_log_group', `/scoped-agents/scoped-agents/agents/${agent}`, 'name');
    const filters = Object.values(seedTf.resource.aws_cloudwatch_log_metric_filter).filter((f) => f.log_group_name === group);
    const transformation = (name: string) => ({ name, namespace: 'ScopedAgents', value: '1', unit: 'Count', dimensions: { Agent: '$.agent' } });
    expect(filters.map(({ '//': _meta, ...f }) => f).sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: 'calls', log_group_name: group, pattern: `{ $.agent = "${agent}" }`, metric_transformation: transformation('Calls') },
      {
        name: 'denied-calls',
        log_group_name: group,
        pattern: `{ $.agent = "${agent}" && $.outcome = "denied" }`,
        metric_transformation: transformation('DeniedCalls'),
      },
    ]);
  });

  test.each(SEED_AGENTS)('%s: a KMS-encrypted secret its rotated login is delivered to, with no value in Terraform', (agent) => {
    const secret = byName(seedTf, 'aws_secretsmanager_secret')[`scoped-agents/scoped-agents/agents/${agent}/vault-login`];
    expect(secret).toMatchObject({
      kms_key_id: `\${aws_kms_key.${only(seedTf, 'aws_kms_key')['//id']}.arn}`,
      description: expect.stringContaining('Not managed by Terraform'),
    });
  });

  test('keeps every secret value out of Terraform: no secret version, no secret_string anywhere', () => {
    expect(seedTf.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(JSON.stringify(seedTf)).not.toMatch(/secret_string|secret_binary/);
  });
});

describe('the fixture fleet: per-agent overrides and a credential kept in AWS', () => {
  const alarm = (agent: string, kind: string) => byName(fixtureTf, 'aws_cloudwatch_metric_alarm', 'alarm_name')[`scoped-agents/acme-agents/${agent}/${kind}`];

  test("ticket-triager rotates every 12 hours, the others at the defaults' 03:00", () => {
    const schedules = byName(fixtureTf, 'aws_scheduler_schedule');
    expect(schedules['agent-ticket-triager'].schedule_expression).toBe('rate(12 hours)');
    for (const agent of fixture.agents.filter((a) => a.name !== 'ticket-triager')) {
      expect(schedules[`agent-${agent.name}`].schedule_expression).toBe('cron(0 3 * * ? *)');
    }
    expect(Object.keys(schedules).filter((s) => s !== 'usage-summary')).toHaveLength(fixture.agents.length);
  });

  test('ticket-triager alarms at 120 calls/min and after 72 h without a call; its denied-calls limit stays the default 20', () => {
    expect(alarm('ticket-triager', 'call-rate')).toMatchObject({ threshold: 120, period: 60 });
    expect(alarm('ticket-triager', 'orphan')).toMatchObject({ period: 3600, evaluation_periods: 72, datapoints_to_alarm: 72, threshold: 1 });
    expect(alarm('ticket-triager', 'denied-rate')).toMatchObject({ threshold: 20 });
    expect(alarm('report-writer', 'call-rate')).toMatchObject({ threshold: 1000 });
    expect(alarm('report-writer', 'orphan')).toMatchObject({ evaluation_periods: 24 });
  });

  test('ticket-triager (orphanAction: revoke) has an orphan alarm the revoke function acts on; report-writer (the default) one that only flags', () => {
    expect(alarm('ticket-triager', 'orphan').alarm_description).toBe(
      'ticket-triager made no call for 72 hours: an orphaned credential that outlived its use. The revoke function cuts ticket-triager off unless it never made a call; orphanAction: revoke.',
    );
    expect(alarm('report-writer', 'orphan').alarm_description).toBe(
      'report-writer made no call for 24 hours: an orphaned credential that outlived its use. report-writer is flagged, not revoked: retire it if nobody needs it.',
    );
    // Both notify the same topic, which the revoke function subscribes to: the description is what tells them apart.
    expect(alarm('ticket-triager', 'orphan').alarm_actions).toEqual(alarm('report-writer', 'orphan').alarm_actions);
  });

  test("keeps the call logs the fleet's 731 days", () => {
    const groups = Object.values(fixtureTf.resource.aws_cloudwatch_log_group);
    expect(groups.map((g) => g.retention_in_days)).toEqual(groups.map(() => 731));
  });

  test('gives deal-scorer its own Secrets Manager secret for salesforce, rotated on its schedule by the rotate function, and no KV entry', () => {
    const secret = byName(fixtureTf, 'aws_secretsmanager_secret')['scoped-agents/acme-agents/agents/deal-scorer/salesforce'];
    const key = `\${aws_kms_key.${only(fixtureTf, 'aws_kms_key')['//id']}.arn}`;
    expect(secret).toMatchObject({ kms_key_id: key, description: expect.stringContaining('scopes crm.deals.read; rotator oauth2-refresh') });
    const rotation = only(fixtureTf, 'aws_secretsmanager_secret_rotation');
    expect(rotation).toMatchObject({
      secret_id: `\${aws_secretsmanager_secret.${String(secret['//id'])}.id}`,
      rotation_lambda_arn: ref(fixtureTf, 'aws_lambda_function', 'acme-agents-rotate', 'arn', 'function_name'),
      rotation_rules: { schedule_expression: 'cron(0 3 * * ? *)' },
      rotate_immediately: false,
    });
    const permission = Object.values(fixtureTf.resource.aws_lambda_permission).find((p) => p.principal === 'secretsmanager.amazonaws.com');
    expect(permission).toMatchObject({
      action: 'lambda:InvokeFunction',
      function_name: ref(fixtureTf, 'aws_lambda_function', 'acme-agents-rotate', 'function_name', 'function_name'),
      source_arn: `\${aws_secretsmanager_secret.${String(secret['//id'])}.arn}`,
    });
    expect(Object.keys(byName(fixtureTf, 'vault_kv_secret_v2'))).not.toContain('agents/deal-scorer/salesforce');
  });

  test("deal-scorer's IAM role reads exactly its own secret and decrypts with the fleet key; Vault brokers its session", () => {
    const secret = byName(fixtureTf, 'aws_secretsmanager_secret')['scoped-agents/acme-agents/agents/deal-scorer/salesforce'];
    const policy = byName(fixtureTf, 'aws_iam_role_policy')['agent-deal-scorer'];
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CredentialSalesforce',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [`\${aws_secretsmanager_secret.${String(secret['//id'])}.arn}`],
        },
        { Sid: 'CredentialsDecrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [`\${aws_kms_key.${only(fixtureTf, 'aws_kms_key')['//id']}.arn}`] },
      ],
    });
    expect(parseVaultPolicy(String(byName(fixtureTf, 'vault_policy')['agent-deal-scorer'].policy))).toEqual([
      { path: 'agent-aws/creds/agent-deal-scorer', capabilities: ['read'] },
      { path: 'auth/token/lookup-self', capabilities: ['read'] },
      { path: 'auth/token/renew-self', capabilities: ['update'] },
    ]);
  });

  test('fails when an agent keeping a credential in AWS rotates more often than Secrets Manager can (every 4 hours)', () => {
    const hourly: Fleet = { ...fixture, agents: fixture.agents.map((a) => (a.name === 'deal-scorer' ? { ...a, rotation: 'rate(1 hour)' } : a)) };
    expect(() => synthFleet(hourly)).toThrow(
      'agent deal-scorer: rotation rate(1 hour) is more often than Secrets Manager rotates (every 4 hours at most), and salesforce is kept in AWS; rotate it every 4 hours or less often, or keep the credential in Vault (store: vault)',
    );
  });
});
