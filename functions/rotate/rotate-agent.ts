/**
 * The nightly rotation of one agent: a new AppRole secret-id delivered where
 * the agent reads it (the previous ones expire after a grace period), and a
 * new value for each of its SaaS credentials kept in KV v2.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AGENT_PREFIX } from '../../model/fleet';
import type { RotateEvent } from '../../model/operations';
import { revocationMarker, SECRET_NAMES } from '../../model/operations';
import { managementEntry } from '../../model/providers';
import type { RotatorName } from '../../model/fleet';
import { destroySecretId } from '../shared/approle';
import { errorMessage, Logger } from '../shared/log';
import { Fetch, Vault } from '../shared/vault';
import { CredentialConfig, credentialValueFrom } from '../shared/credentials';

export { credentialValueFrom };
import { GatewayKeyRotation, hasGatewayKey, rotateGatewayKey } from './gateway-key';
import { putRotationMetrics } from './metrics';
import { CredentialValue, Rotator } from './rotators/rotator';

/** Where things are and how long a replaced secret-id lives. */
export interface RotateSettings {
  readonly fleet: string;
  readonly kvMount: string;
  readonly appRoleMount: string;
  /** Seconds a replaced secret-id keeps working. */
  readonly graceSeconds: number;
  /** EventBridge Scheduler group of the one-shot expiry schedules. */
  readonly scheduleGroup: string;
  /** Role the scheduler assumes to invoke this function. */
  readonly schedulerRoleArn: string;
  /** This function's ARN: the expiry schedule's target. */
  readonly functionArn: string;
  /** Every SaaS credential of the fleet, by name. */
  readonly credentials: Readonly<Record<string, CredentialConfig>>;
  /** The gateway's table, where gateway-key hashes go; absent without a gateway. */
  readonly gatewayTable?: string;
}

/** What the rotation needs from the world. */
export interface RotateDeps {
  /** Logged in with the rotate function's own policy (`rotatorVaultPolicy`). */
  readonly vault: Vault;
  readonly secrets: SecretsManagerClient;
  readonly scheduler: SchedulerClient;
  readonly cloudwatch: CloudWatchClient;
  /** The gateway's table (gateway keys); needed only for an agent with one. */
  readonly dynamodb?: DynamoDBClient;
  readonly fetch: Fetch;
  readonly now: () => Date;
  readonly log: Logger;
  readonly rotators: Readonly<Record<RotatorName, Rotator>>;
}

/** How one credential's rotation ended. */
export interface CredentialOutcome {
  readonly name: string;
  /**
   * `rotated` (new value written), `manual` (needs a human), `failed` (old
   * value kept, unless `error` says the old one was already retired),
   * `absent` (this agent has no such entry), `secrets-manager` (its rotation
   * rule rotates it).
   */
  readonly outcome: 'rotated' | 'manual' | 'failed' | 'absent' | 'secrets-manager';
  /** KV version before and after. */
  readonly fromVersion?: number;
  readonly toVersion?: number;
  readonly error?: string;
}

/** What one run did for one agent. */
export interface AgentRotation {
  readonly agent: string;
  /** Why nothing was done (the agent is revoked). */
  readonly refused?: string;
  /** The new secret-id's accessor and its expiry schedule; absent when the agent has no AppRole role, or it failed. */
  readonly secretId?: { readonly accessor: string; readonly expirySchedule: string; readonly expiresPreviousAt: string };
  readonly secretIdError?: string;
  /** Its new gateway key (an identifier, never the key), for an agent of a hosted platform calling through the gateway. */
  readonly gatewayKey?: GatewayKeyRotation;
  readonly gatewayKeyError?: string;
  /** Why the metrics could not be published (counted as a failure). */
  readonly metricsError?: string;
  readonly credentials: readonly CredentialOutcome[];
  readonly successes: number;
  readonly failures: number;
}

