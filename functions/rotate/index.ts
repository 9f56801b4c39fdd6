/**
 * The rotate function. Three kinds of event:
 * - `{ action: 'rotate', agent }` from the agent's rotation schedule;
 * - `{ action: 'expire-previous', agent, keepAccessor }` from the one-shot
 *   schedule a rotation leaves behind;
 * - `{ SecretId, ClientRequestToken, Step }` from a Secrets Manager rotation
 *   rule, for credentials the table keeps in AWS.
 * A thin shell: reads the environment, logs in to Vault with its own AppRole
 * role, and hands everything to the pure steps.
 */
import { BUILTIN_FLEET_SETTINGS } from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import type { RotateEvent } from '../../model/operations';
import type { RotatorName } from '../../model/fleet';
import { awsClients, AwsClients, loginFromSecret } from '../shared/aws';
import { readEnv, secondsFrom } from '../shared/env';
import { errorMessage, jsonLogger, Logger } from '../shared/log';
import { Fetch, Vault } from '../shared/vault';
import { credentialsFrom } from '../shared/credentials';
import { expirePrevious, Expiry } from './expire-previous';
import { putRotationMetrics } from './metrics';
import { AgentRotation, isRevoked, rotateAgent, RotateSettings } from './rotate-agent';
import { rotators } from './rotators';
import { Rotator } from './rotators/rotator';
import { isSecretsManagerRotationEvent, secretsManagerRotationStep } from './secrets-manager-rotation';

/** Everything {@link handleRotateEvent} needs; the handler builds it from the environment. */
export interface RotateContext {
  /** `functionArn` may be missing here: the Lambda context's `invokedFunctionArn` stands in. */
  readonly settings: Omit<RotateSettings, 'functionArn'> & { readonly functionArn?: string };
  /** Logs in lazily (a Secrets Manager step other than createSecret needs no Vault). */
  readonly login: () => Promise<Vault>;
  readonly aws: Pick<AwsClients, 'secrets' | 'scheduler' | 'cloudwatch'> & Partial<Pick<AwsClients, 'dynamodb'>>;
  readonly fetch: Fetch;
  readonly now: () => Date;
  readonly log: Logger;
  readonly rotators: Readonly<Record<RotatorName, Rotator>>;
}

function agentOf(event: { agent?: unknown }): string {
  if (typeof event.agent !== 'string' || !SAFE_NAME.test(event.agent)) {
    throw new Error(`the event's agent must be an agent name (lowercase kebab-case), got ${JSON.stringify(event.agent)}`);
  }
  return event.agent;
}

/**
 * Handles one event.
 *
 * @param invokedFunctionArn the Lambda context's, when `FUNCTION_ARN` is not set
 * @throws when a rotation failed (after every credential was tried), or the event is not one of the three kinds
 */
