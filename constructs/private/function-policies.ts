/**
 * The IAM permissions of the fleet's own principals (the functions, the
 * scheduler, AWS Chatbot, the trail's delivery to CloudWatch Logs): pure documents over ARNs that the constructs pass in
 * as Terraform references. Each grant is exactly what that principal touches;
 * `test/integration/iam-simulation-fleet.test.ts` holds them to it.
 *
 * No cdktf here: call any of it with literal ARNs from a REPL.
 */

/** One statement; unlike the agents' policies, the fleet's may carry a condition. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An identity policy of the fleet. */
export interface FleetPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** Sorts statements by Sid and their actions and resources, so a change is a one-line diff. */
export function policyOf(statements: readonly PolicyStatement[]): FleetPolicyDocument {
  const sorted = statements.map((s) => ({ ...s, Action: [...new Set(s.Action)].sort(), Resource: [...new Set(s.Resource)].sort() }));
  return { Version: '2012-10-17', Statement: sorted.sort((a, b) => a.Sid.localeCompare(b.Sid)) };
}

/** What every function needs to run: write its own log, send failed events to its own queue, trace. */
export interface RuntimeRefs {
  /** `arn:…:log-group:/aws/lambda/<function>` (without `:*`). */
  readonly logGroupArn: string;
  readonly deadLetterQueueArn: string;
  /** The fleet key: its dead-letter queue is encrypted with it, and so are the secrets it reads. */
  readonly keyArn: string;
}

function runtime(refs: RuntimeRefs): PolicyStatement[] {
  return [
    { Sid: 'WriteItsLog', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${refs.logGroupArn}:*`] },
    { Sid: 'SendFailedEventsToItsQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [refs.deadLetterQueueArn] },
    // Decrypt: the secrets it reads and its environment; GenerateDataKey: messages to its encrypted queue.
    { Sid: 'UseFleetKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [refs.keyArn] },
    // X-Ray accepts no resource but `*`.
    { Sid: 'Trace', Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: ['*'] },
  ];
}

/** What the revoke function touches besides its runtime. */
export interface RevokeRefs extends RuntimeRefs {
  /** `arn:<partition>:iam::<account>:role/agent-*`: the only roles it may revise. */
  readonly agentRolesArn: string;
  /** Its own Vault login. */
  readonly loginSecretArn: string;
  /** The team's webhook, when notifications go there. */
  readonly webhookSecretArn?: string;
  /** `arn:…:log-group:/scoped-agents/<fleet>/agents/*`: the agents' call logs, read for whether an agent ever called. */
  readonly callLogsArn: string;
}

/** Whether an agent ever made a call: the newest stream of its call log (`functions/shared/call-log.ts`). */
function readCallLogStreams(callLogsArn: string): PolicyStatement {
  return { Sid: 'ReadWhetherAgentsCalled', Effect: 'Allow', Action: ['logs:DescribeLogStreams'], Resource: [callLogsArn] };
}

/**
 * The revoke function: puts the deny-older-sessions policy on `agent-*` roles
 * (and reads them to find them), reads its own Vault login and the webhook,
 * and whether an agent of an orphan alarm ever made a call.
 */
export function revokeFunctionPolicy(refs: RevokeRefs): FleetPolicyDocument {
  return policyOf([
    ...runtime(refs),
    { Sid: 'RevokeAgentSessions', Effect: 'Allow', Action: ['iam:GetRole', 'iam:PutRolePolicy'], Resource: [refs.agentRolesArn] },
    { Sid: 'ReadItsVaultLogin', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.loginSecretArn] },
    readCallLogStreams(refs.callLogsArn),
    ...(refs.webhookSecretArn
      ? [{ Sid: 'ReadWebhook', Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: [refs.webhookSecretArn] }]
      : []),
  ]);
}

/** What the rotate function touches besides its runtime. */
export interface RotateRefs extends RuntimeRefs {
  readonly loginSecretArn: string;
  /** `arn:…:secret:scoped-agents/<fleet>/agents/*`: every agent's delivery secret and AWS-kept credential. */
  readonly agentSecretsArn: string;
  /** `arn:…:schedule/<group>/*`: one-shot "expire the previous secret-id" schedules, in the fleet's group only. */
  readonly schedulesArn: string;
  /** The scheduler's role, the only role it may hand to EventBridge Scheduler. */
  readonly schedulerRoleArn: string;
  /** CloudWatch namespace of the rotation metrics. */
  readonly metricNamespace: string;
  /** The gateway's table, where it writes the hashes of the gateway keys it rotates; absent without a gateway. */
  readonly gatewayTableArn?: string;
}

/**
 * The rotate function: delivers new logins and rotated credentials to the
 * agents' secrets (Secrets Manager's four-step rotation included), schedules
 * the expiry of the previous secret-id, and reports success and failure.
 */
export function rotateFunctionPolicy(refs: RotateRefs): FleetPolicyDocument {
  return policyOf([
    ...runtime(refs),
    { Sid: 'ReadItsVaultLogin', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.loginSecretArn] },
    {
      Sid: 'DeliverToAgentSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: [refs.agentSecretsArn],
    },
    { Sid: 'ScheduleExpiryInFleetGroup', Effect: 'Allow', Action: ['scheduler:CreateSchedule'], Resource: [refs.schedulesArn] },
    { Sid: 'PassOnlySchedulerRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: [refs.schedulerRoleArn] },
    // PutMetricData takes no resource; the namespace condition keeps it to the fleet's metrics.
    {
      Sid: 'PutRotationMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: ['*'],
      Condition: { StringEquals: { 'cloudwatch:namespace': refs.metricNamespace } },
    },
    ...(refs.gatewayTableArn
      ? [
          {
            // Only the items of gateway keys: the agents' items are Terraform's, the counters the gateway's.
            Sid: 'WriteGatewayKeyHashes',
            Effect: 'Allow' as const,
            Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: [refs.gatewayTableArn],
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['key#*'] } },
          },
        ]
      : []),
  ]);
}

