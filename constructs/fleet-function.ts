import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { bundleArchive } from './private/bundle';
import { FleetSettings } from '../model/fleet';
import { functionName, FunctionRole } from '../model/operations';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { arnOf, AwsContext } from './private/aws-context';
import { FleetPolicyDocument, RuntimeRefs, serviceTrust } from './private/function-policies';

/**
 * The Lambda runtime of the fleet's functions. Node.js 20 reached end of life
 * in April 2026 and Lambda no longer creates functions on `nodejs20.x`; the
 * bundles target Node 20 syntax (constructs/private/bundle.ts), which Node 22 runs.
 */
export const FUNCTION_RUNTIME = 'nodejs22.x';

/** Props of {@link FleetFunction}. */
export interface FleetFunctionProps {
  /** Which of the fleet's functions: its code is `functions/<role>/`. */
  readonly role: FunctionRole;
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  /** The fleet key: environment, log group and dead-letter queue are encrypted with it. */
  readonly keyArn: string;
  /** The function's permissions, given the ARNs of its own log group, queue and the key. */
  readonly policy: (runtime: RuntimeRefs) => FleetPolicyDocument;
  /** Environment variables (see `FunctionEnvironment` in model/operations.ts). */
  readonly environment: Readonly<Record<string, string>>;
  readonly description: string;
  /**
   * Seconds one invocation may run.
   * @default 60
   */
  readonly timeout?: number;
  /**
   * Reserved concurrency: a ceiling on parallel runs, and a floor the rest of
   * the account cannot take away. Throttled asynchronous events are retried by Lambda.
   * @default 2
   */
  readonly reservedConcurrency?: number;
  /**
   * Memory in MB (Lambda gives CPU in proportion).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Directory holding the bundled `index.js`.
   * @default - `bundleArchive(role)`: the esbuild bundle of `functions/<role>/index.ts`, zipped once per bundle
   */
  readonly codeDirectory?: string;
}

/**
 * One of the fleet's functions: a Lambda with its own execution role (one
 * inline policy of exactly what it touches), its own KMS-encrypted log group
 * and dead-letter queue, X-Ray tracing, and its environment encrypted with
 * the fleet key.
 */
export class FleetFunction extends Construct {
  /** The Lambda function (main resource). */
  public readonly resource: LambdaFunction;
  /** Its execution role, named like the function. */
  public readonly role: IamRole;
  /** The role's one inline policy. */
  public readonly policy: IamRolePolicy;
  public readonly logGroup: CloudwatchLogGroup;
  /** Where events it failed to process land (asynchronous invocations). */
  public readonly deadLetterQueue: SqsQueue;
  /** `<fleet>-<role>`. */
  public readonly functionName: string;
  public readonly functionArn: string;
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: FleetFunctionProps) {
    super(scope, id);
    const { settings, context: ctx } = props;
    this.functionName = functionName(settings.name, props.role);
    const tags = { fleet: settings.name, component: props.role, 'managed-by': 'scoped-agents' };

    this.logGroup = new CloudwatchLogGroup(this, 'Logs', {
      name: FLEET_RESOURCE_NAMES.functionLogGroup(settings.name, props.role),
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: props.keyArn,
      tags,
    });
    this.deadLetterQueue = new SqsQueue(this, 'DeadLetters', {
      name: FLEET_RESOURCE_NAMES.deadLetterQueue(settings.name, props.role),
      kmsMasterKeyId: props.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
      tags,
    });

    this.role = new IamRole(this, 'Role', {
      name: this.functionName,
      description: `Execution role of the ${props.role} function of fleet ${settings.name} (scoped-agents)`,
      assumeRolePolicy: JSON.stringify(serviceTrust('lambda.amazonaws.com')),
      tags,
    });
    this.roleArn = this.role.arn;
    const document = props.policy({
      logGroupArn: arnOf(ctx, 'logs', `log-group:${FLEET_RESOURCE_NAMES.functionLogGroup(settings.name, props.role)}`),
      deadLetterQueueArn: this.deadLetterQueue.arn,
      keyArn: props.keyArn,
    });
    this.policy = new IamRolePolicy(this, 'Policy', { name: this.functionName, role: this.role.id, policy: JSON.stringify(document) });

    // The bundle comes zipped (bundleArchive: once per bundle, deterministic), so cdktf only copies it.
    const code = props.codeDirectory
      ? new TerraformAsset(this, 'Code', { path: props.codeDirectory, type: AssetType.ARCHIVE })
      : new TerraformAsset(this, 'Code', { path: bundleArchive(props.role), type: AssetType.FILE });
    this.resource = new LambdaFunction(this, 'Resource', {
      functionName: this.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: FUNCTION_RUNTIME,
      handler: 'index.handler',
      filename: code.path,
      sourceCodeHash: code.assetHash,
      timeout: props.timeout ?? 60,
      memorySize: props.memorySize ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 2,
      kmsKeyArn: props.keyArn,
      environment: { variables: Object.fromEntries(Object.entries(props.environment).sort(([a], [b]) => a.localeCompare(b))) },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      tags,
      // Lambda checks at creation that the role may send to the dead-letter queue.
      dependsOn: [this.policy],
    });
    this.functionArn = this.resource.arn;
  }
}
