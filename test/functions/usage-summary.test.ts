/**
 * The usage-summary function against moto (CloudWatch, Secrets Manager) and a
 * local incoming webhook that checks the payload against Slack's documented
 * shape: a known week of metrics is put, the summary runs on the payload the
 * synthesized schedule sends, and the exact message is asserted.
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { resolve } from 'path';
import { handleUsageSummary, handler as usageHandler, parseUsageSummaryEvent, UsageSummaryContext } from '../../functions/usage-summary';
import { fetchAgentUsage, summaryWindow } from '../../functions/usage-summary/metrics';
import { cloudWatchClient } from '../../functions/shared/aws';
import { lastCallTime } from '../../functions/shared/call-log';
import { jsonLogger } from '../../functions/shared/log';
import { callLogGroupName, METRICS, SECRET_NAMES, UsageSummaryEvent } from '../../model';
import { FakeSlack, startFakeSlack } from '../support/fake-slack';
import { MotoServer, startMoto } from '../support/moto';
import { synthesizeTable } from '../support/synthesized';
import { shardedSeed, withEnv } from './world';

const H = 3_600_000;
const D = 24 * H;
const FLEET = 'scoped-agents';

let moto: MotoServer;
let slack: FakeSlack;
let cloudwatch: CloudWatchClient;
let logs: CloudWatchLogsClient;
let webhookSecretArn: string;
let event: UsageSummaryEvent;
/** The window's end: a full hour, so that every datapoint below falls where intended. */
const END = Math.floor(Date.now() / H) * H;
const logged: string[] = [];

/** One datapoint of an agent's metric, `Value` calls at `at`. */
const datum = (agent: string, metric: string, at: number, value: number) => ({
  MetricName: metric,
  Dimensions: [{ Name: METRICS.dimension, Value: agent }],
  Timestamp: new Date(at),
  Value: value,
  Unit: 'Count' as const,
});

beforeAll(async () => {
  const [m, s, synthesized] = await Promise.all([startMoto(), startFakeSlack(), synthesizeTable({ table: resolve(__dirname, '..', '..', 'agents.yaml') })]);
  moto = m;
  slack = s;
  cloudwatch = cloudWatchClient(moto.clientConfig);
  logs = new CloudWatchLogsClient(moto.clientConfig);
  const secrets = new SecretsManagerClient(moto.clientConfig);
  webhookSecretArn = (
    await secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.webhook(FLEET), SecretString: JSON.stringify({ url: slack.webhookUrl }) }))
  ).ARN!;
  // What the deployed schedule sends, read from the synthesized stack.
  const schedule = Object.values(synthesized.stacks[0].json.resource!.aws_scheduler_schedule).find((r) => r.name === 'usage-summary')!;
  event = JSON.parse((schedule.target as { input: string }).input);

  // A known week. lead-enricher: steady, 100–130 calls a day, 120 today with 4 denied.
  // invoice-summarizer: 20–30 a day, then 1800 today, 1500 of them in one minute.
  // email-notifier: 5 a day for three days, nothing today.
  const data = [
    ...[100, 110, 130, 120, 125, 115, 105].map((n, i) => datum('lead-enricher', METRICS.calls, END - (8 - i) * D + 2 * H, n)),
    datum('lead-enricher', METRICS.calls, END - 5 * H, 70),
    datum('lead-enricher', METRICS.calls, END - 2 * H, 50),
    datum('lead-enricher', METRICS.deniedCalls, END - 2 * H, 4),
    ...[20, 30, 25, 20, 30, 25, 25].map((n, i) => datum('invoice-summarizer', METRICS.calls, END - (8 - i) * D + 2 * H, n)),
    datum('invoice-summarizer', METRICS.calls, END - 3 * H, 1500),
    datum('invoice-summarizer', METRICS.calls, END - 3 * H + 60_000, 300),
    ...[5, 5, 5].map((n, i) => datum('email-notifier', METRICS.calls, END - (4 - i) * D + 2 * H, n)),
    // Outside every window: a day older than the history, and the hour after the window.
    datum('email-notifier', METRICS.calls, END - 9 * D + H, 999),
    datum('email-notifier', METRICS.calls, END + 60_000, 999),
  ];
  await cloudwatch.send(new PutMetricDataCommand({ Namespace: METRICS.namespace, MetricData: data }));
  // The call logs those metrics were counted from: each seed agent's last call. An agent without a log never called.
  for (const [agent, last] of [
    ['lead-enricher', END - 2 * H],
    ['invoice-summarizer', END - 3 * H + 60_000],
    ['email-notifier', END - 2 * D + 2 * H],
  ] as const) {
    const logGroupName = callLogGroupName(FLEET, agent);
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'gateway' }));
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'gateway', logEvents: [{ timestamp: last, message: JSON.stringify({ agent }) }] }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), slack?.stop()]);
});

