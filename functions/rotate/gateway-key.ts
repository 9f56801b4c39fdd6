/**
 * The gateway key of an agent on a hosted platform: a new `sag_…` key at
 * every rotation, its SHA-256 written to the gateway's table first (so the
 * key works the moment it is delivered), then the key delivered to the
 * agent's Secrets Manager secret, and the previous key's item given an expiry
 * after the grace period. The gateway stores no key, only hashes.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createHash, randomBytes } from 'crypto';
import { GATEWAY, GATEWAY_ITEMS } from '../../model/gateway';
import { errorMessage, Logger } from '../shared/log';

/** What a gateway-key rotation needs. */
export interface GatewayKeyDeps {
  readonly secrets: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
  readonly now: () => Date;
  readonly log: Logger;
}

/** Where the key goes, and how long the previous one keeps working. */
export interface GatewayKeySettings {
  readonly fleet: string;
  readonly gatewayTable: string;
  readonly graceSeconds: number;
}

/** What a rotation did: the new key's hash prefix (never the key), and until when the previous one works. */
export interface GatewayKeyRotation {
  readonly keyId: string;
  readonly previousExpiresAt?: string;
}

const hash = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new gateway key: the prefix and 32 random bytes, base64url. */
export function newGatewayKey(): string {
  return `${GATEWAY.keyPrefix}${randomBytes(32).toString('base64url')}`;
}

/** Whether the agent presents a gateway key: the fleet created its secret (an agent of a hosted platform calling through the gateway). */
export async function hasGatewayKey(secrets: SecretsManagerClient, fleet: string, agent: string): Promise<boolean> {
  try {
    await secrets.send(new DescribeSecretCommand({ SecretId: GATEWAY.keySecretName(fleet, agent) }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw e;
  }
}

/**
 * Rotates the agent's gateway key.
 *
 * @throws naming the step that failed (never a key); a new key that could not be delivered is expired at once
 */
export async function rotateGatewayKey(deps: GatewayKeyDeps, settings: GatewayKeySettings, agent: string): Promise<GatewayKeyRotation> {
  const secretId = GATEWAY.keySecretName(settings.fleet, agent);
  const previous = await currentKey(deps.secrets, secretId);
  const key = newGatewayKey();
  const id = hash(key);
  await deps.dynamodb.send(
    new PutItemCommand({
      TableName: settings.gatewayTable,
      Item: { [GATEWAY_ITEMS.key]: { S: GATEWAY_ITEMS.gatewayKey(id) }, agent: { S: agent }, issuedAt: { S: deps.now().toISOString() } },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': GATEWAY_ITEMS.key },
    }),
  );
  try {
    await deps.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ key }) }));
  } catch (e) {
    await expire(deps.dynamodb, settings.gatewayTable, id, deps.now()).catch(() => undefined);
    throw new Error(`deliver the new gateway key to ${secretId}: ${errorMessage(e)} (the new key was expired; the previous one still works)`, { cause: e });
  }
  let previousExpiresAt: string | undefined;
  if (previous !== undefined && previous !== key) {
    const at = new Date(deps.now().getTime() + settings.graceSeconds * 1000);
    await expire(deps.dynamodb, settings.gatewayTable, hash(previous), at);
    previousExpiresAt = at.toISOString();
  }
  const rotation = { keyId: `sha256:${id.slice(0, 16)}`, ...(previousExpiresAt ? { previousExpiresAt } : {}) };
  deps.log.info(`rotate ${agent}: new gateway key delivered${previousExpiresAt ? `; the previous one works until ${previousExpiresAt}` : ''}`, {
    agent,
    ...rotation,
  });
  return rotation;
}

/** The key the secret holds now, if any. */
async function currentKey(secrets: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    const res = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    const key = (JSON.parse(res.SecretString ?? '{}') as { key?: unknown }).key;
    return typeof key === 'string' ? key : undefined;
  } catch (e) {
    // A secret with no value yet (before the first rotation) has no current version.
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** Sets a key item's expiry (epoch seconds); an item that is gone is left gone. */
async function expire(dynamodb: DynamoDBClient, table: string, id: string, at: Date): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [GATEWAY_ITEMS.key]: { S: GATEWAY_ITEMS.gatewayKey(id) } },
        UpdateExpression: 'SET #t = :t',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#t': GATEWAY_ITEMS.ttl, '#pk': GATEWAY_ITEMS.key },
        ExpressionAttributeValues: { ':t': { N: String(Math.floor(at.getTime() / 1000)) } },
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException) && (e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
  }
}
