import { DynamodbTableItem } from '@cdktf/provider-aws/lib/dynamodb-table-item';
import { Construct } from 'constructs';
import { GATEWAY_ITEMS, GatewayAgentConfig } from '../model/gateway';

/** Props of {@link AgentGatewayItem}. */
export interface AgentGatewayItemProps {
  /** What the gateway holds the agent to (`gatewayAgentConfig`). */
  readonly config: GatewayAgentConfig;
  /** The gateway's table: pass the table's `name` so the item depends on it. */
  readonly table: string;
}

/**
 * One agent's item in the gateway's table (`pk = agent#<name>`): how it
 * authenticates, its endpoints on each API with where the gateway reads the
 * credential, and its calls a minute. Holds no secret: the credentials stay
 * in the agent's entries.
 */
export class AgentGatewayItem extends Construct {
  /** The item (main resource). */
  public readonly resource: DynamodbTableItem;

  constructor(scope: Construct, id: string, props: AgentGatewayItemProps) {
    super(scope, id);
    this.resource = new DynamodbTableItem(this, 'Resource', {
      tableName: props.table,
      hashKey: GATEWAY_ITEMS.key,
      item: JSON.stringify({ [GATEWAY_ITEMS.key]: { S: GATEWAY_ITEMS.agent(props.config.agent) }, config: { S: JSON.stringify(props.config) } }),
    });
  }
}
