/**
 * The agents' counts from CloudWatch: `ScopedAgents/Calls` and `DeniedCalls`
 * (dimension `Agent`), which the call-log metric filters write, read with
 * GetMetricData — hourly over the window and the earlier windows, per minute
 * over the window for the peak minute.
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { AGENT_PREFIX } from '../../model/fleet';
import { METRICS } from '../../model/operations';
import { AgentUsageCounts } from '../../model/usage';

/** A summary window: `[start, end)`. */
export interface UsageWindow {
  readonly start: Date;
  readonly end: Date;
}

/** GetMetricData returns at most this many datapoints per call, and takes at most 500 queries. */
const MAX_DATAPOINTS = 100_800;
const MAX_QUERIES = 500;

/**
 * The window a run summarizes: the `hours` up to `end`, or up to the last
 * full hour before `now` (hour-aligned, so that CloudWatch's hourly and
 * per-minute periods fall exactly inside it).
 */
export function summaryWindow(now: Date, hours: number, end?: string): UsageWindow {
  const e = end === undefined ? new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000) : new Date(end);
  if (Number.isNaN(e.getTime())) throw new Error(`the event's end ${JSON.stringify(end)} is not a time`);
  return { start: new Date(e.getTime() - hours * 3_600_000), end: e };
}

/** Runs queries in batches that respect GetMetricData's limits, following NextToken; results by query id. */
async function getMetricData(
  cloudwatch: CloudWatchClient,
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
  pointsPerQuery: number,
): Promise<Map<string, { t: number; v: number }[]>> {
  const out = new Map<string, { t: number; v: number }[]>();
  const perBatch = Math.max(1, Math.min(MAX_QUERIES, Math.floor(MAX_DATAPOINTS / pointsPerQuery)));
  for (let i = 0; i < queries.length; i += perBatch) {
    let nextToken: string | undefined;
    do {
      const res = await cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(i, i + perBatch),
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
        }),
      );
      for (const r of res.MetricDataResults ?? ([] as MetricDataResult[])) {
        const points = out.get(r.Id!) ?? [];
        (r.Timestamps ?? []).forEach((t, j) => points.push({ t: new Date(t).getTime(), v: r.Values?.[j] ?? 0 }));
        out.set(r.Id!, points);
      }
      nextToken = res.NextToken;
    } while (nextToken);
  }
  return out;
}

function query(id: string, metric: string, agent: string, period: number): MetricDataQuery {
  // The trail's metrics are by IAM role (`agent-<name>`), the call log's by agent.
  const byRole = metric === METRICS.awsCalls || metric === METRICS.awsDeniedCalls;
  const dimension = byRole ? { Name: METRICS.roleDimension, Value: `${AGENT_PREFIX}${agent}` } : { Name: METRICS.dimension, Value: agent };
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: METRICS.namespace, MetricName: metric, Dimensions: [dimension] },
      Period: period,
      Stat: 'Sum',
    },
    ReturnData: true,
  };
}

/**
 * Each agent's calls and denied calls in the window, its calls in each of the
 * `historyWindows` earlier windows of the same length, and its busiest minute.
 *
 * History starts at the first earlier window with a call: CloudWatch cannot
 * tell a quiet day from a day before the agent existed (the metric filter
 * writes nothing when nothing is logged).
 */
export async function fetchAgentUsage(
  cloudwatch: CloudWatchClient,
  agents: Readonly<Record<string, { readonly maxCallsPerMinute: number }>>,
  window: UsageWindow,
  historyWindows: number,
  /** Also count each agent's AWS calls (the fleet has a trail). */
  awsCalls = false,
): Promise<AgentUsageCounts[]> {
  const names = Object.keys(agents).sort();
  const start = window.start.getTime();
  const length = window.end.getTime() - start;
  const historyStart = new Date(start - historyWindows * length);
  const hours = Math.ceil((window.end.getTime() - historyStart.getTime()) / 3_600_000);

  const hourly = await getMetricData(
    cloudwatch,
    names.flatMap((agent, i) => [
      query(`calls${i}`, METRICS.calls, agent, 3600),
      query(`denied${i}`, METRICS.deniedCalls, agent, 3600),
      ...(awsCalls ? [query(`aws${i}`, METRICS.awsCalls, agent, 3600), query(`awsDenied${i}`, METRICS.awsDeniedCalls, agent, 3600)] : []),
    ]),
    historyStart,
    window.end,
    hours,
  );
  const minutes = await getMetricData(
    cloudwatch,
    names.map((agent, i) => query(`minute${i}`, METRICS.calls, agent, 60)),
    window.start,
    window.end,
    Math.ceil(length / 60_000),
  );

  return names.map((agent, i) => {
    let calls = 0;
    let denied = 0;
    const history = new Array<number>(historyWindows).fill(0);
    for (const { t, v } of hourly.get(`calls${i}`) ?? []) {
      if (t >= start && t < window.end.getTime()) calls += v;
      else if (t < start && t >= historyStart.getTime()) history[historyWindows - 1 - Math.floor((start - t - 1) / length)] += v;
    }
    for (const { t, v } of hourly.get(`denied${i}`) ?? []) if (t >= start && t < window.end.getTime()) denied += v;
    const first = history.findIndex((n) => n > 0);
    const peakMinute = Math.max(0, ...(minutes.get(`minute${i}`) ?? []).filter(({ t }) => t >= start && t < window.end.getTime()).map(({ v }) => v));
    const inWindow = (id: string): number => (hourly.get(id) ?? []).filter(({ t }) => t >= start && t < window.end.getTime()).reduce((n, { v }) => n + v, 0);
    return {
      agent,
      calls,
      denied,
      history: first === -1 ? [] : history.slice(first),
      peakMinute,
      maxCallsPerMinute: agents[agent].maxCallsPerMinute,
      ...(awsCalls ? { awsCalls: inWindow(`aws${i}`), awsDenied: inWindow(`awsDenied${i}`) } : {}),
    };
  });
}
