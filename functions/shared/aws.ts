/**
 * AWS SDK v3 clients for the functions. `AWS_ENDPOINT_URL`, when set, points
 * every client at one endpoint (tests use a moto server); otherwise each client
 * resolves its service endpoint as usual.
 */
import { CloudWatchClient, CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// @aws-sdk/core is the one (deduplicated) core every client above depends on.
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from './log';
import { appRoleCredentialsFrom, appRoleLogin, Fetch, Vault } from './vault';

/** The clients a function may use; each handler builds only what it calls. */
export interface AwsClients {
  readonly iam: IAMClient;
  readonly secrets: SecretsManagerClient;
  readonly scheduler: SchedulerClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly dynamodb: DynamoDBClient;
}

/**
 * Client configuration from the environment: the region, when set
 * `AWS_ENDPOINT_URL`, and the credentials in it (Lambda puts its role's
 * session there), read from `env` at once rather than from `process.env` at
 * each call: a gateway built from an environment keeps using it.
 */
export function awsClientConfig(env: Readonly<Record<string, string | undefined>>): {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
} {
  const endpoint = env.AWS_ENDPOINT_URL?.trim();
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  const [accessKeyId, secretAccessKey, sessionToken] = [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN].map((v) => v?.trim());
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

/** Every client, configured from `env` (created lazily, so an unused one costs nothing). */
export function awsClients(env: Readonly<Record<string, string | undefined>>): AwsClients {
  const config = awsClientConfig(env);
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    get iam() {
      // IAM is global: its endpoint and signing region are us-east-1 unless overridden.
      return lazy('iam', () => new IAMClient({ region: 'us-east-1', ...config }));
    },
    get secrets() {
      return lazy('secrets', () => new SecretsManagerClient(config));
    },
    get scheduler() {
      return lazy('scheduler', () => new SchedulerClient(config));
    },
    get cloudwatch() {
      return lazy('cloudwatch', () => cloudWatchClient(config));
    },
    get logs() {
      return lazy('logs', () => new CloudWatchLogsClient(config));
    },
    get dynamodb() {
      return lazy('dynamodb', () => new DynamoDBClient(config));
    },
  };
}

/**
 * A CloudWatch client speaking the Query protocol. CloudWatch accepts both
 * Query and the JSON protocol the SDK now defaults to; Query is the one every
 * CloudWatch emulator speaks (moto 5.2 has no JSON protocol for it), so the
 * deployed function uses exactly what the tests exercise.
 */
export function cloudWatchClient(config: CloudWatchClientConfig): CloudWatchClient {
  return new CloudWatchClient({ protocol: AwsQueryProtocol, ...config });
}

/**
 * Reads a Secrets Manager secret holding a JSON object.
 *
 * @param what how error messages name the secret (never its value)
 */
export async function readJsonSecret(secrets: SecretsManagerClient, secretId: string, what: string): Promise<Record<string, unknown>> {
  const res = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (res.SecretString === undefined) throw new Error(`${what} (${secretId}) has no SecretString`);
  let value: unknown;
  try {
    value = JSON.parse(res.SecretString);
  } catch {
    throw new Error(`${what} (${secretId}) is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} (${secretId}) must hold a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * The function's own Vault login: reads `{ role_id, secret_id }` from the
 * Secrets Manager secret `secretArn` and logs in with AppRole on `mount`.
 * The returned client carries only the function's own policy.
 */
export async function loginFromSecret(
  secrets: SecretsManagerClient,
  secretArn: string,
  vaultAddr: string,
  mount: string,
  fetchFn: Fetch,
  log: Logger,
): Promise<Vault> {
  const credentials = appRoleCredentialsFrom(await readJsonSecret(secrets, secretArn, 'the Vault login secret'), `the Vault login secret ${secretArn}`);
  const vault = await appRoleLogin(vaultAddr, mount, credentials, fetchFn);
  log.info("logged in to Vault with the function's own AppRole role", { vault: vaultAddr, mount });
  return vault;
}