const context = (): UsageSummaryContext => ({
  fleet: FLEET,
  cloudwatch,
  lastCall: (agent) => lastCallTime(logs, FLEET, agent),
  webhookUrl: async () => slack.webhookUrl,
  fetch,
  log: jsonLogger((line) => logged.push(line)),
  now: () => new Date(END + 10 * 60_000),
});

const at = (t: number): string => `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

test('the schedule sends every agent of the seed with its call-rate limit', () => {
  expect(event).toEqual({
    action: 'summarize',
    agents: { 'email-notifier': { maxCallsPerMinute: 1000 }, 'invoice-summarizer': { maxCallsPerMinute: 1000 }, 'lead-enricher': { maxCallsPerMinute: 1000 } },
  });
});

test("reads each agent's day, its earlier days and its busiest minute from CloudWatch", async () => {
  const usage = await fetchAgentUsage(cloudwatch, event.agents, summaryWindow(new Date(END + 600_000), 24), 7);
  expect(usage).toEqual([
    // History starts at its first day with a call: CloudWatch cannot tell a quiet day from one before the agent existed.
    { agent: 'email-notifier', calls: 0, denied: 0, history: [5, 5, 5], peakMinute: 0, maxCallsPerMinute: 1000 },
    { agent: 'invoice-summarizer', calls: 1800, denied: 0, history: [20, 30, 25, 20, 30, 25, 25], peakMinute: 1500, maxCallsPerMinute: 1000 },
    { agent: 'lead-enricher', calls: 120, denied: 4, history: [100, 110, 130, 120, 125, 115, 105], peakMinute: 70, maxCallsPerMinute: 1000 },
  ]);
});

test('posts the exact summary to the webhook, flagged agents first, accepted as a valid Slack payload', async () => {
  const before = slack.accepted.length;
  const json = await handleUsageSummary(event, context());
  expect(slack.refused).toEqual([]);
  expect(slack.accepted).toHaveLength(before + 1);
  const window = `24 h to ${at(END)}`;
  const summary = '3 agents, 1920 calls, 4 denied; flagged: 1 orphan (email-notifier), 1 spike (invoice-summarizer).';
  expect(slack.accepted.at(-1)).toEqual({
    text: `Daily usage of fleet scoped-agents, ${window}: ${summary}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Daily usage: fleet scoped-agents' } },
      { type: 'section', text: { type: 'mrkdwn', text: `*${window}*\n${summary}` } },
      { type: 'divider' },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: [
            '*Flagged (2)*',
            '*email-notifier*: 0 calls, 0 denied, trend -100 % (median 5), peak 0/min (limit 1000)',
            '    • orphan: no calls in 24 h',
            '*invoice-summarizer*: 1800 calls, 0 denied, trend +7100 % (median 25), peak 1500/min (limit 1000)',
            '    • spike: 1500 calls in one minute, above its limit of 1000',
            '    • spike: 1800 calls, more than 3 × the median of 7 earlier windows (25) and more than 100',
          ].join('\n'),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Everyone else (1)*\n*lead-enricher*: 120 calls, 4 denied, trend +4 % (median 115), peak 70/min (limit 1000)' },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: "Orphan: no call in the window. Never used: no call in the window, and its call log never held one. Spike: more calls in one minute than the agent's maxCallsPerMinute, or more than 3 × the median of the earlier windows and more than 100 calls. Source: CloudWatch ScopedAgents/Calls and DeniedCalls.",
          },
        ],
      },
    ],
  });
  expect(json.totals).toEqual({ agents: 3, calls: 1920, denied: 4, neverUsed: 0, orphans: 1, spikes: 1 });
  expect(JSON.parse(logged.at(-1)!)).toMatchObject({
    level: 'info',
    message: 'posted the usage summary of 3 agents',
    flagged: ['email-notifier', 'invoice-summarizer'],
  });
});

