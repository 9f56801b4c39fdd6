import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { Construct } from 'constructs';
import { Agent, FleetSettings, FunctionEnvironment, USAGE_SUMMARY, UsageSummaryEvent } from '../model';
import { FleetFunction } from './fleet-function';
import { AwsContext } from './private/aws-context';
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
  /** The agents summarized, with the limits their spikes are judged by. */
  readonly agents: readonly Agent[];
  /**
   * When the summary runs, as an EventBridge Scheduler expression (UTC).
   * @default "cron(0 7 * * ? *)" (every day at 07:00 UTC)
   */
  readonly schedule?: string;
}

/**
 * The daily usage summary: the usage-summary function (its own IAM role,
 * allowed to read metrics and the webhook's URL, nothing else) and its daily
 * schedule in the fleet's group. The schedule's payload names every agent with
 * its `maxCallsPerMinute`, so idle agents are reported as orphans and the
 * function needs no other source of the fleet's shape.
 */
export class FleetUsageSummary extends Construct {
  /** The daily schedule (main resource), `usage-summary` in the fleet's group. */
  public readonly resource: SchedulerSchedule;
  public readonly function: FleetFunction;
  /** What the schedule sends. */
  public readonly event: UsageSummaryEvent;

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
      policy: (runtime) => usageSummaryFunctionPolicy({ ...runtime, webhookSecretArn }),
    });

    const agents = [...props.agents].sort((a, b) => a.name.localeCompare(b.name));
    this.event = { action: 'summarize', agents: Object.fromEntries(agents.map((a) => [a.name, { maxCallsPerMinute: a.alarms.maxCallsPerMinute }])) };
    this.resource = new SchedulerSchedule(this, 'Resource', {
      name: USAGE_SUMMARY.scheduleName,
      groupName: props.scheduleGroup,
      description: `Daily usage summary of fleet ${settings.name} (scoped-agents)`,
      scheduleExpression: props.schedule ?? USAGE_SUMMARY.schedule,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: props.keyArn,
      state: 'ENABLED',
      target: {
        arn: this.function.functionArn,
        roleArn: props.schedulerRoleArn,
        input: JSON.stringify(this.event),
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      },
    });
  }
}
