import { Agent } from '../../model/fleet';
import { AlarmKind, alarmName, alarmRevokes, METRICS, ORPHAN_REVOKES } from '../../model/operations';

/** One CloudWatch alarm of one agent, as a pure description (no cdktf). */
export interface AlarmSpec {
  readonly kind: AlarmKind;
  readonly name: string;
  readonly description: string;
  readonly metricName: string;
  /**
   * A second metric added to `metricName` (dimension `Role`, the agent's IAM role): for the
   * denied-rate alarm of an agent with an IAM role in a fleet with its own trail, AWS's refusals.
   */
  readonly awsMetricName?: string;
  readonly statistic: 'Sum';
  /** Seconds per datapoint. */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly treatMissingData: 'breaching' | 'notBreaching';
}

/**
 * The four alarms of an agent, from its thresholds (the table's `alarms`,
 * defaults and overrides applied), in {@link ALARM_KINDS} order.
 *
 * - call-rate: more than `maxCallsPerMinute` calls in a minute;
 * - denied-rate: more than `maxDeniedPerMinute` denied calls in a minute; with
 *   `options.awsDenied` (an IAM role, the fleet's trail) AWS's refusals of its
 *   role (`AwsDeniedCalls`) count too, added by metric math;
 * - orphan: fewer than one call in each of `orphanAfterHours` hours; an hour
 *   without data counts as an hour without calls (the call-log metric filter
 *   writes nothing when nothing is logged). It notifies; with `orphanAction:
 *   revoke` its description says so, and the revoke function acts on it;
 * - rotation-failure: any failed rotation in five minutes; no data is no failure.
 */
export function alarmSpecsFor(fleet: string, agent: Agent, options: { readonly awsDenied?: boolean } = {}): AlarmSpec[] {
  const { maxCallsPerMinute, maxDeniedPerMinute, orphanAfterHours, orphanAction } = agent.alarms;
  const consequence = (kind: AlarmKind): string =>
    kind === 'orphan'
      ? orphanAction === 'revoke'
        ? `The revoke function cuts ${agent.name} off unless it never made a call; ${ORPHAN_REVOKES}`
        : `${agent.name} is flagged, not revoked: retire it if nobody needs it.`
      : alarmRevokes(kind, orphanAction)
        ? `The revoke function cuts ${agent.name} off at once (Vault tokens, secret-ids, AWS sessions); re-enable it from its runbook once understood.`
        : `${agent.name} is not revoked: its previous credential keeps working. Read the rotate function's log.`;
  const spec = (s: Omit<AlarmSpec, 'name' | 'statistic' | 'description'> & { what: string }): AlarmSpec => {
    const { what, ...rest } = s;
    return { ...rest, name: alarmName(fleet, agent.name, s.kind), statistic: 'Sum', description: `${what} ${consequence(s.kind)}` };
  };
  return [
    spec({
      kind: 'call-rate',
      what: `${agent.name} made more than ${maxCallsPerMinute} calls in one minute: a runaway loop or a credential used by someone else.`,
      metricName: METRICS.calls,
      period: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: maxCallsPerMinute,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
    spec({
      kind: 'denied-rate',
      what:
        `${agent.name} had more than ${maxDeniedPerMinute} calls denied in one minute: it is trying what its scopes do not allow (a prompt-injection signal).` +
        (options.awsDenied ? ' Calls AWS refused its IAM role count too (from the fleet trail, which delivers them minutes late).' : ''),
      metricName: METRICS.deniedCalls,
      ...(options.awsDenied ? { awsMetricName: METRICS.awsDeniedCalls } : {}),
      period: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: maxDeniedPerMinute,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
    spec({
      kind: 'orphan',
      what: `${agent.name} made no call for ${orphanAfterHours} hours: an orphaned credential that outlived its use.`,
      metricName: METRICS.calls,
      period: 3600,
      evaluationPeriods: orphanAfterHours,
      datapointsToAlarm: orphanAfterHours,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
    }),
    spec({
      kind: 'rotation-failure',
      what: `A rotation of ${agent.name}'s credentials failed.`,
      metricName: METRICS.rotationFailures,
      period: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    }),
  ];
}
