/**
 * The gateway's table: each agent's item (written by Terraform), the hashes
 * of the gateway keys (written by the rotation), and the per-minute call
 * counters shared by every gateway instance. DynamoDB when deployed; the
 * same contract in memory for the benchmark.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GATEWAY_ITEMS, GatewayAgentConfig } from '../../model/gateway';
import { parseAgentConfig } from './config';

/** A gateway key's item: whose key it is, and until when it works (a replaced key, in its grace period). */
export interface GatewayKeyItem {
  readonly agent: string;
  /** Epoch seconds; absent for the current key. */
  readonly expiresAt?: number;
}

/** What the gateway reads and counts. */
export interface GatewayStore {
  /** The agent's item; `undefined` when the agent has none (it does not call through this gateway). */
  agentConfig(agent: string): Promise<GatewayAgentConfig | undefined>;
  /** A gateway key's item, by the hex SHA-256 of the key. */
  gatewayKey(sha256Hex: string): Promise<GatewayKeyItem | undefined>;
  /**
   * Adds `n` to the agent's counter of `minute` if the sum stays within
   * `max`; the counter is created at 0 and expires after the minute.
   *
   * @returns the new count, or `undefined` when it would exceed `max` (nothing added)
   */
  addCalls(agent: string, minute: number, n: number, max: number): Promise<number | undefined>;
  /** The agent's counter of `minute` (0 when absent). */
  calls(agent: string, minute: number): Promise<number>;
}

/** The table in DynamoDB (`<fleet>-gateway`, key `pk`, TTL `expiresAt`). */
export function dynamoStore(dynamodb: DynamoDBClient, table: string): GatewayStore {
  const get = async (pk: string, consistent = false): Promise<Record<string, { S?: string; N?: string }> | undefined> =>
    (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [GATEWAY_ITEMS.key]: { S: pk } }, ConsistentRead: consistent }))).Item as
      Record<string, { S?: string; N?: string }> | undefined;
  return {
    async agentConfig(agent) {
      const item = await get(GATEWAY_ITEMS.agent(agent));
      if (!item) return undefined;
      return parseAgentConfig(item.config?.S, `the item ${GATEWAY_ITEMS.agent(agent)} of ${table}`);
    },
    async gatewayKey(sha256Hex) {
      const item = await get(GATEWAY_ITEMS.gatewayKey(sha256Hex), true);
      const agent = item?.agent?.S;
      if (!agent) return undefined;
      const expiresAt = item[GATEWAY_ITEMS.ttl]?.N;
      return { agent, ...(expiresAt !== undefined ? { expiresAt: Number(expiresAt) } : {}) };
    },
    async addCalls(agent, minute, n, max) {
      try {
        const res = await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { [GATEWAY_ITEMS.key]: { S: GATEWAY_ITEMS.rate(agent, minute) } },
            UpdateExpression: 'ADD #c :n SET #t = if_not_exists(#t, :t)',
            ConditionExpression: 'attribute_not_exists(#c) OR #c <= :room',
            ExpressionAttributeNames: { '#c': 'calls', '#t': GATEWAY_ITEMS.ttl },
            ExpressionAttributeValues: { ':n': { N: String(n) }, ':room': { N: String(max - n) }, ':t': { N: String((minute + 2) * 60) } },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(res.Attributes?.calls?.N ?? n);
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
        throw e;
      }
    },
    async calls(agent, minute) {
      const item = await get(GATEWAY_ITEMS.rate(agent, minute), true);
      return Number(item?.calls?.N ?? 0);
    },
  };
}

/** The same contract in memory: the benchmark's store, and a store for one process. */
export function memoryStore(configs: readonly GatewayAgentConfig[], keys: Readonly<Record<string, GatewayKeyItem>> = {}): GatewayStore {
  const counters = new Map<string, number>();
  const byAgent = new Map(configs.map((c) => [c.agent, c]));
  return {
    agentConfig: async (agent) => byAgent.get(agent),
    gatewayKey: async (hash) => keys[hash],
    async addCalls(agent, minute, n, max) {
      const key = GATEWAY_ITEMS.rate(agent, minute);
      const count = counters.get(key) ?? 0;
      if (count + n > max) return undefined;
      counters.set(key, count + n);
      return count + n;
    },
    calls: async (agent, minute) => counters.get(GATEWAY_ITEMS.rate(agent, minute)) ?? 0,
  };
}
