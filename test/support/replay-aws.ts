/**
 * The AWS resources the gateway reads at run time, applied to moto from a
 * synthesized stack as the AWS provider would create them: its DynamoDB
 * table (key schema, TTL) and the agents' items in it, the call-log groups,
 * and the secrets the rotation delivers to (gateway keys, agent logins),
 * created empty. Reads only the synthesized JSON.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseReference } from './replay';
import { SynthesizedStack } from './synthesized';

/** What {@link replayGatewayAws} created, by kind. */
export interface AwsReplay {
  readonly tables: string[];
  items: number;
  readonly logGroups: string[];
  readonly secrets: string[];
}

/** Resolves `${aws_dynamodb_table.x.name}` (or a literal) against the stack. */
function literal(stack: SynthesizedStack, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  const m = /^\$\{(.+)\}$/.exec(value);
  if (!m) return value;
  const ref = parseReference(m[1]);
  const target = ref ? stack.json.resource?.[ref.type]?.[ref.name] : undefined;
  const resolved = target?.[ref!.attribute];
  if (typeof resolved !== 'string' || resolved.includes('${')) throw new Error(`cannot resolve ${value} to a literal`);
  return resolved;
}

/** Applies the gateway's AWS resources of `stack` to moto. */
export async function replayGatewayAws(
  stack: SynthesizedStack,
  aws: { readonly dynamodb: DynamoDBClient; readonly logs: CloudWatchLogsClient; readonly secrets: SecretsManagerClient },
): Promise<AwsReplay> {
  const resources = stack.json.resource ?? {};
  const out: AwsReplay = { tables: [], items: 0, logGroups: [], secrets: [] };
  for (const table of Object.values(resources.aws_dynamodb_table ?? {})) {
    const attributes = table.attribute as { name: string; type: 'S' | 'N' | 'B' }[];
    const name = literal(stack, table.name);
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: table.billing_mode as 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: literal(stack, table.hash_key), KeyType: 'HASH' }],
        AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
      }),
    );
    const ttl = table.ttl as { attribute_name: string; enabled: boolean } | undefined;
    if (ttl?.enabled)
      await aws.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttl.attribute_name, Enabled: true } }));
    out.tables.push(name);
  }
  for (const item of Object.values(resources.aws_dynamodb_table_item ?? {})) {
    await aws.dynamodb.send(new PutItemCommand({ TableName: literal(stack, item.table_name), Item: JSON.parse(literal(stack, item.item)) }));
    out.items++;
  }
  for (const group of Object.values(resources.aws_cloudwatch_log_group ?? {})) {
    const name = literal(stack, group.name);
    if (!name.startsWith('/scoped-agents/')) continue;
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    out.logGroups.push(name);
  }
  for (const secret of Object.values(resources.aws_secretsmanager_secret ?? {})) {
    const name = literal(stack, secret.name);
    if (!/\/agents\/[^/]+\/(gateway-key|vault-login)$/.test(name)) continue;
    await aws.secrets.send(new CreateSecretCommand({ Name: name }));
    out.secrets.push(name);
  }
  return out;
}
