import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Agent } from '../model/fleet';
import { SecretEntry } from '../model/secret-entries';

/** Props of {@link AgentSecretEntry}. */
export interface AgentSecretEntryProps {
  readonly agent: Agent;
  readonly entry: SecretEntry;
  /** Path of the KV v2 mount; pass the mount resource's `path` so the entry depends on it. */
  readonly mount: string;
}

/**
 * Name of the Terraform variable that may seed an entry's first value:
 * `seed__<agent>__<secret>` with `-` as `_`, so it can be set as `TF_VAR_…`.
 * Names never contain `_`, so the double underscore cannot collide.
 */
export function seedVariableName(agent: string, secret: string): string {
  return `seed__${agent.replace(/-/g, '_')}__${secret.replace(/-/g, '_')}`;
}

/**
 * One SaaS credential of one agent, in its own KV v2 entry
 * `<mount>/agents/<agent>/<secret>`, whose custom metadata lists the scopes the
 * provider must mint it with.
 *
 * The value never passes through Terraform state: it is written through the
 * write-only `data_json_wo` from an ephemeral variable (an empty object unless
 * the operator seeds it with `TF_VAR_seed__…`), reads are disabled, and the
 * rotation job writes the real credential.
 */
export class AgentSecretEntry extends Construct {
  /** The KV v2 entry (main resource). */
  public readonly resource: KvSecretV2;
  /** The ephemeral variable that can seed the first value. */
  public readonly seed: TerraformVariable;
  /** The entry's API path, `<mount>/data/agents/<agent>/<secret>`. */
  public readonly dataPath: string;

  constructor(scope: Construct, id: string, props: AgentSecretEntryProps) {
    super(scope, id);
    const { agent, entry } = props;
    this.dataPath = entry.dataPath;

    this.seed = new TerraformVariable(this, 'Seed', {
      type: 'string',
      sensitive: true,
      nullable: false,
      default: '{}',
      description: `First value of ${entry.name} as JSON; optional (the entry starts as {} until a credential is written). Never stored in state.`,
    });
    this.seed.overrideLogicalId(seedVariableName(agent.name, entry.secret));
    // cdktf 0.21 has no typed `ephemeral`; Terraform >= 1.10 reads it from the JSON.
    this.seed.addOverride('ephemeral', true);

    this.resource = new KvSecretV2(this, 'Resource', {
      mount: props.mount,
      name: entry.name,
      dataJsonWo: this.seed.stringValue,
      dataJsonWoVersion: 1,
      // The provider must not read the value back into state.
      disableRead: true,
      deleteAllVersions: false,
      customMetadata: {
        maxVersions: 10,
        casRequired: false,
        data: {
          agent: agent.name,
          owner: agent.owner,
          platform: agent.platform,
          scopes: entry.scopes.join(','),
          'managed-by': 'scoped-agents',
        },
      },
    });
  }
}
