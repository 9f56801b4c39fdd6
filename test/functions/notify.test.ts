/**
 * The notify function: alarm notifications from the fleet topic become
 * readable Slack messages, posted to a local incoming webhook that checks the
 * payload against Slack's documented shape. The URL comes from a Secrets
 * Manager secret in moto.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { alarmName, ORPHAN_REVOKES, SECRET_NAMES } from '../../model';
import { handler as notifyHandler } from '../../functions/notify';
import { alarmMessage, thresholdText } from '../../functions/notify/message';
import { AlarmNotification } from '../../functions/shared/alarm';
import { postToWebhook } from '../../functions/shared/slack';
import { startFakeSlack, FakeSlack } from '../support/fake-slack';
import { MotoServer, startMoto } from '../support/moto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { captureLogs, alarmNotification, snsAlarmEvent, withEnv } from './world';

const FLEET = 'scoped-agents';
const TRIGGERS = {
  'call-rate': {
    MetricName: 'Calls',
    Namespace: 'ScopedAgents',
    Statistic: 'SUM',
    Period: 60,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 1000,
  },
  'denied-rate': {
    MetricName: 'DeniedCalls',
    Namespace: 'ScopedAgents',
    Statistic: 'SUM',
    Period: 60,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 20,
  },
  orphan: {
    MetricName: 'Calls',
    Namespace: 'ScopedAgents',
    Statistic: 'SUM',
    Period: 3600,
    EvaluationPeriods: 24,
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 1,
    TreatMissingData: 'breaching',
  },
  'rotation-failure': {
    MetricName: 'RotationFailures',
    Namespace: 'ScopedAgents',
    Statistic: 'SUM',
    Period: 300,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
  },
} as const;

const logs = captureLogs();
let moto: MotoServer;
let slack: FakeSlack;
let env: Record<string, string>;

beforeAll(async () => {
  [moto, slack] = await Promise.all([startMoto(), startFakeSlack()]);
  const secrets = new SecretsManagerClient(moto.clientConfig);
  const created = await secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.webhook(FLEET), SecretString: JSON.stringify({ url: slack.webhookUrl }) }));
  env = { ...moto.env, WEBHOOK_SECRET_ARN: created.ARN! };
}, 30_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), slack?.stop()]);
});

const notify = (event: unknown): Promise<{ posted: number }> => withEnv(env, () => notifyHandler(event));

test.each([
  ['call-rate', 'lead-enricher', 'calls per minute above its limit', 'Sum of Calls > 1000 per 60 s (1 of 1 period)'],
  ['denied-rate', 'lead-enricher', 'denied calls per minute above its limit (a prompt-injection signal)', 'Sum of DeniedCalls > 20 per 60 s (1 of 1 period)'],
  ['orphan', 'invoice-summarizer', 'no calls for too long (an orphaned credential)', 'fewer than 1 calls in 24 h (missing data counts as no calls)'],
  ['rotation-failure', 'email-notifier', 'a credential rotation failed', 'Sum of RotationFailures >= 1 per 300 s (1 of 1 period)'],
] as const)(
  'a %s alarm on %s is posted with agent, kind, threshold, state, reason and time, and accepted by the webhook',
  async (kind, agent, what, threshold) => {
    const before = slack.accepted.length;
    await expect(notify(snsAlarmEvent(alarmNotification(alarmName(FLEET, agent, kind), 'ALARM', TRIGGERS[kind])))).resolves.toEqual({ posted: 1 });
    expect(slack.refused).toEqual([]);
    expect(slack.accepted).toHaveLength(before + 1);
    const posted = slack.accepted[before];
    expect(posted.text.split('\n')).toEqual([
      `ALARM: agent ${agent}: ${what}.`,
      `Alarm: scoped-agents/${FLEET}/${agent}/${kind}`,
      `Threshold: ${threshold.replace(/>/g, '&gt;').replace(/</g, '&lt;')}`,
      'State: ALARM (was OK) at 2026-11-27T18:01:00.123Z',
      'Reason: Threshold Crossed: 1 datapoint [37.0 (27/11/26 18:00:00)] was greater than the threshold (20.0).',
      kind === 'rotation-failure'
        ? "Nothing was revoked: the previous credential still works. The rotate function's log names what failed."
        : kind === 'orphan'
          ? 'Nothing was revoked (orphanAction: notify). Retire the agent if nobody needs it; an agent that was never used also shows here.'
          : 'The agent is being revoked automatically; the revocation message follows with the steps to re-enable it.',
    ]);
    const fields = (posted.blocks![1] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields).toEqual([
      `*Agent*\n${agent}`,
      `*Alarm kind*\n${kind}: ${what}`,
      `*Threshold*\n${threshold.replace(/>/g, '&gt;').replace(/</g, '&lt;')}`,
      '*State*\nALARM (was OK)',
      '*Time*\n2026-11-27T18:01:00.123Z',
      `*Alarm*\nscoped-agents/${FLEET}/${agent}/${kind}`,
    ]);
    expect(JSON.stringify(posted)).not.toMatch(/https?:\/\/|<http/);
    expect(logs.at(-1)).toMatchObject({ level: 'info', message: `posted scoped-agents/${FLEET}/${agent}/${kind} ALARM` });
  },
);

test('an orphan alarm of an agent with orphanAction: revoke says it revokes only an agent that made calls', () => {
  const message = alarmMessage(
    alarmNotification(alarmName(FLEET, 'lead-enricher', 'orphan'), 'ALARM', TRIGGERS.orphan, {
      AlarmDescription: `lead-enricher made no call for 24 hours. ${ORPHAN_REVOKES}`,
    }) as unknown as AlarmNotification,
  );
  expect(message.text.split('\n').at(-1)).toBe(
    'With orphanAction: revoke, the agent is revoked automatically if it ever made a call (the revocation message follows); an agent never used is only flagged.',
  );
});

test('a return to OK says the agent stays revoked until re-enabled', async () => {
  await notify(snsAlarmEvent(alarmNotification(alarmName(FLEET, 'lead-enricher', 'denied-rate'), 'OK', TRIGGERS['denied-rate'])));
  const posted = slack.accepted.at(-1)!;
  expect(posted.text).toMatch(/^OK: agent lead-enricher: /);
  expect(posted.text).toContain('State: OK (was ALARM)');
  expect(posted.text).toContain('An agent revoked by this alarm stays revoked until someone re-enables it');
});

test('text that Slack would turn into links or mentions is escaped in blocks', () => {
  const message = alarmMessage(
    alarmNotification(alarmName(FLEET, 'lead-enricher', 'call-rate'), 'ALARM', TRIGGERS['call-rate'], {
      NewStateReason: 'spike <!channel> from <https://evil.example|here> & more',
    }) as unknown as AlarmNotification,
  );
  const reason = (message.blocks![2] as { text: { text: string } }).text.text;
  expect(reason).toBe('*Reason*\nspike &lt;!channel&gt; from &lt;https://evil.example|here&gt; &amp; more');
  expect(message.text).toContain('Reason: spike &lt;!channel&gt; from &lt;https://evil.example|here&gt; &amp; more');
});

test('several alarms in one event are each posted; an event without alarms posts nothing', async () => {
  const before = slack.accepted.length;
  await expect(
    notify(
      snsAlarmEvent(
        alarmNotification(alarmName(FLEET, 'a', 'orphan'), 'ALARM', TRIGGERS.orphan),
        alarmNotification('billing-over-budget', 'ALARM', TRIGGERS['call-rate']),
      ),
    ),
  ).resolves.toEqual({ posted: 2 });
  expect(slack.accepted.at(-1)!.text).toMatch(/^ALARM: billing-over-budget: an alarm\./);
  await expect(notify({ Records: [{ Sns: { Message: 'not json' } }] })).resolves.toEqual({ posted: 0 });
  await expect(notify({ hello: 'world' })).resolves.toEqual({ posted: 0 });
  expect(slack.accepted.length).toBe(before + 2);
});

test('fails when the webhook refuses the payload, quoting its error (the fake checks the documented shape)', async () => {
  await expect(postToWebhook(slack.webhookUrl, { text: 'x', blocks: [{ type: 'section' } as never] })).rejects.toThrow(/HTTP 400: invalid_payload/);
  await expect(postToWebhook(slack.webhookUrl, { text: '' })).rejects.toThrow(/HTTP 400: invalid_payload/);
  expect(slack.refused.map((r) => r.reason)).toEqual(['blocks[0]: a section needs text or fields', 'text must be a non-empty string']);
});

test('fails with a clear message when the webhook secret has no url, or a URL that is not https', async () => {
  const secrets = new SecretsManagerClient(moto.clientConfig);
  const bad = await secrets.send(new CreateSecretCommand({ Name: 'scoped-agents/bad/notify-webhook', SecretString: JSON.stringify({ link: 'x' }) }));
  const plain = await secrets.send(
    new CreateSecretCommand({ Name: 'scoped-agents/plain/notify-webhook', SecretString: JSON.stringify({ url: 'http://hooks.slack.com/services/T/B/X' }) }),
  );
  const event = snsAlarmEvent(alarmNotification(alarmName(FLEET, 'a', 'orphan'), 'ALARM', TRIGGERS.orphan));
  await expect(withEnv({ ...env, WEBHOOK_SECRET_ARN: bad.ARN! }, () => notifyHandler(event))).rejects.toThrow(
    /must hold JSON \{ "url": "https:\/\/hooks\.slack\.com\/…" \}/,
  );
  await expect(withEnv({ ...env, WEBHOOK_SECRET_ARN: plain.ARN! }, () => notifyHandler(event))).rejects.toThrow(
    /the webhook URL must use https \(got http:\/\/hooks\.slack\.com\)/,
  );
  await expect(withEnv({ ...env, WEBHOOK_SECRET_ARN: '' }, () => notifyHandler(event))).rejects.toThrow(/WEBHOOK_SECRET_ARN is not set/);
});

test('thresholds read in words for each comparison', () => {
  expect(thresholdText(undefined)).toBeUndefined();
  expect(thresholdText({ ...TRIGGERS['denied-rate'], EvaluationPeriods: 5, DatapointsToAlarm: 3 })).toBe('Sum of DeniedCalls > 20 per 60 s (3 of 5 periods)');
  expect(thresholdText({ ...TRIGGERS.orphan, Period: 3600, EvaluationPeriods: 72 }, 'orphan')).toBe(
    'fewer than 1 calls in 72 h (missing data counts as no calls)',
  );
});