/** Whether the agent carries a revocation marker. A soft-deleted or removed marker means no. */
export async function isRevoked(vault: Vault, kvMount: string, agent: string): Promise<boolean> {
  const res = await vault.call('GET', `${kvMount}/data/${revocationMarker(agent)}`, undefined, [200, 404], 'read the revocation marker');
  return res.status === 200;
}

/**
 * Name of an expiry schedule: at most 64 characters, naming the agent, unique
 * per rotation (two rotations within one second must not collide), so taken
 * from the accessor of the secret-id it keeps.
 */
export function expiryScheduleName(agent: string, keepAccessor: string): string {
  const id = keepAccessor.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return `${agent.slice(0, 64 - '-expire-'.length - id.length)}-expire-${id}`;
}

/** EventBridge Scheduler's one-time expression for `at` (UTC; a time on a whole second, as rotateAgent makes it). */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

/**
 * Rotates everything of `agent`:
 * 1. refuses (no failure) while the revocation marker exists;
 * 2. mints a new AppRole secret-id, checks the marker again (a revocation may
 *    have started meanwhile), delivers `{ role_id, secret_id }` to the agent's
 *    Secrets Manager secret, and schedules the expiry of the previous ones
 *    after the grace period (one-shot schedule, deleted after it runs);
 * 3. for an agent that presents a gateway key (its secret exists), issues a new one (its hash in
 *    the gateway's table, the key in its Secrets Manager secret; the previous
 *    one works for the grace period);
 * 4. rotates each of its KV v2 SaaS credentials through its rotator, writing
 *    with check-and-set on the version it read, so the version advances by
 *    exactly one and earlier versions stay for rollback; a failure writes
 *    nothing and the other credentials still rotate;
 * 5. publishes RotationSuccesses / RotationFailures.
 *
 * Never throws for a failed step: the caller reads `failures`.
 */
export async function rotateAgent(deps: RotateDeps, settings: RotateSettings, agent: string): Promise<AgentRotation> {
  const { vault, log } = deps;
  if (await isRevoked(vault, settings.kvMount, agent)) {
    const refused = `agent ${agent} is revoked (${settings.kvMount}/${revocationMarker(agent)} exists): not rotating; delete the marker to re-enable it`;
    log.warn(refused, { agent });
    return { agent, refused, credentials: [], successes: 0, failures: 0 };
  }

  let successes = 0;
  let failures = 0;
  let secretId: AgentRotation['secretId'];
  let secretIdError: string | undefined;
  try {
    const result = await rotateSecretId(deps, settings, agent);
    if (result === 'refused') {
      const refused = `agent ${agent} was revoked while rotating: the new secret-id was destroyed`;
      log.warn(refused, { agent });
      return { agent, refused, credentials: [], successes: 0, failures: 0 };
    }
    if (result !== 'no-role') {
      secretId = result;
      successes++;
    }
  } catch (e) {
    failures++;
    secretIdError = errorMessage(e);
    log.error(`rotate ${agent}: the AppRole secret-id was not rotated`, { agent, error: secretIdError });
  }

  let gatewayKey: GatewayKeyRotation | undefined;
  let gatewayKeyError: string | undefined;
  if (settings.gatewayTable && deps.dynamodb) {
    try {
      if (await hasGatewayKey(deps.secrets, settings.fleet, agent))
        gatewayKey = await rotateGatewayKey(
          { secrets: deps.secrets, dynamodb: deps.dynamodb, now: deps.now, log },
          { fleet: settings.fleet, gatewayTable: settings.gatewayTable, graceSeconds: settings.graceSeconds },
          agent,
        );
      if (gatewayKey) successes++;
    } catch (e) {
      failures++;
      gatewayKeyError = errorMessage(e);
      log.error(`rotate ${agent}: the gateway key was not rotated`, { agent, error: gatewayKeyError });
    }
  }

  const credentials: CredentialOutcome[] = [];
  for (const credential of Object.values(settings.credentials).sort((a, b) => a.name.localeCompare(b.name))) {
    const outcome = await rotateEntry(deps, settings, agent, credential);
    credentials.push(outcome);
    if (outcome.outcome === 'rotated') successes++;
    if (outcome.outcome === 'failed') failures++;
  }

  let metricsError: string | undefined;
  try {
    await putRotationMetrics(deps.cloudwatch, agent, { successes, failures }, deps.now());
  } catch (e) {
    // A lost datapoint must not hide the outcome: it is in the log and in the thrown error.
    failures++;
    metricsError = errorMessage(e);
    log.error(`rotate ${agent}: could not publish the rotation metrics`, { agent, error: metricsError });
  }
  const rotation: AgentRotation = { agent, secretId, secretIdError, gatewayKey, gatewayKeyError, metricsError, credentials, successes, failures };
  log.info(`rotated agent ${agent}: ${successes} succeeded, ${failures} failed`, { ...rotation });
  return rotation;
}

