/**
 * The contract between the fleet's gateway (`functions/gateway/`) and what
 * the constructs deploy for it: its names, the per-agent item it reads from
 * its DynamoDB table, how agents authenticate, the caches' bounds, and its
 * own Vault policy. Pure: no cdktf, no AWS SDK.
 */
import { ApiDefinition, CredentialPlacement } from './apis';
import { Agent, agentResourceName, Credential, Fleet, FleetSettings, Platform, RotatorName } from './fleet';
import { endpointText, HttpEndpoint } from './http-grants';
import { revocationMarker } from './operations';
import { CREDENTIAL_FIELDS, secretEntriesFor } from './secret-entries';
import { VaultGrant } from './vault-policy';

/** Names and bounds of the gateway. */
export const GATEWAY = {
  // The function, its role, its Vault role and login are named as every function's: functionName, functionVaultRole, SECRET_NAMES.functionLogin.
  /** Its DynamoDB table: agents' items, gateway-key hashes, rate counters. */
  tableName: (fleet: string) => `${fleet}-gateway`,
  /** Where the rotation delivers a hosted agent's gateway key (`{ "key": "sag_…" }`). */
  keySecretName: (fleet: string, agent: string) => `scoped-agents/${fleet}/agents/${agent}/gateway-key`,
  /** Calls the gateway cannot attribute to an agent (no or an unknown credential) are logged here. */
  logGroupName: (fleet: string) => `/scoped-agents/${fleet}/gateway`,
  /** Every gateway key starts so; the gateway stores only its SHA-256. */
  keyPrefix: 'sag_',
  /** The header a gateway key may come in (besides `Authorization: Bearer`). */
  keyHeader: 'x-scoped-agents-key',
  /** The header a Vault token may come in (besides `Authorization: Bearer`). */
  vaultTokenHeader: 'x-vault-token',
  /** At most this long an authentication result is reused. */
  authCacheMs: 10_000,
  /** At most this long a provider credential is reused from memory. */
  credentialCacheMs: 60_000,
  /** At most this long the gateway trusts that an agent is not revoked (its marker is re-read after). */
  revocationCacheMs: 2_000,
  /** At most this long the gateway trusts an agent's item (endpoints, limit). */
  configCacheMs: 10_000,
} as const;

/** How an agent proves to the gateway who it is. */
export type GatewayAuth =
  /** A per-agent key (`sag_…`) its hosted platform keeps in its secret store; the rotation replaces it on the agent's schedule. */
  | 'gateway-key'
  /** Its own Vault token, which the gateway looks up: the token's policy names the agent. */
  | 'vault-token';

/** Platforms whose agents keep a gateway key: they run where no Vault login of theirs runs. */
const HOSTED: readonly Platform[] = ['claude', 'openai', 'zapier'];

/** How `agent` authenticates to the gateway. */
export function gatewayAuthOf(agent: Pick<Agent, 'platform'>): GatewayAuth {
  return HOSTED.includes(agent.platform) ? 'gateway-key' : 'vault-token';
}

