import { Agent, FleetSettings } from './fleet';

/** One SaaS credential of one agent, in its own KV v2 entry. */
export interface SecretEntry {
  /** Credential name from the catalog, e.g. `hubspot`. */
  readonly secret: string;
  /** KV v2 mount. */
  readonly mount: string;
  /** Entry name within the mount: `agents/<agent>/<secret>`. */
  readonly name: string;
  /** The API path a policy grants: `<mount>/data/agents/<agent>/<secret>`. */
  readonly dataPath: string;
  /** The scopes the provider must mint this credential with, sorted. */
  readonly scopes: readonly string[];
}

/**
 * The agent's SaaS credentials: one entry per distinct `secret:` among its
 * scopes, each listing every scope that credential must carry. Sorted by name.
 */
export function secretEntriesFor(agent: Agent, settings: FleetSettings): SecretEntry[] {
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
      mount: settings.kvMount,
      name,
      dataPath: `${settings.kvMount}/data/${name}`,
      scopes: [...bySecret.get(secret)!].sort(),
    };
  });
}