test('an agent whose call log never held a call is "never used", not an orphan', async () => {
  const json = await handleUsageSummary({ ...event, agents: { ...event.agents, 'fresh-agent': { maxCallsPerMinute: 60 } } }, context());
  const summary = '4 agents, 1920 calls, 4 denied; flagged: 1 never used (fresh-agent), 1 orphan (email-notifier), 1 spike (invoice-summarizer).';
  expect(slack.accepted.at(-1)!.text).toBe(`Daily usage of fleet scoped-agents, 24 h to ${at(END)}: ${summary}`);
  expect(json.totals).toEqual({ agents: 4, calls: 1920, denied: 4, neverUsed: 1, orphans: 1, spikes: 1 });
  expect(json.agents.find((a) => a.agent === 'fresh-agent')).toMatchObject({
    neverUsed: true,
    orphan: false,
    reasons: ['never used: no call since it was deployed'],
  });
  expect((slack.accepted.at(-1)!.blocks![3] as { text: { text: string } }).text.text).toContain(
    '*fresh-agent*: 0 calls, 0 denied, trend no history, peak 0/min (limit 60)\n    • never used: no call since it was deployed',
  );
});

test('the Lambda handler reads the webhook from Secrets Manager and summarizes the day the event names', async () => {
  const before = slack.accepted.length;
  const env = { ...moto.env, FLEET, WEBHOOK_SECRET_ARN: webhookSecretArn };
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    // A re-run for the day before: only the history of lead-enricher and invoice-summarizer falls in it.
    await expect(withEnv(env, () => usageHandler({ ...event, end: new Date(END - D).toISOString() }))).resolves.toEqual({ agents: 3, flagged: 0 });
  } finally {
    spy.mockRestore();
  }
  expect(slack.accepted).toHaveLength(before + 1);
  expect(slack.accepted.at(-1)!.text).toBe(`Daily usage of fleet scoped-agents, 24 h to ${at(END - D)}: 3 agents, 135 calls, 0 denied; nothing flagged.`);
});

test("fails, naming every problem, on an event that is not the schedule's", async () => {
  expect(() => parseUsageSummaryEvent({ action: 'rotate', agents: { a: { maxCallsPerMinute: 0 } }, end: 'soon' })).toThrow(
    'the usage-summary event is not usable:\n- action must be "summarize", got "rotate"\n- agents.a.maxCallsPerMinute must be a whole number above 0, got 0\n- end must be an ISO 8601 time, got "soon"',
  );
  expect(() => parseUsageSummaryEvent(null)).toThrow(/not a usage-summary event/);
  await expect(handleUsageSummary({ action: 'summarize' }, context())).rejects.toThrow(/agents must map each agent name/);
});

