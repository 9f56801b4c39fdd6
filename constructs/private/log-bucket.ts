import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { FleetSettings } from '../../model/fleet';

/** Props of {@link LogBucket}. */
export interface LogBucketProps {
  readonly settings: FleetSettings;
  readonly keyArn: string;
  /** What the bucket's name starts with (AWS appends a unique suffix; at most 37 characters). */
  readonly prefix: string;
  /** The `component` tag. */
  readonly component: string;
  /**
   * The bucket policy's statements that let its one writer in, given the bucket's ARN.
   * @default - none: only IAM policies of the account grant access
   */
  readonly writers?: (bucketArn: string) => readonly object[];
}

/**
 * A bucket the fleet keeps logs in: private (public access blocked, ACLs
 * disabled), versioned, encrypted by default with the fleet key, reachable
 * over TLS only, written only by whom its policy and IAM let in, and emptied
 * after the fleet's log retention.
 */
export class LogBucket extends Construct {
  /** The bucket (main resource). */
  public readonly resource: S3Bucket;
  public readonly policy: S3BucketPolicy;
  /** The bucket's name, as AWS assigns it from the prefix. */
  public readonly bucketName: string;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    const { settings } = props;
    // Bucket names are global: AWS appends a unique suffix to this prefix.
    this.resource = new S3Bucket(this, 'Resource', {
      bucketPrefix: props.prefix,
      forceDestroy: false,
      tags: { fleet: settings.name, component: props.component, 'managed-by': 'scoped-agents' },
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
        ...(props.writers?.(arn) ?? []),
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
