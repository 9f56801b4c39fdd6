/**
 * The agents of a synthesized stack and their call-rate limits, read back from
 * `cdk.tf.json`: every agent has a call-rate alarm named
 * `scoped-agents/<fleet>/<agent>/call-rate` whose threshold is its
 * `maxCallsPerMinute`. Readers of an audit log learn from this which agents
 * exist (so that an idle one shows as an orphan) and what their limits are,
 * from what would deploy rather than from the table.
 */
import { parseAlarmName } from '../model/operations';

/** One agent of a synthesized fleet, with its call-rate limit. */
export interface SynthesizedAgentLimit {
  readonly fleet: string;
  readonly name: string;
  readonly maxCallsPerMinute: number;
}

/**
 * The agents whose call-rate alarms a stack holds, sorted by fleet and name.
 *
 * @param json a parsed `cdk.tf.json`
 * @throws when a call-rate alarm has no numeric threshold
 */
export function agentLimitsOf(json: { resource?: Record<string, Record<string, Record<string, unknown>>> }): SynthesizedAgentLimit[] {
  const out: SynthesizedAgentLimit[] = [];
  for (const [id, alarm] of Object.entries(json.resource?.aws_cloudwatch_metric_alarm ?? {})) {
    const parsed = typeof alarm.alarm_name === 'string' ? parseAlarmName(alarm.alarm_name) : undefined;
    if (!parsed || parsed.kind !== 'call-rate') continue;
    if (typeof alarm.threshold !== 'number') throw new Error(`aws_cloudwatch_metric_alarm.${id} (${String(alarm.alarm_name)}) has no numeric threshold`);
    out.push({ fleet: parsed.fleet, name: parsed.agent, maxCallsPerMinute: alarm.threshold });
  }
  return out.sort((a, b) => a.fleet.localeCompare(b.fleet) || a.name.localeCompare(b.name));
}
