import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { cloudTrailEventSelectors } from '../model/cloud-trail-events';
import { Agent, FleetSettings } from '../model/fleet';
import { CLOUD_TRAIL, cloudTrailFilterPatterns, METRICS } from '../model/operations';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { arnOf, AwsContext } from './private/aws-context';
import { cloudTrailDeliveryPolicy, serviceTrust } from './private/function-policies';
import { TrailBucket } from './private/trail-bucket';

/** Props of {@link FleetCloudTrail}. */
export interface FleetCloudTrailProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  /** The fleet key: log files, their bucket and the trail's log group are encrypted with it. */
  readonly keyArn: string;
  /** The agents whose IAM roles the trail attributes calls to (each gets two metric filters). */
  readonly agents: readonly Agent[];
}

/**
 * The fleet's own CloudTrail trail (`fleet.cloudTrail: true`): multi-region,
 * global service events included, log file validation on, encrypted with the
 * fleet key, delivered to a hardened S3 bucket and to the CloudWatch Logs
 * group `/scoped-agents/<fleet>/cloudtrail` through a delivery role that may
 * write that group only.
 *
 * Events are attributed to agents by the IAM role that made the call
 * (`agent-<name>`, CloudTrail's `sessionIssuer.userName`): two metric filters
 * per agent count them into `ScopedAgents/AwsCalls` and `AwsDeniedCalls`,
 * dimension `Role`. They are not added to `Calls`, which the alarms read:
 * see `METRICS` in model/operations.ts for why.
 */
export class FleetCloudTrail extends Construct {
  /** The trail (main resource). */
  public readonly resource: Cloudtrail;
  public readonly bucket: TrailBucket;
  public readonly logGroup: CloudwatchLogGroup;
  /** The role CloudTrail delivers to the log group as. */
  public readonly deliveryRole: IamRole;
  /** `<fleet>-agents`. */
  public readonly trailName: string;
  /** Built from the trail's name, so that the key policy can name it before the trail exists. */
  public readonly trailArn: string;
  /** The metric filters, by agent name. */
  public readonly filters: Record<string, { readonly calls: CloudwatchLogMetricFilter; readonly denied: CloudwatchLogMetricFilter }>;

  constructor(scope: Construct, id: string, props: FleetCloudTrailProps) {
    super(scope, id);
    const { settings, context: ctx } = props;
    const tags = { fleet: settings.name, component: 'cloudtrail', 'managed-by': 'scoped-agents' };
    this.trailName = CLOUD_TRAIL.trailName(settings.name);
    this.trailArn = trailArnOf(ctx, settings.name);

    this.bucket = new TrailBucket(this, 'Bucket', { settings, context: ctx, keyArn: props.keyArn, trailArn: this.trailArn });

    const logGroupName = CLOUD_TRAIL.logGroupName(settings.name);
    this.logGroup = new CloudwatchLogGroup(this, 'Logs', { name: logGroupName, retentionInDays: settings.logRetentionDays, kmsKeyId: props.keyArn, tags });
    this.deliveryRole = new IamRole(this, 'DeliveryRole', {
      name: FLEET_RESOURCE_NAMES.trailDeliveryRole(settings.name),
      description: `CloudTrail delivers the trail of fleet ${settings.name} to its log group as this role (scoped-agents)`,
      // Only CloudTrail, and only for this trail of this account.
      assumeRolePolicy: JSON.stringify(serviceTrust('cloudtrail.amazonaws.com', ctx.account, this.trailArn)),
      tags,
    });
    const deliveryPolicy = new IamRolePolicy(this, 'DeliveryPolicy', {
      name: FLEET_RESOURCE_NAMES.trailDeliveryRole(settings.name),
      role: this.deliveryRole.id,
      policy: JSON.stringify(cloudTrailDeliveryPolicy({ logGroupArn: arnOf(ctx, 'logs', `log-group:${logGroupName}`) })),
    });

    this.resource = new Cloudtrail(this, 'Resource', {
      name: this.trailName,
      s3BucketName: this.bucket.bucketName,
      kmsKeyId: props.keyArn,
      enableLogFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogging: true,
      cloudWatchLogsGroupArn: `${this.logGroup.arn}:*`,
      cloudWatchLogsRoleArn: this.deliveryRole.arn,
      advancedEventSelector: cloudTrailEventSelectors(props.agents).map((s) => ({
        name: s.name,
        fieldSelector: s.fieldSelectors.map((f) => ({
          field: f.field,
          ...(f.equals ? { equalTo: [...f.equals] } : {}),
          ...(f.startsWith ? { startsWith: [...f.startsWith] } : {}),
        })),
      })),
      tags,
      // CloudTrail checks at creation that it may write the bucket and deliver to the group.
      dependsOn: [this.bucket.policy, deliveryPolicy],
    });

    this.filters = {};
    for (const agent of [...props.agents].sort((a, b) => a.name.localeCompare(b.name))) {
      const patterns = cloudTrailFilterPatterns(agent.name);
      const filter = (filterId: string, name: string, pattern: string, metric: string): CloudwatchLogMetricFilter =>
        new CloudwatchLogMetricFilter(this, `${filterId}-${agent.name}`, {
          name: `${name}-${agent.name}`,
          logGroupName: this.logGroup.name,
          pattern,
          // CloudWatch takes dimension values from the event only: the role name, `agent-<name>`.
          metricTransformation: {
            name: metric,
            namespace: METRICS.namespace,
            value: '1',
            unit: 'Count',
            dimensions: { [METRICS.roleDimension]: '$.userIdentity.sessionContext.sessionIssuer.userName' },
          },
        });
      this.filters[agent.name] = {
        calls: filter('CallsFilter', 'aws-calls', patterns.calls, METRICS.awsCalls),
        denied: filter('DeniedFilter', 'aws-denied-calls', patterns.denied, METRICS.awsDeniedCalls),
      };
    }
  }
}

/** ARN of the fleet's trail, from its name. */
export function trailArnOf(ctx: AwsContext, fleet: string): string {
  return arnOf(ctx, 'cloudtrail', `trail/${CLOUD_TRAIL.trailName(fleet)}`);
}
