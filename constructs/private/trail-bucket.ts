import { Construct } from 'constructs';
import { FleetSettings } from '../../model/fleet';
import { FLEET_RESOURCE_NAMES } from '../../model/resource-names';
import { AwsContext } from './aws-context';
import { LogBucket } from './log-bucket';

/** Props of {@link TrailBucket}. */
export interface TrailBucketProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  readonly keyArn: string;
  /** The only trail that may write to it. */
  readonly trailArn: string;
}

/**
 * The bucket the fleet trail writes its log files to: a {@link LogBucket}
 * writable by this trail only.
 */
export class TrailBucket extends LogBucket {
  constructor(scope: Construct, id: string, props: TrailBucketProps) {
    const { settings, context: ctx } = props;
    super(scope, id, {
      settings,
      keyArn: props.keyArn,
      prefix: FLEET_RESOURCE_NAMES.trailBucketPrefix(settings.name),
      component: 'cloudtrail',
      writers: (arn) => [
        {
          Sid: 'CloudTrailChecksAcl',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: arn,
          Condition: { StringEquals: { 'aws:SourceArn': props.trailArn } },
        },
        {
          Sid: 'CloudTrailWritesItsLogs',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${arn}/AWSLogs/${ctx.account}/*`,
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': props.trailArn } },
        },
      ],
    });
  }
}
