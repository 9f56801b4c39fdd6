import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { arnOf, AwsContext } from './private/aws-context';

/** Props of {@link FleetKey}. */
export interface FleetKeyProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  /** Names of every other log group the key encrypts (functions', the trail's). */
  readonly logGroups: readonly string[];
  /** Prefix of the agents' call-log groups, e.g. `/scoped-agents/<fleet>/agents/`: the key encrypts every group under it. */
  readonly callLogPrefix: string;
  /**
   * ARN of the fleet's trail, which encrypts its log files with the key.
   * @default - no trail: CloudTrail may not use the key
   */
  readonly cloudTrailArn?: string;
}

/**
 * The fleet's KMS key: it encrypts the call logs and function logs, the
 * alarm topic, the dead-letter queues, the functions' environment, the
 * schedules' payloads, every Secrets Manager secret of the fleet, and the
 * trail's log files, bucket and log group when the fleet has a trail.
 *
 * Key policy: the account administers it and IAM policies grant its use
 * (each role of the fleet names exactly the key); CloudWatch Logs may use it
 * for the fleet's own log groups only; CloudWatch alarms of the account may
 * publish to the encrypted topic; CloudTrail may encrypt for the fleet's trail
 * only. Secrets Manager, SQS, SNS, Lambda and Scheduler use it on behalf of a
 * caller, whose IAM policy must allow it.
 */
export class FleetKey extends Construct {
  /** The key (main resource). */
  public readonly resource: KmsKey;
  /** `alias/scoped-agents/<fleet>`. */
  public readonly alias: KmsAlias;
  /** ARN of the key. */
  public readonly keyArn: string;

  constructor(scope: Construct, id: string, props: FleetKeyProps) {
    super(scope, id);
    const { context: ctx, settings } = props;
    const logGroups = [`${props.callLogPrefix}*`, ...[...props.logGroups].sort()].map((name) => arnOf(ctx, 'logs', `log-group:${name}`));
    const trail = props.cloudTrailArn
      ? [
          {
            // AWS's documented grant for a KMS-encrypted trail, narrowed to this trail.
            Sid: 'CloudTrailEncryptsFleetTrail',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:SourceArn': props.cloudTrailArn },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${ctx.partition}:cloudtrail:*:${ctx.account}:trail/*` },
            },
          },
          {
            Sid: 'CloudTrailDescribesKey',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:DescribeKey',
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceArn': props.cloudTrailArn } },
          },
        ]
      : [];

    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          // Without it, IAM policies could not grant the key, and nobody could manage it.
          Sid: 'AccountAdministersAndIamGrants',
          Effect: 'Allow',
          Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'CloudWatchLogsForFleetLogGroups',
          Effect: 'Allow',
          Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
          Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } },
        },
        {
          // CloudWatch publishes alarm notifications to the KMS-encrypted topic.
          Sid: 'CloudWatchAlarmsPublishToTopic',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': ctx.account } },
        },
        ...trail,
      ],
    };

    this.resource = new KmsKey(this, 'Resource', {
      description: `scoped-agents fleet ${settings.name}: call logs, alarm topic, secrets, function environment`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      isEnabled: true,
      policy: JSON.stringify(policy),
      tags: { fleet: settings.name, 'managed-by': 'scoped-agents' },
    });
    this.keyArn = this.resource.arn;
    this.alias = new KmsAlias(this, 'Alias', { name: FLEET_RESOURCE_NAMES.keyAlias(settings.name), targetKeyId: this.resource.keyId });
  }
}
