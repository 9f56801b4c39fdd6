/**
 * CloudWatch alarm notifications as they arrive through SNS: an SNS event whose
 * records each carry one alarm state change, JSON-encoded in `Sns.Message`.
 */

/** The `Trigger` of a single-metric alarm (metric-math alarms carry `Metrics` instead). */
export interface AlarmTrigger {
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Statistic?: string;
  readonly Period?: number;
  readonly EvaluationPeriods?: number;
  readonly DatapointsToAlarm?: number;
  readonly ComparisonOperator?: string;
  readonly Threshold?: number;
  readonly TreatMissingData?: string;
  readonly Dimensions?: readonly { readonly name: string; readonly value: string }[];
}

/** One alarm state change, as CloudWatch publishes it to SNS. */
export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription?: string | null;
  readonly NewStateValue: string;
  readonly OldStateValue?: string;
  readonly NewStateReason: string;
  readonly StateChangeTime: string;
  readonly Region?: string;
  readonly AWSAccountId?: string;
  readonly Trigger?: AlarmTrigger;
}

/** Alarm notifications found in an SNS event, and what could not be read (with why). */
export interface ParsedAlarms {
  readonly alarms: AlarmNotification[];
  readonly unreadable: string[];
}

/** Reads the alarm notifications out of an SNS event; anything else is reported in `unreadable`, never thrown. */
export function alarmsFromSnsEvent(event: unknown): ParsedAlarms {
  const records = (event as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) return { alarms: [], unreadable: ['the event has no Records: not an SNS event'] };
  const alarms: AlarmNotification[] = [];
  const unreadable: string[] = [];
  records.forEach((record, i) => {
    const message = (record as { Sns?: { Message?: unknown } })?.Sns?.Message;
    if (typeof message !== 'string') {
      unreadable.push(`record ${i}: no Sns.Message`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      unreadable.push(`record ${i}: Sns.Message is not JSON (not a CloudWatch alarm notification)`);
      return;
    }
    const a = parsed as Partial<AlarmNotification> | null;
    if (!a || typeof a.AlarmName !== 'string' || typeof a.NewStateValue !== 'string') {
      unreadable.push(`record ${i}: Sns.Message has no AlarmName/NewStateValue (not a CloudWatch alarm notification)`);
      return;
    }
    alarms.push({
      ...a,
      AlarmName: a.AlarmName,
      NewStateValue: a.NewStateValue,
      NewStateReason: typeof a.NewStateReason === 'string' ? a.NewStateReason : '',
      StateChangeTime: typeof a.StateChangeTime === 'string' ? a.StateChangeTime : '',
    });
  });
  return { alarms, unreadable };
}

/** CloudWatch writes `2026-11-27T18:01:00.123+0000`; this returns ISO 8601 UTC, or the text as given when unparsable. */
export function isoTime(stateChangeTime: string): string {
  const t = Date.parse(stateChangeTime);
  return Number.isNaN(t) ? stateChangeTime : new Date(t).toISOString();
}
