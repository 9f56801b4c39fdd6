import { Agent, Credential, FleetSettings } from './fleet';
import { RotatorName } from './fleet';

/** The field of a credential's value that is the credential itself, by the rotator that keeps it (see functions/rotate/rotators/). */
export const CREDENTIAL_FIELDS: Readonly<Record<RotatorName, string>> = {
  manual: 'token',
  'oauth2-refresh': 'access_token',
  'sendgrid-api-key': 'api_key',
  'openai-service-account': 'api_key',
  'github-app': 'token',
};

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
  /**
   * Who reads it: the agent itself, or only the fleet's gateway, which injects
   * it into the calls of `api` (the agent never holds it).
   */
  readonly readBy: 'agent' | 'gateway';
  /** The API the gateway calls with it, when `readBy` is `gateway`. */
  readonly api?: string;
}

/**
 * The API through which the gateway alone uses `secret` for `agent`, or
 * `undefined` when the agent reads the credential itself: it calls through
 * the gateway, and every one of its scopes naming the secret grants `http:`
 * endpoints (a scope with the bare secret hands the agent the value).
 */
export function gatewayApiOf(agent: Pick<Agent, 'gateway' | 'scopes'>, secret: string): string | undefined {
  if (!agent.gateway) return undefined;
  const scopes = agent.scopes.filter((s) => s.kind === 'secret' && s.secret === secret);
  const apis = new Set(scopes.map((s) => (s.kind === 'secret' ? s.http?.api : undefined)));
  if (apis.size !== 1 || apis.has(undefined)) return undefined;
  return [...apis][0];
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
      ...(gatewayApiOf(agent, secret) !== undefined ? { readBy: 'gateway' as const, api: gatewayApiOf(agent, secret) } : { readBy: 'agent' as const }),
    };
  });
}
