/**
 * Who is calling. Every request carries the agent's own credential: a gateway
 * key (`sag_…`, hosted platforms: `X-Scoped-Agents-Key` or `Authorization:
 * Bearer`) whose SHA-256 the rotation stores, or the agent's Vault token
 * (`X-Vault-Token` or `Authorization: Bearer`), which the gateway looks up
 * with that token itself — the token's `agent-<name>` policy names the agent.
 * Results are reused for at most `GATEWAY.authCacheMs`; a refusal for a second.
 */
import { createHash } from 'crypto';
import { AGENT_PREFIX } from '../../model/fleet';
import { GATEWAY } from '../../model/gateway';
import { Fetch, vaultClient } from '../shared/vault';
import { headerValue, IncomingHeaders } from './headers';
import { GatewayStore } from './store';

/** Who the caller is, or why the gateway does not know. `token` identifies the presented credential (a hash, never the value). */
export type Identity =
  | { readonly agent: string; readonly token: string; readonly refused?: undefined }
  | { readonly agent?: undefined; readonly token?: string; readonly refused: string };

const REFUSAL_CACHE_MS = 1_000;

/** The credential a request presents, and how. */
function presented(headers: IncomingHeaders): { kind: 'gateway-key' | 'vault-token'; value: string } | { problem: string } {
  const key = headerValue(headers, GATEWAY.keyHeader)?.trim();
  const vault = headerValue(headers, GATEWAY.vaultTokenHeader)?.trim();
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(headers, 'authorization') ?? '')?.[1];
  const given = [key, vault, bearer].filter((v) => v !== undefined && v !== '');
  if (given.length === 0)
    return {
      problem: `no credential: send the agent's gateway key (${GATEWAY.keyHeader}) or its Vault token (X-Vault-Token), or either as Authorization: Bearer`,
    };
  if (new Set(given).size > 1) return { problem: 'more than one credential: send one' };
  const value = given[0]!;
  if (key !== undefined && !value.startsWith(GATEWAY.keyPrefix)) return { problem: `${GATEWAY.keyHeader} does not hold a gateway key (${GATEWAY.keyPrefix}…)` };
  return { kind: value.startsWith(GATEWAY.keyPrefix) ? 'gateway-key' : 'vault-token', value };
}

/** The hex SHA-256 of a gateway key: what the table stores. */
export function gatewayKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The authentication of one gateway instance, with its cache. */
export class Authenticator {
  private readonly cache = new Map<string, { identity: Identity; until: number }>();

  constructor(
    private readonly store: GatewayStore,
    private readonly vaultAddr: string,
    private readonly fetchFn: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** Who presented the request's credential. */
  public async identify(headers: IncomingHeaders): Promise<Identity> {
    const p = presented(headers);
    if ('problem' in p) return { refused: p.problem };
    // One hash serves the cache key, the key's item and the line's token identifier (its first 16 hex digits).
    const cacheKey = gatewayKeyHash(p.value);
    const token = `sha256:${cacheKey.slice(0, 16)}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > this.now()) return hit.identity;
    const identity = p.kind === 'gateway-key' ? await this.byKey(cacheKey, token) : await this.byVaultToken(p.value, token);
    this.cache.set(cacheKey, { identity, until: this.now() + (identity.refused === undefined ? GATEWAY.authCacheMs : REFUSAL_CACHE_MS) });
    if (this.cache.size > 10_000) this.prune();
    return identity;
  }

  private async byKey(keyHash: string, token: string): Promise<Identity> {
    const item = await this.store.gatewayKey(keyHash);
    if (!item) return { token, refused: 'the gateway key is not one of any agent (rotated away, or never issued)' };
    if (item.expiresAt !== undefined && item.expiresAt * 1000 <= this.now())
      return { token, refused: 'the gateway key was replaced and its grace period is over' };
    const config = await this.store.agentConfig(item.agent);
    if (!config || config.auth !== 'gateway-key') return { token, refused: `agent ${item.agent} does not authenticate with a gateway key here` };
    return { agent: item.agent, token };
  }

  private async byVaultToken(vaultToken: string, token: string): Promise<Identity> {
    // The caller's own token looks itself up: the gateway needs no right to look up tokens.
    const res = await vaultClient(this.vaultAddr, vaultToken, this.fetchFn, 5_000).request('GET', 'auth/token/lookup-self');
    if (res.status !== 200) return { token, refused: `Vault refused the token (HTTP ${res.status}): expired, revoked or not a Vault token` };
    const policies: unknown = res.body?.data?.policies;
    const agents = (Array.isArray(policies) ? policies : [])
      .filter((p): p is string => typeof p === 'string' && p.startsWith(AGENT_PREFIX) && p.length > AGENT_PREFIX.length)
      .map((p) => p.slice(AGENT_PREFIX.length));
    if (agents.length !== 1)
      return { token, refused: agents.length === 0 ? "the Vault token carries no agent's policy" : 'the Vault token carries the policies of several agents' };
    const config = await this.store.agentConfig(agents[0]);
    if (!config || config.auth !== 'vault-token') return { token, refused: `agent ${agents[0]} does not call through this gateway with its Vault token` };
    return { agent: agents[0], token };
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
  }
}
