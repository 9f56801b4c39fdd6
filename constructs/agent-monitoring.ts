import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { Agent, agentResourceName, FleetSettings } from '../model/fleet';
import { AlarmKind, callLogFilterPatterns, callLogGroupName, METRICS } from '../model/operations';
import { forwardLogGroup, LogForwardingTarget } from './fleet-log-forwarding';
import { alarmSpecsFor } from './private/alarm-specs';

/** Props of {@link AgentMonitoring}. */
export interface AgentMonitoringProps {
  readonly agent: Agent;
  readonly settings: FleetSettings;
  /** The fleet key, which encrypts the call log. */
  readonly keyArn: string;
  /** The fleet's alarm topic: every alarm notifies it. */
  readonly topicArn: string;
  /**
   * The fleet's log forwarding stream: the call log gets a subscription filter to it.
   * @default - the call log is not forwarded
   */
  readonly logForwarding?: LogForwardingTarget;
  /** The agent has an IAM role: with the fleet's trail, AWS's refusals of it count in its denied-rate alarm. @default false */
  readonly awsRole?: boolean;
}

/**
 * One agent's audit trail and alarms: its own call-log group (the fleet's
 * retention, KMS-encrypted), metric filters turning each logged call and each
 * denied call into the `Calls` and `DeniedCalls` metrics (dimension `Agent`),
 * and four alarms — call rate, denied rate, orphan, rotation failure — each
 * notifying the fleet topic.
 */
export class AgentMonitoring extends Construct {
  /** The call-log group (main resource). */
  public readonly resource: CloudwatchLogGroup;
  /** The alarms, by kind. */
  public readonly alarms: Record<AlarmKind, CloudwatchMetricAlarm>;
  /** `/scoped-agents/<fleet>/agents/<agent>`. */
  public readonly logGroupName: string;
  /** The subscription filter to the fleet's log forwarding, with `fleet.logForwarding`. */
  public readonly forwarding?: CloudwatchLogSubscriptionFilter;

  constructor(scope: Construct, id: string, props: AgentMonitoringProps) {
    super(scope, id);
    const { agent, settings } = props;
    const tags = { agent: agent.name, owner: agent.owner, fleet: settings.name, 'managed-by': 'scoped-agents' };
    this.logGroupName = callLogGroupName(settings.name, agent.name);

    this.resource = new CloudwatchLogGroup(this, 'Resource', {
      name: this.logGroupName,
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: props.keyArn,
      tags,
    });

    const patterns = callLogFilterPatterns(agent.name);
    const filter = (filterId: string, name: string, pattern: string, metric: string): CloudwatchLogMetricFilter =>
      new CloudwatchLogMetricFilter(this, filterId, {
        name,
        logGroupName: this.resource.name,
        pattern,
        // With dimensions CloudWatch takes no default value: a quiet minute has no datapoint.
        metricTransformation: { name: metric, namespace: METRICS.namespace, value: '1', unit: 'Count', dimensions: { [METRICS.dimension]: '$.agent' } },
      });
    filter('CallsFilter', 'calls', patterns.calls, METRICS.calls);
    filter('DeniedFilter', 'denied-calls', patterns.denied, METRICS.deniedCalls);
    if (props.logForwarding) this.forwarding = forwardLogGroup(this, 'Forwarding', this.resource.name, props.logForwarding);

    const alarms: Partial<Record<AlarmKind, CloudwatchMetricAlarm>> = {};
    for (const spec of alarmSpecsFor(settings.name, agent, { awsDenied: settings.cloudTrail && props.awsRole === true })) {
      // Two metrics (the call log's and the trail's) are added by metric math; one is watched directly.
      const metric: Partial<CloudwatchMetricAlarmConfig> = spec.awsMetricName
        ? {
            metricQuery: [
              {
                id: 'calls',
                returnData: false,
                metric: {
                  namespace: METRICS.namespace,
                  metricName: spec.metricName,
                  dimensions: { [METRICS.dimension]: agent.name },
                  period: spec.period,
                  stat: spec.statistic,
                },
              },
              {
                id: 'aws',
                returnData: false,
                metric: {
                  namespace: METRICS.namespace,
                  metricName: spec.awsMetricName,
                  dimensions: { [METRICS.roleDimension]: agentResourceName(agent) },
                  period: spec.period,
                  stat: spec.statistic,
                },
              },
              { id: 'total', expression: 'FILL(calls, 0) + FILL(aws, 0)', label: `${spec.metricName} + ${spec.awsMetricName}`, returnData: true },
            ],
          }
        : {
            namespace: METRICS.namespace,
            metricName: spec.metricName,
            dimensions: { [METRICS.dimension]: agent.name },
            statistic: spec.statistic,
            period: spec.period,
          };
      alarms[spec.kind] = new CloudwatchMetricAlarm(this, `Alarm-${spec.kind}`, {
        alarmName: spec.name,
        alarmDescription: spec.description,
        ...metric,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        treatMissingData: spec.treatMissingData,
        actionsEnabled: true,
        alarmActions: [props.topicArn],
        tags,
      });
    }
    this.alarms = alarms as Record<AlarmKind, CloudwatchMetricAlarm>;
  }
}
