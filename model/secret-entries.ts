import { Agent, Credential, FleetSettings } from './fleet';
import { RotatorName } from './fleet';

/** One SaaS credential of one agent: its own copy, never shared. */
export interface SecretEntry {
  /** Credential name from the catalog, e.g. `hubspot`. */
  readonly secret: string;
  /** Where this copy lives: a KV v2 entry (`vault`) or a Secrets Manager secret (`aws`). */
  readonly store: 'vault' | 'aws';
  /** Which provider API rotates it. */
  readonly rotator: RotatorName;
  /** KV v2 mount (for `vault`). */
  readonly mount: string;
  /** Entry name within the mount: `agents/<agent>/<secret>`. */
  readonly name: string;
  /** The API path a Vault policy grants: `<mount>/data/agents/<agent>/<secret>` (for `vault`). */
  readonly dataPath: string;
  /** Secrets Manager name: `scoped-agents/<fleet>/agents/<agent>/<secret>` (for `aws`). */
  readonly secretsManagerName: string;
  /** The scopes the provider must mint this credential with, sorted. */
  readonly scopes: readonly string[];
}

/**
 * The agent's SaaS credentials: one entry per distinct `secret:` among its
 * scopes, each listing every scope that credential must carry. Sorted by name.
 *
 * @param credentials how each credential is stored and rotated (`fleet.credentials`);
 *   a credential missing here lives in Vault and is rotated by hand
 */
export function secretEntriesFor(agent: Agent, settings: FleetSettings, credentials: Readonly<Record<string, Credential>> = {}): SecretEntry[] {
  const bySecret = new Map<string, Set<string>>();
  for (const scope of agent.scopes) {
    if (scope.kind !== 'secret') continue;
    const set = bySecret.get(scope.secret) ?? new Set<string>();
    set.add(scope.name);
    bySecret.set(scope.secret, set);
  }
  return [...bySecret.keys()].sort().map((secret) => {
    const name = `agents/${agent.name}/${secret}`;
    return {
      secret,
      store: credentials[secret]?.store ?? 'vault',
      rotator: credentials[secret]?.rotator ?? 'manual',
      mount: settings.kvMount,
      name,
      dataPath: `${settings.kvMount}/data/${name}`,
      secretsManagerName: `scoped-agents/${settings.name}/${name}`,
      scopes: [...bySecret.get(secret)!].sort(),
    };
  });
}
