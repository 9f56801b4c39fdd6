/**
 * A CloudWatch alarm notification as a readable Slack message: which agent,
 * which kind of alarm, its threshold, state, reason and time, and what happens
 * next. No links: the message is read where the console may not be reachable.
 */
import { AlarmKind, deployedAlarmRevokes, parseAlarmName } from '../../model/operations';
import { AlarmNotification, AlarmTrigger, isoTime } from '../shared/alarm';
import { clip, mrkdwnEscape, SlackMessage } from '../shared/slack';

const KINDS: Record<AlarmKind, string> = {
  'call-rate': 'calls per minute above its limit',
  'denied-rate': 'denied calls per minute above its limit (a prompt-injection signal)',
  orphan: 'no calls for too long (an orphaned credential)',
  'rotation-failure': 'a credential rotation failed',
};

const OPERATORS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** The alarm's threshold in words, e.g. `Sum of DeniedCalls > 20 per 60 s (1 of 1 periods)`; `undefined` without a trigger. */
export function thresholdText(trigger: AlarmTrigger | undefined, kind?: AlarmKind): string | undefined {
  if (!trigger || trigger.Threshold === undefined) return undefined;
  const op = OPERATORS[trigger.ComparisonOperator ?? ''] ?? trigger.ComparisonOperator ?? '?';
  const periods = trigger.EvaluationPeriods ?? 1;
  const period = trigger.Period ?? 60;
  if (kind === 'orphan') {
    const window = period * periods;
    const hours = window % 3600 === 0 ? `${window / 3600} h` : `${window} s`;
    return `fewer than ${op === '<' ? trigger.Threshold : `${op} ${trigger.Threshold}`} calls in ${hours} (missing data counts as no calls)`.replace(
      'fewer than < ',
      'fewer than ',
    );
  }
  const statistic = trigger.Statistic ? `${trigger.Statistic.charAt(0)}${trigger.Statistic.slice(1).toLowerCase()}` : 'Value';
  const datapoints = trigger.DatapointsToAlarm ?? periods;
  return `${statistic} of ${trigger.MetricName ?? 'the metric'} ${op} ${trigger.Threshold} per ${period} s (${datapoints} of ${periods} period${periods === 1 ? '' : 's'})`;
}

/** What happens next, given the alarm's kind, description and state. */
function nextStep(kind: AlarmKind | undefined, description: string | null | undefined, state: string): string {
  if (state === 'OK') return 'Back to normal. An agent revoked by this alarm stays revoked until someone re-enables it (see its runbook).';
  if (state !== 'ALARM') return `The alarm is ${state}: not enough data to decide.`;
  if (kind === undefined) return 'Not a scoped-agents alarm: nothing was done automatically.';
  if (kind === 'orphan' && deployedAlarmRevokes(kind, description))
    return 'With orphanAction: revoke, the agent is revoked automatically if it ever made a call (the revocation message follows); an agent never used is only flagged.';
  if (kind === 'orphan')
    return 'Nothing was revoked (orphanAction: notify). Retire the agent if nobody needs it; an agent that was never used also shows here.';
  if (deployedAlarmRevokes(kind, description))
    return 'The agent is being revoked automatically; the revocation message follows with the steps to re-enable it.';
  return "Nothing was revoked: the previous credential still works. The rotate function's log names what failed.";
}

/** The Slack message for one alarm notification. */
export function alarmMessage(alarm: AlarmNotification): SlackMessage {
  const parsed = parseAlarmName(alarm.AlarmName);
  const agent = parsed?.agent ?? alarm.Trigger?.Dimensions?.find((d) => d.name === 'Agent')?.value;
  const kind = parsed?.kind;
  const what = kind ? KINDS[kind] : (alarm.AlarmDescription ?? 'an alarm');
  const threshold = thresholdText(alarm.Trigger, kind);
  const time = isoTime(alarm.StateChangeTime);
  const state = alarm.OldStateValue ? `${alarm.NewStateValue} (was ${alarm.OldStateValue})` : alarm.NewStateValue;
  const next = nextStep(kind, alarm.AlarmDescription, alarm.NewStateValue);
  const subject = agent ? `agent ${agent}` : alarm.AlarmName;

  // `text` is mrkdwn too (and what notifications show): escaped like the blocks.
  const text = mrkdwnEscape(
    [
      `${alarm.NewStateValue}: ${subject}: ${what}.`,
      `Alarm: ${alarm.AlarmName}`,
      ...(threshold ? [`Threshold: ${threshold}`] : []),
      `State: ${state} at ${time}`,
      `Reason: ${alarm.NewStateReason}`,
      next,
    ].join('\n'),
  );

  const field = (label: string, value: string): { type: 'mrkdwn'; text: string } => ({
    type: 'mrkdwn',
    text: clip(`*${label}*\n${mrkdwnEscape(value)}`, 2000),
  });
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${alarm.NewStateValue}: ${subject}`, 150) } },
      {
        type: 'section',
        fields: [
          field('Agent', agent ?? '(not an agent alarm)'),
          field('Alarm kind', kind ? `${kind}: ${what}` : what),
          field('Threshold', threshold ?? '(not given)'),
          field('State', state),
          field('Time', time),
          field('Alarm', alarm.AlarmName),
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*Reason*\n${mrkdwnEscape(alarm.NewStateReason || '(none given)')}`, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(mrkdwnEscape(next), 2000) }] },
    ],
  };
}