describe("a shard's summary (the seed sharded by name into 4)", () => {
  let shardEvent: UsageSummaryEvent;
  beforeAll(async () => {
    // What the shard stack's own schedule sends, read from the synthesized shard stack.
    const synthesized = await synthesizeTable({ table: shardedSeed('{ by: name, count: 4 }') });
    const stack = synthesized.stacks.find((s) => s.name === 'scoped-agents-shard-03')!;
    const schedule = Object.values(stack.json.resource!.aws_scheduler_schedule).find((r) => r.name === 'usage-summary-03')!;
    shardEvent = JSON.parse((schedule.target as { input: string }).input);
  }, 60_000);

  test("the shard's schedule sends its own agents and its stack name", () => {
    expect(shardEvent).toEqual({
      action: 'summarize',
      agents: { 'invoice-summarizer': { maxCallsPerMinute: 1000 }, 'lead-enricher': { maxCallsPerMinute: 1000 } },
      shard: 'scoped-agents-shard-03',
    });
  });

  test("the message header and text name the shard, over the shard's agents only", async () => {
    const before = slack.accepted.length;
    const json = await handleUsageSummary(shardEvent, context());
    expect(slack.refused).toEqual([]);
    expect(slack.accepted).toHaveLength(before + 1);
    const posted = slack.accepted.at(-1)!;
    expect(posted.text).toBe(
      `Daily usage of fleet scoped-agents (shard scoped-agents-shard-03), 24 h to ${at(END)}: 2 agents, 1920 calls, 4 denied; flagged: 1 spike (invoice-summarizer).`,
    );
    expect(posted.blocks![0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Daily usage: fleet scoped-agents (shard scoped-agents-shard-03)' },
    });
    expect(json.totals).toEqual({ agents: 2, calls: 1920, denied: 4, neverUsed: 0, orphans: 0, spikes: 1 });
    expect(JSON.parse(logged.at(-1)!)).toMatchObject({ level: 'info', message: 'posted the usage summary of 2 agents', flagged: ['invoice-summarizer'] });
  });

  test('an event without a shard names the fleet only', async () => {
    const { shard: _shard, ...whole } = shardEvent;
    await handleUsageSummary(whole, context());
    expect(slack.accepted.at(-1)!.text).toBe(
      `Daily usage of fleet scoped-agents, 24 h to ${at(END)}: 2 agents, 1920 calls, 4 denied; flagged: 1 spike (invoice-summarizer).`,
    );
    expect(slack.accepted.at(-1)!.blocks![0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Daily usage: fleet scoped-agents' } });
  });

  test("fails when the shard is empty: shard must be the shard's stack name", () => {
    expect(() => parseUsageSummaryEvent({ ...shardEvent, shard: '' })).toThrow(
      'the usage-summary event is not usable:\n- shard must be the shard\'s stack name, got ""',
    );
  });

  test("fails when the shard is not a string, listing it with the event's other problems at once", async () => {
    const bad = { action: 'rotate', agents: { a: { maxCallsPerMinute: 0 } }, shard: 5, end: 'soon' };
    const message =
      'the usage-summary event is not usable:\n- action must be "summarize", got "rotate"\n- agents.a.maxCallsPerMinute must be a whole number above 0, got 0\n' +
      '- shard must be the shard\'s stack name, got 5\n- end must be an ISO 8601 time, got "soon"';
    expect(() => parseUsageSummaryEvent(bad)).toThrow(message);
    const before = slack.accepted.length;
    await expect(handleUsageSummary({ ...shardEvent, shard: 5 }, context())).rejects.toThrow(
      "the usage-summary event is not usable:\n- shard must be the shard's stack name, got 5",
    );
    expect(slack.accepted).toHaveLength(before);
  });
});

test('fails when the webhook refuses the post (Lambda then retries the event)', async () => {
  const ctx = { ...context(), webhookUrl: async () => `${slack.url}/services/T0/B0/wrong` };
  await expect(handleUsageSummary(event, ctx)).rejects.toThrow(/the webhook answered HTTP 404: no_service/);
});

test("batches queries within GetMetricData's limits and follows NextToken", async () => {
  const sent: { queries: number; start: Date; end: Date; token?: string }[] = [];
  const fake = {
    send: async (command: GetMetricDataCommand) => {
      const input = command.input;
      sent.push({ queries: input.MetricDataQueries!.length, start: input.StartTime as Date, end: input.EndTime as Date, token: input.NextToken });
      // The first page of every batch asks for a second one.
      return input.NextToken ? { MetricDataResults: [] } : { MetricDataResults: [], NextToken: 'page-2' };
    },
  } as unknown as CloudWatchClient;
  const agents = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`agent-${String(i).padStart(3, '0')}`, { maxCallsPerMinute: 10 }]));
  const usage = await fetchAgentUsage(fake, agents, { start: new Date(END - D), end: new Date(END) }, 7);
  expect(usage).toHaveLength(300);
  // Hourly over 8 days: 192 points a query, so 500 queries a batch (100,800 points at most); per minute over a day: 1440 points, so 70.
  const hourly = sent.filter((s) => s.end.getTime() - s.start.getTime() === 8 * D);
  const minutes = sent.filter((s) => s.end.getTime() - s.start.getTime() === D);
  expect(hourly.map((s) => [s.queries, s.token])).toEqual([
    [500, undefined],
    [500, 'page-2'],
    [100, undefined],
    [100, 'page-2'],
  ]);
  expect(minutes.filter((s) => s.token === undefined).map((s) => s.queries)).toEqual([70, 70, 70, 70, 20]);
  expect(minutes.filter((s) => s.token === 'page-2')).toHaveLength(5);
});

