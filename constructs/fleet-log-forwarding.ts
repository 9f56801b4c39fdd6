import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { FleetSettings, LogForwarding } from '../model/fleet';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { arnOf, AwsContext } from './private/aws-context';
import { siemFirehosePolicy, siemLogsPolicy } from './private/function-policies';
import { LogBucket } from './private/log-bucket';

/** Firehose buffers at most this long before it delivers: the SIEM sees a call about a minute later. */
const BUFFERING_SECONDS = 60;
/** MB Firehose buffers before it delivers (Splunk takes at most 5). */
const BUFFERING_MB = 4;
/** Seconds Firehose retries a failing endpoint before a record goes to the backup bucket. */
const RETRY_SECONDS = 300;

/** Where a log group's subscription filter sends its events: the stream and the role CloudWatch Logs sends as. */
export interface LogForwardingTarget {
  readonly streamArn: string;
  readonly roleArn: string;
  /**
   * The logs role's policy, when in the filter's own stack: CloudWatch Logs tries the role when the filter is created.
   * @default - another stack's (a shard's agents): that stack is applied first
   */
  readonly rolePolicy?: ITerraformDependable;
}

/** Props of {@link FleetLogForwarding}. */
export interface FleetLogForwardingProps {
  readonly settings: FleetSettings;
  /** `fleet.logForwarding`. */
  readonly forwarding: LogForwarding;
  readonly context: AwsContext;
  /** The fleet key: the stream, the backup bucket and the access key are encrypted with it. */
  readonly keyArn: string;
  /** Prefix of the agents' call-log groups, e.g. `/scoped-agents/<fleet>/agents/`: CloudWatch Logs may send from every group under it. */
  readonly callLogPrefix: string;
  /** Every other log group the fleet forwards (the functions', the gateway's, the trail's), by name. */
  readonly logGroups: readonly string[];
}

/**
 * The fleet's log forwarding (`fleet.logForwarding`): one Kinesis Data
 * Firehose delivery stream, encrypted with the fleet key, delivering to the
 * team's SIEM — an HTTPS endpoint (Datadog, New Relic, a generic collector)
 * or Splunk's HTTP Event Collector — with records the endpoint did not take
 * kept in a {@link LogBucket}. The endpoint's access key (Splunk: the HEC
 * token) is read by Firehose from a Secrets Manager secret the operator
 * fills, so it never passes through Terraform.
 *
 * Two roles: Firehose's, which may write the backup bucket and read the
 * access key, nothing else; and the one CloudWatch Logs sends as, which may
 * put records to this stream only, assumed only by CloudWatch Logs of this
 * account and region for the fleet's own log groups. Each log group gets a
 * subscription filter through {@link forward} (or {@link forwardLogGroup},
 * from a shard's stack).
 */
export class FleetLogForwarding extends Construct {
  /** The delivery stream (main resource). */
  public readonly resource: KinesisFirehoseDeliveryStream;
  /** Where Firehose keeps what the endpoint did not take. */
  public readonly backupBucket: LogBucket;
  /** The endpoint's access key: `{"api_key": …}`, or `{"hec_token": …}` for Splunk, written by the operator. */
  public readonly accessKey: SecretsmanagerSecret;
  /** The role Firehose delivers as. */
  public readonly firehoseRole: IamRole;
  /** The role CloudWatch Logs sends to the stream as. */
  public readonly logsRole: IamRole;
  /** What each subscription filter names. */
  public readonly target: LogForwardingTarget;
  /** The subscription filters added here, by id. */
  public readonly subscriptions: Record<string, CloudwatchLogSubscriptionFilter> = {};

