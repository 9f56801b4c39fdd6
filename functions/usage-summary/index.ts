/**
 * The usage-summary function: once a day (its schedule in the fleet's group),
 * it reads every agent's calls and denied calls from CloudWatch, judges them
 * with the shared usage rules (model/usage.ts: trend, never used, orphan,
 * spike; an idle agent whose call log never held a call is never used), and
 * posts a readable summary to the team webhook, whose URL lives in Secrets
 * Manager.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { METRICS, USAGE_SUMMARY, UsageSummaryEvent } from '../../model/operations';
import { summarizeUsage, UsageReportJson } from '../../model/usage';
import { awsClients } from '../shared/aws';
import { lastCallTime } from '../shared/call-log';
import { mapWithLimit } from '../shared/parallel';
import { readEnv } from '../shared/env';
import { jsonLogger, Logger } from '../shared/log';
import { postToWebhook, webhookUrlFrom } from '../shared/slack';
import { Fetch } from '../shared/vault';
import { usageMessage } from './message';
import { fetchAgentUsage, summaryWindow } from './metrics';

/** Everything {@link handleUsageSummary} needs. */
export interface UsageSummaryContext {
  readonly fleet: string;
  readonly cloudwatch: CloudWatchClient;
  /** When the agent last made a call; `null` for never. Asked only of agents without a call in the window. */
  readonly lastCall: (agent: string) => Promise<Date | null>;
  readonly webhookUrl: () => Promise<string>;
  readonly fetch: Fetch;
  readonly log: Logger;
  /** The clock: the window ends at the last full hour before it. */
  readonly now: () => Date;
}

/**
 * Reads the schedule's payload, listing every problem at once.
 *
 * @throws when it is not a `summarize` event with agents and whole positive limits
 */
export function parseUsageSummaryEvent(event: unknown): UsageSummaryEvent {
  const e = event as Partial<UsageSummaryEvent> | null;
  const problems: string[] = [];
  if (!e || typeof e !== 'object') throw new Error('the event is not a usage-summary event: expected {"action":"summarize","agents":{…}}');
  if (e.action !== 'summarize') problems.push(`action must be "summarize", got ${JSON.stringify(e.action)}`);
  const agents = e.agents;
  if (!agents || typeof agents !== 'object' || Array.isArray(agents)) {
    problems.push('agents must map each agent name to { "maxCallsPerMinute": n }');
  } else {
    for (const [name, limits] of Object.entries(agents)) {
      const n = (limits as { maxCallsPerMinute?: unknown } | null)?.maxCallsPerMinute;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        problems.push(`agents.${name}.maxCallsPerMinute must be a whole number above 0, got ${JSON.stringify(n)}`);
    }
  }
  if (e.shard !== undefined && (typeof e.shard !== 'string' || e.shard === ''))
    problems.push(`shard must be the shard's stack name, got ${JSON.stringify(e.shard)}`);
  if (e.cloudTrail !== undefined && e.cloudTrail !== true) problems.push(`cloudTrail must be true or absent, got ${JSON.stringify(e.cloudTrail)}`);
  if (e.end !== undefined && (typeof e.end !== 'string' || Number.isNaN(Date.parse(e.end))))
    problems.push(`end must be an ISO 8601 time, got ${JSON.stringify(e.end)}`);
  if (problems.length > 0) throw new Error(`the usage-summary event is not usable:\n- ${problems.join('\n- ')}`);
  return e as UsageSummaryEvent;
}

/**
 * Summarizes the agents' usage over the window and posts it.
 *
 * @returns the summary as JSON (also what the function logs)
 * @throws when CloudWatch or the webhook fails (Lambda then retries the schedule's event)
 */
export async function handleUsageSummary(event: unknown, ctx: UsageSummaryContext): Promise<UsageReportJson> {
  const e = parseUsageSummaryEvent(event);
  const window = summaryWindow(ctx.now(), USAGE_SUMMARY.windowHours, e.end);
  const counted = await fetchAgentUsage(ctx.cloudwatch, e.agents, window, USAGE_SUMMARY.historyWindows, e.cloudTrail === true);
  const agents = await mapWithLimit(counted, 5, async (a) =>
    a.calls === 0 && (a.awsCalls ?? 0) === 0 ? { ...a, neverUsed: (await ctx.lastCall(a.agent)) === null } : a,
  );
  const report = summarizeUsage({
    fleet: e.shard ? `${ctx.fleet} (shard ${e.shard})` : ctx.fleet,
    start: window.start,
    end: window.end,
    source: `CloudWatch ${METRICS.namespace}/${METRICS.calls} and ${METRICS.deniedCalls}${e.cloudTrail ? `, ${METRICS.awsCalls} and ${METRICS.awsDeniedCalls}` : ''}`,
    agents,
  });
  const json = report.toJson();
  await postToWebhook(await ctx.webhookUrl(), usageMessage(report), ctx.fetch);
  ctx.log.info(`posted the usage summary of ${json.totals.agents} agents`, {
    window: json.window,
    totals: json.totals,
    flagged: report.flagged.map((a) => a.agent),
  });
  return json;
}

/** Builds the context from the function's environment. */
export function usageSummaryContextFrom(
  env: Readonly<Record<string, string | undefined>>,
  fetchFn: Fetch = fetch,
  log: Logger = jsonLogger(),
): UsageSummaryContext {
  const e = readEnv(env, ['FLEET', 'WEBHOOK_SECRET_ARN']);
  const aws = awsClients(env);
  return {
    fleet: e.FLEET,
    cloudwatch: aws.cloudwatch,
    lastCall: (agent) => lastCallTime(aws.logs, e.FLEET, agent),
    webhookUrl: () => webhookUrlFrom(aws.secrets, e.WEBHOOK_SECRET_ARN),
    fetch: fetchFn,
    log,
    now: () => new Date(),
  };
}

/** Lambda entry point: the daily schedule's {@link UsageSummaryEvent}. */
export async function handler(event: unknown): Promise<{ agents: number; flagged: number }> {
  const json = await handleUsageSummary(event, usageSummaryContextFrom(process.env));
  return { agents: json.totals.agents, flagged: json.agents.filter((a) => a.neverUsed || a.orphan || a.spike).length };
}
