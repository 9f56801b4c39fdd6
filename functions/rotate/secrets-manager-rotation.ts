/**
 * Rotation of SaaS credentials the table keeps in AWS Secrets Manager
 * (`store: aws`): the four-step protocol Secrets Manager drives through its
 * rotation rule, each step one invocation with `{ SecretId, ClientRequestToken, Step }`.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RotatorName } from '../../model/fleet';
import { errorMessage, Logger } from '../shared/log';
import { Fetch } from '../shared/vault';
import { CredentialConfig } from '../shared/credentials';
import { putRotationMetrics } from './metrics';
import { credentialValueFrom } from './rotate-agent';
import { CredentialValue, Rotator } from './rotators/rotator';

/** The event a Secrets Manager rotation rule sends, once per step. */
export interface SecretsManagerRotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
}

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** Whether `event` is a Secrets Manager rotation step. */
export function isSecretsManagerRotationEvent(event: unknown): event is SecretsManagerRotationEvent {
  const e = event as Partial<SecretsManagerRotationEvent> | null;
  return !!e && typeof e.SecretId === 'string' && typeof e.ClientRequestToken === 'string' && typeof e.Step === 'string' && STEPS.includes(e.Step);
}

/** What the steps need. */
export interface SecretsManagerRotationDeps {
  readonly secrets: SecretsManagerClient;
  readonly cloudwatch: CloudWatchClient;
  readonly fetch: Fetch;
  readonly now: () => Date;
  readonly log: Logger;
  readonly rotators: Readonly<Record<RotatorName, Rotator>>;
  /** Whether the agent is revoked (reads the Vault marker; called in createSecret only). */
  readonly isRevoked: (agent: string) => Promise<boolean>;
}

/** The agent and credential a secret belongs to: its name is `scoped-agents/<fleet>/agents/<agent>/<secret>`. */
export function agentSecretOf(
  name: string,
  fleet: string,
  credentials: Readonly<Record<string, CredentialConfig>>,
): { agent: string; credential: CredentialConfig } {
  const m = /^scoped-agents\/([a-z0-9-]+)\/agents\/([a-z0-9-]+)\/([^/]+)$/.exec(name);
  if (!m || m[1] !== fleet)
    throw new Error(`secret ${name} is not an agent credential of fleet ${fleet} (expected scoped-agents/${fleet}/agents/<agent>/<secret>)`);
  const credential = credentials[m[3]];
  if (!credential || credential.store !== 'aws')
    throw new Error(`secret ${name}: credential ${m[3]} is not one the table keeps in Secrets Manager (store: aws)`);
  return { agent: m[2], credential };
}

