import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { Fleet } from '../model/fleet';
import { GATEWAY, gatewayAgents, gatewayVaultPolicy } from '../model/gateway';
import { callLogGroupName, FunctionEnvironment, functionShardPolicyName } from '../model/operations';
import { secretEntriesFor } from '../model/secret-entries';
import { FleetFunction } from './fleet-function';
import { FunctionVaultLogin } from './function-vault-login';
import { arnOf, AwsContext } from './private/aws-context';
import { gatewayFunctionPolicy } from './private/function-policies';

/** Props of {@link FleetGateway}. */
export interface FleetGatewayProps {
  readonly fleet: Fleet;
  readonly context: AwsContext;
  readonly keyArn: string;
  /** Vault's address as the gateway reaches it. */
  readonly vaultAddr: string;
  /** Path of the AppRole auth backend its login role is in. */
  readonly appRoleBackend: string;
  /**
   * The fleet's shard stacks, when sharded: then the gateway's own policies
   * name no agent, and each shard grants its agents' part
   * (`FunctionShardPolicy` in Vault, an inline policy on the gateway's role in IAM).
   * @default - one stack: the gateway's policies name every agent it serves
   */
  readonly shardStacks?: readonly string[];
  /**
   * Most gateway instances at once: a ceiling for a runaway agent's bill, and
   * capacity the rest of the account cannot take away.
   * @default 50
   */
  readonly reservedConcurrency?: number;
}

/**
 * The fleet's gateway: every SaaS call of its agents goes through it, which
 * holds the provider credentials in their place, holds each agent to its
 * endpoints and rate, refuses revoked agents within seconds, and writes one
 * call-log line a call into the agent's call log.
 *
 * - the gateway function (`functions/gateway/`), its own IAM role and log,
 *   behind a Lambda Function URL with response streaming (authorization
 *   `NONE`: every request carries the agent's own credential, which the
 *   gateway checks; hosted platforms cannot sign requests for IAM);
 * - its DynamoDB table `<fleet>-gateway` (on demand, TTL, point-in-time
 *   recovery, the fleet key): the agents' items, gateway-key hashes, rate counters;
 * - its Vault login: policy and AppRole role `scoped-agents-gateway`, reading
 *   exactly the entries it injects and its agents' revocation markers;
 * - its own log group for calls no agent can be named for;
 * - the stack output `gateway_url`.
 */
export class FleetGateway extends Construct {
  /** The Function URL (main resource). */
  public readonly resource: LambdaFunctionUrl;
  public readonly function: FleetFunction;
  public readonly table: DynamodbTable;
  public readonly vaultLogin: FunctionVaultLogin;
  public readonly logGroup: CloudwatchLogGroup;
  /** The gateway's URL, `https://<id>.lambda-url.<region>.on.aws/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: FleetGatewayProps) {
    super(scope, id);
    const { fleet, context: ctx } = props;
    const { settings } = fleet;
    const sharded = props.shardStacks !== undefined;
    const served = sharded ? [] : gatewayAgents(fleet);

    this.table = new DynamodbTable(this, 'Table', {
      name: GATEWAY.tableName(settings.name),
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      attribute: [{ name: 'pk', type: 'S' }],
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.keyArn },
      deletionProtectionEnabled: true,
      tags: { fleet: settings.name, component: 'gateway', 'managed-by': 'scoped-agents' },
    });

    this.vaultLogin = new FunctionVaultLogin(this, 'Login', {
      role: 'gateway',
      settings,
      agents: [],
      rules: gatewayVaultPolicy(settings, fleet, served),
      shardPolicies: props.shardStacks?.map((stack) => functionShardPolicyName('gateway', stack)),
      appRoleBackend: props.appRoleBackend,
      keyArn: props.keyArn,
      // Each instance keeps its login: a short token means one login every few minutes, not one a call.
      tokenTtl: 900,
      tokenMaxTtl: 900,
    });

    this.logGroup = new CloudwatchLogGroup(this, 'Calls', {
      name: GATEWAY.logGroupName(settings.name),
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: props.keyArn,
      tags: { fleet: settings.name, component: 'gateway', 'managed-by': 'scoped-agents' },
    });

    const environment: FunctionEnvironment = {
      FLEET: settings.name,
      VAULT_ADDR: props.vaultAddr,
      KV_MOUNT: settings.kvMount,
      APPROLE_MOUNT: settings.appRoleMount,
      VAULT_LOGIN_SECRET_ARN: this.vaultLogin.secretArn,
      GATEWAY_TABLE: this.table.name,
    };
    const logGroupArn = (name: string): string => arnOf(ctx, 'logs', `log-group:${name}`);
    this.function = new FleetFunction(this, 'Function', {
      role: 'gateway',
      settings,
      context: ctx,
      keyArn: props.keyArn,
      description: `Forwards the SaaS calls of the agents of fleet ${settings.name}, with their credentials, logged and held to their endpoints (scoped-agents)`,
      environment: { ...environment },
      // An agent's call may stream for minutes (a model's answer); a Function URL allows 15.
      timeout: 300,
      memorySize: 512,
      reservedConcurrency: props.reservedConcurrency ?? 50,
      policy: (runtime) =>
        gatewayFunctionPolicy({
          ...runtime,
          loginSecretArn: this.vaultLogin.secretArn,
          tableArn: this.table.arn,
          callLogGroupArns: [...served.map((a) => logGroupArn(callLogGroupName(settings.name, a.name))), logGroupArn(GATEWAY.logGroupName(settings.name))],
          credentialSecretArns: served.flatMap((a) =>
            secretEntriesFor(a, settings, fleet.credentials)
              .filter((e) => e.readBy === 'gateway' && e.store === 'aws')
              .map((e) => arnOf(ctx, 'secretsmanager', `secret:${e.secretsManagerName}-??????`)),
          ),
        }),
    });

    this.resource = new LambdaFunctionUrl(this, 'Url', {
      functionName: this.function.resource.functionName,
      // Every request carries the agent's own credential, checked by the gateway: hosted platforms cannot sign for IAM.
      authorizationType: 'NONE',
      invokeMode: 'RESPONSE_STREAM',
    });
    this.url = this.resource.functionUrl;
    new TerraformOutput(this, 'UrlOutput', {
      value: this.url,
      description: `The gateway of fleet ${settings.name}: each agent's HTTP client calls <this URL><api>/…, e.g. …/hubspot/crm/v3/objects/contacts`,
    }).overrideLogicalId('gateway_url');
  }
}
