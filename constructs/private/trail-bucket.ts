import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { FleetSettings } from '../../model/fleet';
import { FLEET_RESOURCE_NAMES } from '../../model/resource-names';
import { AwsContext } from './aws-context';

/** Props of {@link TrailBucket}. */
export interface TrailBucketProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  readonly keyArn: string;
  /** The only trail that may write to it. */
  readonly trailArn: string;
}

/**
 * The bucket the fleet trail writes its log files to: private (public access
 * blocked, ACLs disabled), versioned, encrypted by default with the fleet key,
 * reachable over TLS only, writable by this trail only, and emptied after the
 * fleet's log retention.
 */
export class TrailBucket extends Construct {
  /** The bucket (main resource). */
  public readonly resource: S3Bucket;
  public readonly policy: S3BucketPolicy;
  /** The bucket's name, as AWS assigns it from the prefix. */
  public readonly bucketName: string;

  constructor(scope: Construct, id: string, props: TrailBucketProps) {
    super(scope, id);
    const { settings, context: ctx } = props;
    // Bucket names are global: AWS appends a unique suffix to this prefix (at most 37 characters).
    const prefix = FLEET_RESOURCE_NAMES.trailBucketPrefix(settings.name);
    this.resource = new S3Bucket(this, 'Resource', {
      bucketPrefix: prefix,
      forceDestroy: false,
      tags: { fleet: settings.name, component: 'cloudtrail', 'managed-by': 'scoped-agents' },
    });
    this.bucketName = this.resource.id;
    const bucket = this.resource.id;

    new S3BucketOwnershipControls(this, 'Ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'PublicAccess', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, 'Versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.keyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket,
      rule: [
        {
          id: 'retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: settings.logRetentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const arn = this.resource.arn;
    const policy = {
      Version: '2012-10-17',
      Statement: [
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
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [arn, `${arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    };
    // After the public access block: S3 answers OperationAborted when both change at once.
    this.policy = new S3BucketPolicy(this, 'Policy', { bucket, policy: JSON.stringify(policy), dependsOn: [publicAccess] });
  }
}