/** Every endpoint the agent may call through the gateway, sorted by API, path and method. */
export function gatewayEndpointsOf(agent: Pick<Agent, 'gateway' | 'scopes'>): HttpEndpoint[] {
  if (!agent.gateway) return [];
  const all = agent.scopes.flatMap((s) => (s.kind === 'secret' && s.http ? s.http.endpoints : []));
  const unique = new Map(all.map((e) => [`${e.api} ${endpointText(e)}`, e]));
  return [...unique.values()].sort((a, b) => a.api.localeCompare(b.api) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Where the gateway reads one of an agent's provider credentials. */
export interface GatewayCredential {
  /** The credential (`secret:` name). */
  readonly secret: string;
  readonly store: 'vault' | 'aws';
  /** KV v2 API path (`<kv>/data/agents/<agent>/<secret>`) or Secrets Manager name. */
  readonly location: string;
  /** The field of the value that is the credential (`token`, `access_token`, `api_key`). */
  readonly field: string;
  readonly rotator: RotatorName;
  /** An `oauth2-refresh` credential's token endpoint: the gateway refreshes the access token there before it expires. */
  readonly tokenUrl?: string;
}

/** One API an agent calls through the gateway: where it goes, with which credential, and which endpoints. */
export interface GatewayApi {
  readonly baseUrl: string;
  readonly placement: CredentialPlacement;
  readonly credential: GatewayCredential;
  /** `METHOD /path-pattern`, sorted. */
  readonly endpoints: readonly string[];
  /** The same endpoints by the scope that grants them (for reviews; the gateway reads `endpoints`). */
  readonly scopes: Readonly<Record<string, readonly string[]>>;
}

/**
 * The item of one agent in the gateway's table (`pk = agent#<name>`,
 * attribute `config` holding this as JSON), written by Terraform: everything
 * the gateway needs to hold the agent to its table.
 */
export interface GatewayAgentConfig {
  readonly agent: string;
  readonly auth: GatewayAuth;
  /** Calls a minute across every gateway instance; beyond it 429. */
  readonly maxCallsPerMinute: number;
  /** By API name, sorted. */
  readonly apis: Readonly<Record<string, GatewayApi>>;
}

/** Keys of the gateway table's items. */
export const GATEWAY_ITEMS = {
  /** The partition key attribute. */
  key: 'pk',
  /** The TTL attribute (epoch seconds): DynamoDB deletes expired items, late; the gateway also checks it. */
  ttl: 'expiresAt',
  agent: (agent: string) => `agent#${agent}`,
  /** A gateway key's item, by the hex SHA-256 of the key: `{ agent, expiresAt? }`. */
  gatewayKey: (sha256Hex: string) => `key#${sha256Hex}`,
  /** One agent's call counter for one minute (epoch minute). */
  rate: (agent: string, minute: number) => `rate#${agent}#${minute}`,
} as const;

/** The agent's item, or `undefined` when it does not call through the gateway. */
export function gatewayAgentConfig(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials' | 'apis'>): GatewayAgentConfig | undefined {
  if (!agent.gateway) return undefined;
  const entries = secretEntriesFor(agent, fleet.settings, fleet.credentials).filter((e) => e.readBy === 'gateway');
  const apis: Record<string, GatewayApi> = {};
  for (const entry of entries) {
    const api: ApiDefinition = fleet.apis[entry.api!];
    const credential: Credential | undefined = fleet.credentials[entry.secret];
    apis[api.name] = {
      baseUrl: api.baseUrl,
      placement: api.placement,
      credential: {
        secret: entry.secret,
        store: entry.store,
        location: entry.store === 'vault' ? entry.dataPath : entry.secretsManagerName,
        field: CREDENTIAL_FIELDS[entry.rotator],
        rotator: entry.rotator,
        ...(credential?.tokenUrl ? { tokenUrl: credential.tokenUrl } : {}),
      },
      endpoints: gatewayEndpointsOf(agent)
        .filter((e) => e.api === api.name)
        .map(endpointText)
        .sort(),
      scopes: Object.fromEntries(
        agent.scopes
          .flatMap((s) => (s.kind === 'secret' && s.http?.api === api.name ? [[s.name, [...new Set(s.http.endpoints.map(endpointText))].sort()] as const] : []))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    };
  }
  if (Object.keys(apis).length === 0) return undefined;
  return {
    agent: agent.name,
    auth: gatewayAuthOf(agent),
    maxCallsPerMinute: agent.alarms.maxCallsPerMinute,
    apis: Object.fromEntries(Object.entries(apis).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The agents of `fleet` that call through its gateway. */
export function gatewayAgents(fleet: Pick<Fleet, 'agents'>): Agent[] {
  return fleet.agents.filter((a) => a.gateway);
}

/**
 * What the gateway may read for the named agents: each entry it injects
 * (exactly, one path an entry), and each agent's revocation marker. In a
 * sharded fleet each shard grants its own agents' part in a policy of its own.
 */
export function gatewayAgentRules(settings: FleetSettings, fleet: Pick<Fleet, 'credentials'>, agents: readonly Agent[]): VaultGrant[] {
  const rules: VaultGrant[] = [];
  for (const agent of agents.filter((a) => a.gateway)) {
    for (const entry of secretEntriesFor(agent, settings, fleet.credentials)) {
      if (entry.readBy === 'gateway' && entry.store === 'vault')
        rules.push({ path: entry.dataPath, capabilities: ['read'], reason: `inject ${agentResourceName(agent)}'s ${entry.secret} credential` });
    }
    rules.push({ path: `${settings.kvMount}/data/${revocationMarker(agent.name)}`, capabilities: ['read'], reason: 'refuse a revoked agent' });
  }
  return rules.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The gateway's own Vault policy: the agents' injected entries and markers
 * ({@link gatewayAgentRules}) and nothing else — no token lookups (an agent's
 * Vault token is looked up with that token itself), no listing, no writes.
 */
export function gatewayVaultPolicy(settings: FleetSettings, fleet: Pick<Fleet, 'credentials'>, agents: readonly Agent[]): VaultGrant[] {
  return gatewayAgentRules(settings, fleet, agents);
}

/** The gateway's base path of an API: `<gateway URL>/<api>`. */
export function gatewayPathOf(api: string): string {
  return `/${api}`;
}