async function valueOf(
  secrets: SecretsManagerClient,
  secretId: string,
  select: { VersionId?: string; VersionStage?: string },
): Promise<CredentialValue | undefined> {
  try {
    const res = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...select }));
    return credentialValueFrom(JSON.parse(res.SecretString ?? '{}'));
  } catch (e) {
    if (e instanceof ResourceNotFoundException || (e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/**
 * Runs one step for one secret:
 * - `createSecret`: the rotator asks the provider for a new credential (the
 *   provider mints it, so this is where it is created) and stores it as the
 *   token's version, staged AWSPENDING; a repeat finds it and does nothing;
 * - `setSecret`: nothing — the provider already holds the credential;
 * - `testSecret`: the pending value is present and differs from the current one;
 * - `finishSecret`: AWSCURRENT moves to the new version (AWSPREVIOUS keeps the
 *   old one for rollback), then the rotator retires the old credential.
 *
 * A failure publishes RotationFailures = 1 and throws: Secrets Manager marks
 * the rotation failed and AWSCURRENT stays on the working credential.
 */
export async function secretsManagerRotationStep(
  deps: SecretsManagerRotationDeps,
  settings: { readonly fleet: string; readonly credentials: Readonly<Record<string, CredentialConfig>> },
  event: SecretsManagerRotationEvent,
): Promise<void> {
  const { secrets, log } = deps;
  const token = event.ClientRequestToken;
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  const { agent, credential } = agentSecretOf(described.Name ?? event.SecretId, settings.fleet, settings.credentials);
  const stages = described.VersionIdsToStages ?? {};
  const fields = { agent, credential: credential.name, step: event.Step, token };
  const rotator = deps.rotators[credential.rotator];

  const failed = async (e: unknown): Promise<never> => {
    log.error(`rotate ${agent}: ${credential.name} (Secrets Manager ${event.Step}) failed`, { ...fields, error: errorMessage(e) });
    await putRotationMetrics(deps.cloudwatch, agent, { successes: 0, failures: 1 }, deps.now()).catch(() => undefined);
    throw e;
  };

  if (stages[token]?.includes('AWSCURRENT')) {
    log.info(`rotate ${agent}: ${credential.name} version ${token} is already current`, fields);
    return;
  }

  switch (event.Step) {
    case 'createSecret': {
      if (await valueOf(secrets, event.SecretId, { VersionId: token, VersionStage: 'AWSPENDING' })) {
        log.info(`rotate ${agent}: ${credential.name} pending version exists (a retry)`, fields);
        return;
      }
      let revoked: boolean;
      try {
        revoked = await deps.isRevoked(agent);
      } catch (e) {
        return failed(e);
      }
      if (revoked) {
        // A refusal, not a provider failure: no failure metric, but Secrets Manager must stop.
        throw new Error(`agent ${agent} is revoked: not rotating ${credential.name}; delete the revocation marker to re-enable it`);
      }
      if (!rotator.automatic) {
        throw new Error(`credential ${credential.name} is rotated by hand (rotator manual): remove the Secrets Manager rotation rule of ${described.Name}`);
      }
      try {
        const current = await valueOf(secrets, event.SecretId, { VersionStage: 'AWSCURRENT' });
        if (!current) throw new Error(`${described.Name} has no AWSCURRENT value to rotate from; seed it`);
        const next = await rotator.rotate(current, credential, deps.fetch);
        try {
          await secrets.send(
            new PutSecretValueCommand({
              SecretId: event.SecretId,
              ClientRequestToken: token,
              SecretString: JSON.stringify(next),
              VersionStages: ['AWSPENDING'],
            }),
          );
        } catch (e) {
          await rotator.retire?.(next, current, credential, deps.fetch).catch(() => undefined);
          throw e;
        }
      } catch (e) {
        return failed(e);
      }
      log.info(`rotate ${agent}: ${credential.name} new credential staged AWSPENDING`, fields);
      return;
    }
    case 'setSecret':
      log.info(`rotate ${agent}: ${credential.name}: the provider minted the credential in createSecret; nothing to set`, fields);
      return;
    case 'testSecret': {
      const pending = await valueOf(secrets, event.SecretId, { VersionId: token, VersionStage: 'AWSPENDING' });
      const current = await valueOf(secrets, event.SecretId, { VersionStage: 'AWSCURRENT' });
      if (!pending || Object.keys(pending).length === 0) return failed(new Error(`${described.Name}: no AWSPENDING value for version ${token}`));
      if (current && JSON.stringify(pending) === JSON.stringify(current))
        return failed(new Error(`${described.Name}: the pending value equals the current one`));
      return;
    }
    case 'finishSecret': {
      try {
        const currentVersion = Object.keys(stages).find((v) => stages[v].includes('AWSCURRENT'));
        const previous = currentVersion ? await valueOf(secrets, event.SecretId, { VersionId: currentVersion }) : undefined;
        const next = await valueOf(secrets, event.SecretId, { VersionId: token });
        if (!next) throw new Error(`${described.Name}: version ${token} has no value`);
        await secrets.send(
          new UpdateSecretVersionStageCommand({
            SecretId: event.SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            RemoveFromVersionId: currentVersion,
          }),
        );
        if (previous && rotator.retire) await rotator.retire(previous, next, credential, deps.fetch);
      } catch (e) {
        return failed(e);
      }
      await putRotationMetrics(deps.cloudwatch, agent, { successes: 1, failures: 0 }, deps.now());
      log.info(`rotate ${agent}: ${credential.name} rotated in Secrets Manager (AWSCURRENT is version ${token})`, fields);
      return;
    }
  }
}