test('the window ends at the last full hour, or where the event says', () => {
  expect(summaryWindow(new Date('2026-11-27T07:00:05Z'), 24)).toEqual({ start: new Date('2026-11-26T07:00:00Z'), end: new Date('2026-11-27T07:00:00Z') });
  expect(summaryWindow(new Date('2026-11-27T07:59:59Z'), 24, '2026-11-01T00:00:00Z')).toEqual({
    start: new Date('2026-10-31T00:00:00Z'),
    end: new Date('2026-11-01T00:00:00Z'),
  });
});

describe('with the fleet trail (cloudTrail: true in the event)', () => {
  const byRole = (agent: string, metric: string, at: number, value: number) => ({
    MetricName: metric,
    Dimensions: [{ Name: METRICS.roleDimension, Value: `agent-${agent}` }],
    Timestamp: new Date(at),
    Value: value,
    Unit: 'Count' as const,
  });
  beforeAll(async () => {
    // email-notifier made no gateway call today, but its IAM role called AWS 12 times (2 refused).
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: METRICS.namespace,
        MetricData: [
          byRole('email-notifier', METRICS.awsCalls, END - 4 * H, 12),
          byRole('email-notifier', METRICS.awsDeniedCalls, END - 4 * H, 2),
          // Outside the window: not counted.
          byRole('email-notifier', METRICS.awsCalls, END + 60_000, 500),
        ],
      }),
    );
  });

  test("reads each agent's AWS calls by its role beside its gateway calls", async () => {
    const usage = await fetchAgentUsage(cloudwatch, event.agents, summaryWindow(new Date(END + 600_000), 24), 7, true);
    expect(usage.map((u) => [u.agent, u.calls, u.awsCalls, u.awsDenied])).toEqual([
      ['email-notifier', 0, 12, 2],
      ['invoice-summarizer', 1800, 0, 0],
      ['lead-enricher', 120, 0, 0],
    ]);
  });

  test('an agent with AWS calls and no gateway calls is not an orphan; the summary shows its AWS calls', async () => {
    const json = await handleUsageSummary({ ...event, cloudTrail: true }, context());
    expect(json.totals).toEqual({ agents: 3, calls: 1920, denied: 4, neverUsed: 0, orphans: 0, spikes: 1 });
    expect(json.agents.find((a) => a.agent === 'email-notifier')).toMatchObject({ calls: 0, awsCalls: 12, awsDenied: 2, orphan: false, neverUsed: false });
    expect(json.source).toBe('CloudWatch ScopedAgents/Calls and DeniedCalls, AwsCalls and AwsDeniedCalls');
    expect(slack.accepted.at(-1)!.text).toContain('1 spike (invoice-summarizer)');
    expect(JSON.stringify(slack.accepted.at(-1)!.blocks)).toContain('*email-notifier*: 0 calls, 0 denied, 12 AWS calls (2 denied), trend -100 % (median 5)');
  });

  test('without the trail the summary is as before: no AWS columns, the idle agent an orphan', async () => {
    const json = await handleUsageSummary(event, context());
    expect(json.totals.orphans).toBe(1);
    expect(json.agents.every((a) => a.awsCalls === undefined)).toBe(true);
  });
});