export async function handleRotateEvent(event: unknown, ctx: RotateContext, invokedFunctionArn?: string): Promise<AgentRotation | Expiry | { step: string }> {
  const { log } = ctx;
  if (isSecretsManagerRotationEvent(event)) {
    let vault: Vault | undefined;
    await secretsManagerRotationStep(
      {
        ...ctx.aws,
        fetch: ctx.fetch,
        now: ctx.now,
        log,
        rotators: ctx.rotators,
        isRevoked: async (agent) => isRevoked((vault ??= await ctx.login()), ctx.settings.kvMount, agent),
      },
      ctx.settings,
      event,
    );
    return { step: event.Step };
  }

  const e = (event ?? {}) as Partial<RotateEvent> & Record<string, unknown>;
  // A run that cannot even start (no Vault login, Vault down) is a failed rotation: the alarm must see it.
  const failedRun = async (agent: string, error: unknown): Promise<never> => {
    log.error(`rotate ${agent}: ${e.action} failed`, { agent, error: errorMessage(error) });
    await putRotationMetrics(ctx.aws.cloudwatch, agent, { successes: 0, failures: 1 }, ctx.now()).catch(() => undefined);
    throw error;
  };
  if (e.action === 'expire-previous') {
    const agent = agentOf(e);
    if (typeof e.keepAccessor !== 'string' || e.keepAccessor === '') throw new Error('expire-previous needs keepAccessor');
    try {
      return await expirePrevious({ vault: await ctx.login(), log }, ctx.settings.appRoleMount, agent, e.keepAccessor);
    } catch (error) {
      return failedRun(agent, error);
    }
  }
  if (e.action === 'rotate') {
    const agent = agentOf(e);
    const functionArn = ctx.settings.functionArn ?? invokedFunctionArn;
    if (!functionArn) throw new Error('FUNCTION_ARN is not set and the Lambda context has no invokedFunctionArn: the expiry schedule needs a target');
    let rotation: AgentRotation;
    try {
      const vault = await ctx.login();
      rotation = await rotateAgent({ vault, ...ctx.aws, fetch: ctx.fetch, now: ctx.now, log, rotators: ctx.rotators }, { ...ctx.settings, functionArn }, agent);
    } catch (error) {
      return failedRun(agent, error);
    }
    if (rotation.failures > 0) {
      const failed = [
        ...(rotation.secretIdError ? [`secret-id: ${rotation.secretIdError}`] : []),
        ...(rotation.gatewayKeyError ? [`gateway key: ${rotation.gatewayKeyError}`] : []),
        ...rotation.credentials.filter((c) => c.outcome === 'failed').map((c) => `${c.name}: ${c.error}`),
        ...(rotation.metricsError ? [`metrics: ${rotation.metricsError}`] : []),
      ];
      throw new Error(`rotation of ${agent} failed (${rotation.failures} failure(s)); what could rotate did:\n- ${failed.join('\n- ')}`);
    }
    return rotation;
  }
  throw new Error(
    `unknown event: expected { action: 'rotate', agent }, { action: 'expire-previous', agent, keepAccessor } or a Secrets Manager rotation step; got keys ${Object.keys(e).join(', ') || '(none)'}`,
  );
}

/** Builds the context from the function's environment (`FunctionEnvironment`). */
export function rotateContextFrom(env: Readonly<Record<string, string | undefined>>, fetchFn: Fetch = fetch, log: Logger = jsonLogger()): RotateContext {
  const e = readEnv(
    env,
    ['FLEET', 'VAULT_ADDR', 'KV_MOUNT', 'APPROLE_MOUNT', 'VAULT_LOGIN_SECRET_ARN', 'SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN'],
    ['ROTATION_GRACE_SECONDS', 'FUNCTION_ARN', 'CREDENTIALS', 'SENDGRID_API_URL', 'GATEWAY_TABLE'],
  );
  const aws = awsClients(env);
  const now = (): Date => new Date();
  return {
    settings: {
      fleet: e.FLEET,
      kvMount: e.KV_MOUNT,
      appRoleMount: e.APPROLE_MOUNT,
      graceSeconds: secondsFrom('ROTATION_GRACE_SECONDS', e.ROTATION_GRACE_SECONDS, BUILTIN_FLEET_SETTINGS.rotationGrace),
      scheduleGroup: e.SCHEDULE_GROUP,
      schedulerRoleArn: e.SCHEDULER_ROLE_ARN,
      functionArn: e.FUNCTION_ARN,
      credentials: credentialsFrom(e.CREDENTIALS),
      ...(e.GATEWAY_TABLE ? { gatewayTable: e.GATEWAY_TABLE } : {}),
    },
    login: () => loginFromSecret(aws.secrets, e.VAULT_LOGIN_SECRET_ARN, e.VAULT_ADDR, e.APPROLE_MOUNT, fetchFn, log),
    aws,
    fetch: fetchFn,
    now,
    log,
    rotators: rotators({ sendgridApiUrl: e.SENDGRID_API_URL, now }),
  };
}

/** Lambda entry point. */
export async function handler(event: unknown, context?: { invokedFunctionArn?: string }): Promise<unknown> {
  return handleRotateEvent(event, rotateContextFrom(process.env), context?.invokedFunctionArn);
}