/** What the notify function touches besides its runtime. */
export interface NotifyRefs extends RuntimeRefs {
  readonly webhookSecretArn: string;
}

/** The notify function: reads the webhook's URL, nothing else. */
export function notifyFunctionPolicy(refs: NotifyRefs): FleetPolicyDocument {
  return policyOf([...runtime(refs), { Sid: 'ReadWebhook', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.webhookSecretArn] }]);
}

/** What the usage-summary function touches besides its runtime. */
export interface UsageSummaryRefs extends RuntimeRefs {
  readonly webhookSecretArn: string;
  /** As {@link RevokeRefs.callLogsArn}: an idle agent is "never used" when its call log never held a call. */
  readonly callLogsArn: string;
}

/**
 * The usage-summary function: reads the agents' metrics, whether an idle
 * agent ever called, and the webhook's URL. GetMetricData takes no resource
 * and no namespace condition, so it is granted on `*`: reading metrics
 * reveals counts, never a secret.
 */
export function usageSummaryFunctionPolicy(refs: UsageSummaryRefs): FleetPolicyDocument {
  return policyOf([
    ...runtime(refs),
    readCallLogStreams(refs.callLogsArn),
    { Sid: 'ReadAgentMetrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
    { Sid: 'ReadWebhook', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.webhookSecretArn] },
  ]);
}

/**
 * The scheduler's role: invoke the functions the fleet's schedules target
 * (rotate, usage-summary) and read schedule payloads encrypted with the fleet key.
 */
export function schedulerPolicy(refs: { readonly functionArns: readonly string[]; readonly keyArn: string }): FleetPolicyDocument {
  return policyOf([
    { Sid: 'InvokeScheduledFunctions', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: refs.functionArns },
    { Sid: 'DecryptSchedulePayload', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [refs.keyArn] },
  ]);
}

/** The trail's delivery role: write streams of the trail's own log group, nothing else. */
export function cloudTrailDeliveryPolicy(refs: { readonly logGroupArn: string }): FleetPolicyDocument {
  return policyOf([
    { Sid: 'DeliverToTrailLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${refs.logGroupArn}:log-stream:*`] },
  ]);
}

/**
 * A trust policy naming one AWS service, optionally only on behalf of one
 * account, or of one resource of that account (`aws:SourceArn`).
 */
export function serviceTrust(service: string, sourceAccount?: string, sourceArn?: string): object {
  const condition: Record<string, Record<string, string>> = {};
  if (sourceAccount) condition.StringEquals = { 'aws:SourceAccount': sourceAccount, ...(sourceArn ? { 'aws:SourceArn': sourceArn } : {}) };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyItsService',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount ? { Condition: condition } : {}),
      },
    ],
  };
}

