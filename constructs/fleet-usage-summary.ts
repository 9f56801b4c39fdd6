import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { Construct } from 'constructs';
import { Agent, FleetSettings } from '../model/fleet';
import { callLogGroupName, FunctionEnvironment, USAGE_SUMMARY, UsageSummaryEvent } from '../model/operations';
import { Shard } from '../model/shards';
import { FleetFunction } from './fleet-function';
import { arnOf, AwsContext } from './private/aws-context';
import { usageSummaryFunctionPolicy } from './private/function-policies';

/** Props of {@link FleetUsageSummary}. */
export interface FleetUsageSummaryProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  /** The fleet key (function environment, logs, queue, schedule payload, webhook secret). */
  readonly keyArn: string;
  /** The secret holding the team webhook's `{"url": …}`. */
  readonly webhookSecretArn: string;
  /** The fleet's schedule group and the role its schedules run as (which must be allowed to invoke the function). */
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
  /**
   * The agents summarized, with the limits their spikes are judged by.
   * @default - no schedule here: each shard of a sharded fleet adds its own {@link UsageSummarySchedule}
   */
  readonly agents?: readonly Agent[];
  /**
   * When the summary runs, as an EventBridge Scheduler expression (UTC).
   * @default "cron(0 7 * * ? *)" (every day at 07:00 UTC)
   */
  readonly schedule?: string;
}

/**
 * The daily usage summary: the usage-summary function (its own IAM role,
 * allowed to read metrics, whether an agent's call log ever held a call, and
 * the webhook's URL, nothing else) and its daily schedule in the fleet's
 * group. The schedule's payload names every agent with its
 * `maxCallsPerMinute`, so idle agents are reported (as orphans, or as never
 * used) and the function needs no other source of the fleet's shape.
 */
export class FleetUsageSummary extends Construct {
  /** The daily schedule (main resource), `usage-summary` in the fleet's group; absent in a sharded fleet. */
  public readonly resource?: SchedulerSchedule;
  public readonly function: FleetFunction;
  /** What the schedule sends. */
  public readonly event?: UsageSummaryEvent;

  constructor(scope: Construct, id: string, props: FleetUsageSummaryProps) {
    super(scope, id);
    const { settings, webhookSecretArn } = props;
    const environment: Pick<FunctionEnvironment, 'FLEET' | 'WEBHOOK_SECRET_ARN'> = { FLEET: settings.name, WEBHOOK_SECRET_ARN: webhookSecretArn };
    this.function = new FleetFunction(this, 'Function', {
      role: 'usage-summary',
      settings,
      context: props.context,
      keyArn: props.keyArn,
      description: `Posts the daily usage summary of the agents of fleet ${settings.name}: calls, denied calls, orphans, spikes (scoped-agents)`,
      environment: { ...environment },
      timeout: 120,
      // Once a day; one run at a time is plenty.
      reservedConcurrency: 1,
      policy: (runtime) =>
        usageSummaryFunctionPolicy({
          ...runtime,
          webhookSecretArn,
          callLogsArn: arnOf(props.context, 'logs', `log-group:${callLogGroupName(settings.name, '*')}`),
        }),
    });
    if (props.agents) {
      const schedule = usageSummarySchedule(this, 'Resource', { ...props, agents: props.agents, functionArn: this.function.functionArn });
      this.resource = schedule.resource;
      this.event = schedule.event;
    }
  }
}

/** Props of {@link UsageSummarySchedule}. */
export interface UsageSummaryScheduleProps {
  readonly settings: FleetSettings;
  /** The shard: the schedule is `usage-summary-<key>`, and the message names its stack. */
  readonly shard: Pick<Shard, 'key' | 'stack'>;
  /** The shard's agents. */
  readonly agents: readonly Agent[];
  /** The fleet's usage-summary function (in the shared stack). */
  readonly functionArn: string;
  readonly keyArn: string;
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
  /** @default "cron(0 7 * * ? *)" (every day at 07:00 UTC) */
  readonly schedule?: string;
}

/**
 * One shard's daily usage summary: a schedule in the fleet's group that sends
 * the fleet's usage-summary function the shard's agents, so the shared stack
 * never lists agents and each shard's summary is one message.
 */
export class UsageSummarySchedule extends Construct {
  /** The schedule (main resource). */
  public readonly resource: SchedulerSchedule;
  /** What it sends. */
  public readonly event: UsageSummaryEvent;

  constructor(scope: Construct, id: string, props: UsageSummaryScheduleProps) {
    super(scope, id);
    const schedule = usageSummarySchedule(this, 'Resource', props);
    this.resource = schedule.resource;
    this.event = schedule.event;
  }
}

function usageSummarySchedule(
  scope: Construct,
  id: string,
  props: Pick<UsageSummaryScheduleProps, 'settings' | 'agents' | 'functionArn' | 'keyArn' | 'scheduleGroup' | 'schedulerRoleArn' | 'schedule'> & {
    shard?: Pick<Shard, 'key' | 'stack'>;
  },
): { resource: SchedulerSchedule; event: UsageSummaryEvent } {
  const { settings, shard } = props;
  const agents = [...props.agents].sort((a, b) => a.name.localeCompare(b.name));
  const event: UsageSummaryEvent = {
    action: 'summarize',
    ...(shard ? { shard: shard.stack } : {}),
    agents: Object.fromEntries(agents.map((a) => [a.name, { maxCallsPerMinute: a.alarms.maxCallsPerMinute }])),
    ...(settings.cloudTrail ? { cloudTrail: true as const } : {}),
  };
  const resource = new SchedulerSchedule(scope, id, {
    // Schedule names stop at 64 characters: the key (at most 40), not the stack name.
    name: shard ? `${USAGE_SUMMARY.scheduleName}-${shard.key}` : USAGE_SUMMARY.scheduleName,
    groupName: props.scheduleGroup,
    description: shard
      ? `Daily usage summary of shard ${shard.stack} of fleet ${settings.name} (scoped-agents)`
      : `Daily usage summary of fleet ${settings.name} (scoped-agents)`,
    scheduleExpression: props.schedule ?? USAGE_SUMMARY.schedule,
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'OFF' },
    kmsKeyArn: props.keyArn,
    state: 'ENABLED',
    target: {
      arn: props.functionArn,
      roleArn: props.schedulerRoleArn,
      input: JSON.stringify(event),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
    },
  });
  return { resource, event };
}