/** Step 2 of {@link rotateAgent}. */
async function rotateSecretId(
  deps: RotateDeps,
  settings: RotateSettings,
  agent: string,
): Promise<'no-role' | 'refused' | NonNullable<AgentRotation['secretId']>> {
  const { vault, log } = deps;
  const role = `${AGENT_PREFIX}${agent}`;
  const base = `auth/${settings.appRoleMount}/role/${role}`;
  const roleId = await vault.call('GET', `${base}/role-id`, undefined, [200, 404], `read the role-id of ${role}`);
  if (roleId.status === 404) {
    // An agent that logs in with JWT (github-actions) has no AppRole role and no secret-id.
    log.info(`rotate ${agent}: no AppRole role ${role}; no secret-id to rotate`, { agent });
    return 'no-role';
  }
  const issuedAt = deps.now();
  const minted = await vault.call(
    'POST',
    `${base}/secret-id`,
    // Secret-id metadata is copied into every token it logs in: the audit log shows which rotation issued it.
    { metadata: JSON.stringify({ 'issued-by': 'scoped-agents-rotate', 'issued-at': issuedAt.toISOString() }) },
    [200],
    `mint a secret-id for ${role}`,
  );
  const secretIdValue = String(minted.body.data.secret_id);
  const accessor = String(minted.body.data.secret_id_accessor);

  // Until it is delivered, the new secret-id is ours to take back.
  try {
    if (await isRevoked(vault, settings.kvMount, agent)) {
      await destroySecretId(vault, settings.appRoleMount, role, accessor);
      return 'refused';
    }
    await deps.secrets.send(
      new PutSecretValueCommand({
        SecretId: SECRET_NAMES.agentLogin(settings.fleet, agent),
        SecretString: JSON.stringify({ role_id: String(roleId.body.data.role_id), secret_id: secretIdValue }),
      }),
    );
  } catch (e) {
    await destroySecretId(vault, settings.appRoleMount, role, accessor).catch(() => undefined);
    throw new Error(
      `deliver the new secret-id to ${SECRET_NAMES.agentLogin(settings.fleet, agent)}: ${errorMessage(e)} (the new secret-id was destroyed; the previous ones still work)`,
      { cause: e },
    );
  }

  const at = new Date(Math.ceil((issuedAt.getTime() + settings.graceSeconds * 1000) / 1000) * 1000);
  const name = expiryScheduleName(agent, accessor);
  const input: RotateEvent = { action: 'expire-previous', agent, keepAccessor: accessor };
  try {
    await deps.scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: settings.scheduleGroup,
        Description: `Expire the secret-ids of ${role} issued before ${issuedAt.toISOString()} (scoped-agents rotation)`,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Target: { Arn: settings.functionArn, RoleArn: settings.schedulerRoleArn, Input: JSON.stringify(input) },
      }),
    );
  } catch (e) {
    throw new Error(
      `schedule the expiry of the previous secret-ids (${name}): ${errorMessage(e)} (the new secret-id is delivered; the previous ones live until their TTL)`,
      { cause: e },
    );
  }
  log.info(`rotate ${agent}: new secret-id delivered; previous ones expire at ${at.toISOString()}`, { agent, accessor, schedule: name });
  return { accessor, expirySchedule: name, expiresPreviousAt: at.toISOString() };
}