/** What the gateway touches besides its runtime. */
export interface GatewayRefs extends RuntimeRefs {
  readonly loginSecretArn: string;
  /** Its table: agents' items and key hashes read, rate counters updated. */
  readonly tableArn: string;
  /**
   * Each log group it writes call-log lines to (`arn:…:log-group:<name>`):
   * its agents' call logs and its own group. In a sharded fleet its own only;
   * each shard grants its agents' (`gatewayShardPolicy`).
   */
  readonly callLogGroupArns: readonly string[];
  /** The Secrets Manager secrets of credentials it injects (its agents' kept in AWS). */
  readonly credentialSecretArns: readonly string[];
}

/** The gateway's grants over some agents: their call logs, and their credentials kept in Secrets Manager. */
export function gatewayAgentStatements(callLogGroupArns: readonly string[], credentialSecretArns: readonly string[]): PolicyStatement[] {
  return [
    ...(callLogGroupArns.length > 0
      ? [
          {
            Sid: 'WriteCallLogs',
            Effect: 'Allow' as const,
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: callLogGroupArns.map((a) => `${a}:log-stream:*`),
          },
        ]
      : []),
    ...(credentialSecretArns.length > 0
      ? [{ Sid: 'ReadInjectedCredentials', Effect: 'Allow' as const, Action: ['secretsmanager:GetSecretValue'], Resource: credentialSecretArns }]
      : []),
  ];
}

/**
 * The gateway: reads its own Vault login, its agents' items and key hashes,
 * counts calls in its table, writes its agents' call logs, reads the
 * credentials it injects that live in Secrets Manager. Nothing of any agent
 * it does not serve.
 */
export function gatewayFunctionPolicy(refs: GatewayRefs): FleetPolicyDocument {
  return policyOf([
    ...runtime(refs),
    { Sid: 'ReadItsVaultLogin', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.loginSecretArn] },
    { Sid: 'ReadAgentsAndCountCalls', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [refs.tableArn] },
    ...gatewayAgentStatements(refs.callLogGroupArns, refs.credentialSecretArns),
  ]);
}

/** What Firehose touches for the fleet's log forwarding besides the endpoint. */
export interface SiemFirehoseRefs {
  /** The backup bucket: records the endpoint did not take. */
  readonly bucketArn: string;
  /** The endpoint's access key (or Splunk's HEC token), which the operator fills. */
  readonly accessKeySecretArn: string;
  /** The fleet key, which encrypts the bucket's objects and the secret. */
  readonly keyArn: string;
  readonly region: string;
}

/**
 * The log forwarding stream's role: write (never delete) objects of its
 * backup bucket, read the endpoint's access key, and use the fleet key only
 * through S3 and Secrets Manager (AWS's documented S3 grant for Firehose,
 * without `s3:GetObject`: Firehose never reads a backup back).
 */
export function siemFirehosePolicy(refs: SiemFirehoseRefs): FleetPolicyDocument {
  return policyOf([
    { Sid: 'BackupBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [refs.bucketArn] },
    { Sid: 'BackupObjects', Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [`${refs.bucketArn}/*`] },
    { Sid: 'ReadAccessKey', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [refs.accessKeySecretArn] },
    {
      Sid: 'FleetKeyThroughS3AndSecretsManager',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [refs.keyArn],
      Condition: { StringEquals: { 'kms:ViaService': [`s3.${refs.region}.amazonaws.com`, `secretsmanager.${refs.region}.amazonaws.com`] } },
    },
  ]);
}

/** The role CloudWatch Logs sends the fleet's log events to its stream as: those two actions, on that one stream. */
export function siemLogsPolicy(refs: { readonly streamArn: string }): FleetPolicyDocument {
  return policyOf([{ Sid: 'SendToSiemStream', Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: [refs.streamArn] }]);
}
