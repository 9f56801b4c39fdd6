/**
 * The provider credential of an agent's API: read from the agent's own entry
 * (KV v2 through the gateway's login, or Secrets Manager), kept in memory for
 * at most `GATEWAY.credentialCacheMs`, and read again when the provider
 * answers 401. An `oauth2-refresh` credential whose access token is about to
 * expire is refreshed at its token endpoint with the stored refresh token and
 * client; the new access token stays in this instance's memory only (the
 * rotation writes the stored one), and the agent never sees any of it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GATEWAY, GatewayCredential } from '../../model/gateway';
import { GITHUB_API, mintInstallationToken } from '../shared/github-app';
import { Fetch } from '../shared/vault';
import { VaultReader } from './vault-session';

/** A credential's value: the fields of its entry. */
export type CredentialValue = Readonly<Record<string, string>>;

/** Reads an entry's current value. */
export interface CredentialSource {
  read(credential: GatewayCredential): Promise<CredentialValue>;
}

/** A credential could not be read or refreshed; the message names where, never a value. */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** Entries in KV v2 (through the gateway's own Vault login) and Secrets Manager. */
export function credentialSource(vault: VaultReader, secrets: () => SecretsManagerClient): CredentialSource {
  return {
    async read(c) {
      let data: unknown;
      if (c.store === 'vault') {
        const res = await vault.read(c.location);
        if (res.status !== 200) throw new CredentialError(`the entry ${c.location} is missing (HTTP ${res.status}): seed it`);
        data = res.body?.data?.data;
      } else {
        const res = await secrets().send(new GetSecretValueCommand({ SecretId: c.location }));
        try {
          data = JSON.parse(res.SecretString ?? '');
        } catch {
          throw new CredentialError(`the secret ${c.location} does not hold a JSON object`);
        }
      }
      if (!data || typeof data !== 'object') throw new CredentialError(`${c.location} holds no fields`);
      return data as CredentialValue;
    },
  };
}

/** Refresh an access token this long before it expires. */
const REFRESH_MARGIN_MS = 60_000;

/** The credentials of one gateway instance. */
export class Credentials {
  private readonly cache = new Map<string, { value: CredentialValue; until: number }>();
  /** Access tokens this instance refreshed, by the entry and the refresh token they came from. */
  private readonly refreshed = new Map<string, { accessToken: string; expiresAt: number }>();
  /** The credential last injected from each entry: after a 401, the one not to use again. */
  private readonly used = new Map<string, string>();

  constructor(
    private readonly source: CredentialSource,
    private readonly fetchFn: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The credential to inject for `c`.
   *
   * @param fresh read the entry again (the provider answered 401), and refresh an OAuth2 token regardless of its expiry
   * @throws CredentialError when the entry lacks the field, or the refresh is refused
   */
  public async get(c: GatewayCredential, fresh = false): Promise<string> {
    const key = c.location;
    let hit = this.cache.get(key);
    if (fresh || !hit || hit.until <= this.now()) {
      hit = { value: await this.source.read(c), until: this.now() + GATEWAY.credentialCacheMs };
      this.cache.set(key, hit);
    }
    const value = hit.value;
    const rejected = fresh ? this.used.get(key) : undefined;
    const credential =
      c.rotator === 'oauth2-refresh' && value.refresh_token
        ? await this.accessToken(c, value, rejected)
        : c.rotator === 'github-app'
          ? await this.installationToken(c, value, rejected)
          : value[c.field];
    if (typeof credential !== 'string' || credential === '') throw new CredentialError(`${c.location} has no ${c.field} field`);
    this.used.set(key, credential);
    return credential;
  }

  /**
   * The installation token of a GitHub App entry: the stored one while it is
   * valid for another minute, else the one this instance minted, else a new
   * one from the App's private key (functions/shared/github-app.ts); never
   * `rejected`.
   */
  private async installationToken(c: GatewayCredential, value: CredentialValue, rejected: string | undefined): Promise<string> {
    const stored = Date.parse(value.expires_at ?? '');
    if (value.token && value.token !== rejected && !Number.isNaN(stored) && stored - REFRESH_MARGIN_MS > this.now()) return value.token;
    const key = `${c.location}\n${value.installation_id ?? ''}`;
    const mine = this.refreshed.get(key);
    if (mine && mine.accessToken !== rejected && mine.expiresAt - REFRESH_MARGIN_MS > this.now()) return mine.accessToken;
    try {
      const minted = await mintInstallationToken(value, c.tokenUrl ?? `${GITHUB_API}/app/installations`, this.fetchFn, this.now);
      this.refreshed.set(key, { accessToken: minted.token, expiresAt: minted.expiresAt });
      return minted.token;
    } catch (e) {
      throw new CredentialError(`${c.location}: ${(e as Error).message}`);
    }
  }

  /**
   * The access token of an OAuth2 entry: the stored one while it is valid,
   * else the one this instance refreshed, else a new one from the token
   * endpoint; never `rejected` (the one the provider just refused).
   */
  private async accessToken(c: GatewayCredential, value: CredentialValue, rejected: string | undefined): Promise<string> {
    const refreshToken = value.refresh_token;
    const key = `${c.location}\n${refreshToken}`;
    const stored = Date.parse(value.expires_at ?? '');
    if (value.access_token && value.access_token !== rejected && (Number.isNaN(stored) || stored - REFRESH_MARGIN_MS > this.now())) return value.access_token;
    const mine = this.refreshed.get(key);
    if (mine && mine.accessToken !== rejected && mine.expiresAt - REFRESH_MARGIN_MS > this.now()) return mine.accessToken;
    if (!c.tokenUrl) throw new CredentialError(`${c.location}: the access token expired and the credential has no tokenUrl to refresh it at`);
    if (!value.client_id || !value.client_secret) throw new CredentialError(`${c.location}: refreshing needs client_id and client_secret in the entry`);
    const url = new URL(c.tokenUrl);
    // RFC 6749 §6, the client's credentials in the body (§2.3.1), as the rotate function does.
    const res = await this.fetchFn(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: value.client_id,
        client_secret: value.client_secret,
      }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    let body: Record<string, unknown> | undefined;
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (!res.ok || typeof body?.access_token !== 'string') {
      const error = typeof body?.error === 'string' ? ` ${body.error}` : '';
      throw new CredentialError(`${c.location}: the token endpoint ${url.host}${url.pathname} answered HTTP ${res.status}${error}`);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.refreshed.set(key, { accessToken: body.access_token, expiresAt: this.now() + expiresIn * 1000 });
    return body.access_token;
  }
}