/** Step 3 of {@link rotateAgent}, for one credential. */
async function rotateEntry(deps: RotateDeps, settings: RotateSettings, agent: string, credential: CredentialConfig): Promise<CredentialOutcome> {
  const { vault, log } = deps;
  const name = credential.name;
  if (credential.store === 'aws') return { name, outcome: 'secrets-manager' };
  const entry = `agents/${agent}/${name}`;
  let fromVersion: number | undefined;
  try {
    const meta = await vault.call('GET', `${settings.kvMount}/metadata/${entry}`, undefined, [200, 404], `read the versions of ${entry}`);
    if (meta.status === 404) return { name, outcome: 'absent' };
    const rotator = deps.rotators[credential.rotator];
    if (!rotator.automatic) {
      log.warn(
        `rotate ${agent}: credential ${name} is rotated by hand (rotator manual): rotate it at the provider and write the new value to ${settings.kvMount}/${entry}`,
        { agent, credential: name },
      );
      return { name, outcome: 'manual' };
    }
    fromVersion = Number(meta.body.data.current_version);
    const read = await vault.call('GET', `${settings.kvMount}/data/${entry}?version=${fromVersion}`, undefined, [200], `read ${entry} version ${fromVersion}`);
    const current = credentialValueFrom(read.body.data.data);
    const management = await managementValue(vault, settings.kvMount, credential);
    const next = await rotator.rotate(current, credential, deps.fetch, management);
    let toVersion: number;
    try {
      // Check-and-set on the version read: a concurrent writer makes this fail instead of being overwritten.
      const written = await vault.call(
        'POST',
        `${settings.kvMount}/data/${entry}`,
        { options: { cas: fromVersion }, data: next },
        [200],
        `write ${entry} (check-and-set ${fromVersion})`,
      );
      toVersion = Number(written.body.data.version);
    } catch (e) {
      // Not stored: take the new credential back where the provider allows it (retiring it with the current one).
      await rotator.retire?.(next, current, credential, deps.fetch, management).catch(() => undefined);
      throw new Error(`${errorMessage(e)}; the provider's new credential was not stored${rotator.retire ? ' and was revoked again' : ''}`, { cause: e });
    }
    if (rotator.retire) {
      try {
        await rotator.retire(current, next, credential, deps.fetch, management);
      } catch (e) {
        const error = `the new value is stored (version ${toVersion}) but the previous credential is still valid at the provider: ${errorMessage(e)}; revoke it there`;
        log.error(`rotate ${agent}: ${name}: ${error}`, { agent, credential: name });
        return { name, outcome: 'failed', fromVersion, toVersion, error };
      }
    }
    log.info(`rotate ${agent}: ${name} rotated (version ${fromVersion} → ${toVersion})`, { agent, credential: name, fromVersion, toVersion });
    return { name, outcome: 'rotated', fromVersion, toVersion };
  } catch (e) {
    const error = errorMessage(e);
    log.error(`rotate ${agent}: ${name} not rotated; the current value (version ${fromVersion ?? '?'}) is kept`, { agent, credential: name, error });
    return { name, outcome: 'failed', fromVersion, error };
  }
}

/**
 * The management credential a rotator makes its key-management calls with
 * (`<kv>/management/<name>`), when the credential names one; `undefined`
 * when it names none. Not seeded: an error saying where to write it.
 */
async function managementValue(vault: Vault, kvMount: string, credential: CredentialConfig): Promise<CredentialValue | undefined> {
  if (!credential.management) return undefined;
  const entry = managementEntry(credential.management);
  const res = await vault.call('GET', `${kvMount}/data/${entry}`, undefined, [200, 404], `read the management credential ${entry}`);
  if (res.status === 404) throw new Error(`the management credential ${kvMount}/${entry} is not seeded; write the provider's key-management credential there`);
  return credentialValueFrom(res.body.data.data);
}