  constructor(scope: Construct, id: string, props: FleetLogForwardingProps) {
    super(scope, id);
    const { settings, context: ctx, forwarding } = props;
    const fleet = settings.name;
    const tags = { fleet, component: 'log-forwarding', 'managed-by': 'scoped-agents' };
    const streamName = FLEET_RESOURCE_NAMES.siemStream(fleet);
    const streamArn = arnOf(ctx, 'firehose', `deliverystream/${streamName}`);

    this.backupBucket = new LogBucket(this, 'Backup', {
      settings,
      keyArn: props.keyArn,
      prefix: FLEET_RESOURCE_NAMES.siemBucketPrefix(fleet),
      component: 'log-forwarding',
    });
    const field = forwarding.destination === 'splunk' ? 'hec_token' : 'api_key';
    this.accessKey = new SecretsmanagerSecret(this, 'AccessKey', {
      name: FLEET_RESOURCE_NAMES.siemAccessKey(fleet),
      description: `{"${field}": …} that Firehose presents to the SIEM of fleet ${fleet}. Not managed by Terraform: the operator writes it.`,
      kmsKeyId: props.keyArn,
      tags,
    });

    this.firehoseRole = new IamRole(this, 'FirehoseRole', {
      name: FLEET_RESOURCE_NAMES.siemFirehoseRole(fleet),
      description: `Firehose delivers the logs of fleet ${fleet} to its SIEM as this role (scoped-agents)`,
      // Firehose passes the account as the external id (its documented confused-deputy guard).
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyItsService',
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': ctx.account } },
          },
        ],
      }),
      tags,
    });
    const firehosePolicy = new IamRolePolicy(this, 'FirehosePolicy', {
      name: FLEET_RESOURCE_NAMES.siemFirehoseRole(fleet),
      role: this.firehoseRole.id,
      policy: JSON.stringify(
        siemFirehosePolicy({ bucketArn: this.backupBucket.resource.arn, accessKeySecretArn: this.accessKey.arn, keyArn: props.keyArn, region: ctx.region }),
      ),
    });

    const groupArn = (name: string): string => arnOf(ctx, 'logs', `log-group:${name}`);
    this.logsRole = new IamRole(this, 'LogsRole', {
      name: FLEET_RESOURCE_NAMES.siemLogsRole(fleet),
      description: `CloudWatch Logs sends the log events of fleet ${fleet} to its SIEM stream as this role (scoped-agents)`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyItsService',
            Effect: 'Allow',
            Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
            Action: 'sts:AssumeRole',
            // Only for this account's own log groups of the fleet: the call logs (any agent, any shard) and the fleet's groups.
            Condition: {
              StringEquals: { 'aws:SourceAccount': ctx.account },
              ArnLike: {
                'aws:SourceArn': [
                  `${groupArn(props.callLogPrefix)}*`,
                  ...[...props.logGroups].sort().flatMap((name) => [groupArn(name), `${groupArn(name)}:*`]),
                ],
              },
            },
          },
        ],
      }),
      tags,
    });
    const logsPolicy = new IamRolePolicy(this, 'LogsPolicy', {
      name: FLEET_RESOURCE_NAMES.siemLogsRole(fleet),
      role: this.logsRole.id,
      policy: JSON.stringify(siemLogsPolicy({ streamArn })),
    });

    const s3Configuration = {
      roleArn: this.firehoseRole.arn,
      bucketArn: this.backupBucket.resource.arn,
      kmsKeyArn: props.keyArn,
      // The records are CloudWatch Logs' gzip envelopes already.
      compressionFormat: 'UNCOMPRESSED',
      prefix: 'failed/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingInterval: 300,
      bufferingSize: 5,
    };
    const secretsManagerConfiguration = { enabled: true, secretArn: this.accessKey.arn, roleArn: this.firehoseRole.arn };
    this.resource = new KinesisFirehoseDeliveryStream(this, 'Resource', {
      name: streamName,
      destination: forwarding.destination,
      serverSideEncryption: { enabled: true, keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.keyArn },
      ...(forwarding.destination === 'http_endpoint'
        ? {
            httpEndpointConfiguration: {
              url: forwarding.url,
              name: forwarding.name,
              roleArn: this.firehoseRole.arn,
              s3BackupMode: 'FailedDataOnly',
              bufferingInterval: BUFFERING_SECONDS,
              bufferingSize: BUFFERING_MB,
              retryDuration: RETRY_SECONDS,
              requestConfiguration: { contentEncoding: 'GZIP' },
              secretsManagerConfiguration,
              s3Configuration,
            },
          }
        : {
            splunkConfiguration: {
              hecEndpoint: forwarding.url,
              hecEndpointType: forwarding.hecEndpointType,
              s3BackupMode: 'FailedEventsOnly',
              bufferingInterval: BUFFERING_SECONDS,
              bufferingSize: BUFFERING_MB,
              retryDuration: RETRY_SECONDS,
              // Splunk takes log lines, not CloudWatch Logs' gzip envelopes: Firehose unpacks each event's message.
              processingConfiguration: {
                enabled: true,
                processors: [
                  { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
                  { type: 'CloudWatchLogProcessing', parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }] },
                ],
              },
              secretsManagerConfiguration,
              s3Configuration,
            },
          }),
      tags,
      // Firehose checks at creation that its role may write the bucket and read the secret.
      dependsOn: [firehosePolicy],
    });
    this.target = { streamArn: this.resource.arn, roleArn: this.logsRole.arn, rolePolicy: logsPolicy };
  }

  /** Adds a subscription filter on one log group of this stack (pass the group's `name` attribute, so the filter depends on the group). */
  public forward(id: string, logGroupName: string): CloudwatchLogSubscriptionFilter {
    const filter = forwardLogGroup(this, `Subscription-${id}`, logGroupName, this.target);
    this.subscriptions[id] = filter;
    return filter;
  }
}

/**
 * A subscription filter that sends every event of one log group to the
 * fleet's log forwarding stream (a group holds at most two filters; the fleet uses one).
 */
export function forwardLogGroup(scope: Construct, id: string, logGroupName: string, target: LogForwardingTarget): CloudwatchLogSubscriptionFilter {
  return new CloudwatchLogSubscriptionFilter(scope, id, {
    name: FLEET_RESOURCE_NAMES.siemSubscriptionFilter(),
    logGroupName,
    // Every event: the SIEM gets the whole log.
    filterPattern: '',
    destinationArn: target.streamArn,
    roleArn: target.roleArn,
    ...(target.rolePolicy ? { dependsOn: [target.rolePolicy] } : {}),
  });
}
