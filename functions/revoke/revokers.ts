/**
 * Revocation at the provider: one revoker per documented revocation endpoint
 * (model/providers.ts names them). Each is idempotent — a credential revoked
 * already is "nothing to revoke", not an error — and is retried with backoff
 * when the provider is overloaded or unreachable. Messages name the call and
 * the provider's status, never a credential.
 */
import type { RevokerName } from '../../model/providers';
import { CredentialConfig } from '../shared/credentials';
import { Fetch } from '../shared/vault';
import { checkProviderUrl, CredentialValue, jsonBody, missingFields } from '../rotate/rotators/rotator';

/** What a revoker did: the credential is dead at the provider now, or was already (or never existed there). */
export interface RevokerResult {
  readonly outcome: 'revoked' | 'nothing-to-revoke';
  /** The call, e.g. `DELETE /v3/api_keys/{api_key_id} → 204`. */
  readonly detail: string;
}

/** A provider refused or could not be reached; `retryable` for 429, 5xx and network errors. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Revokes one credential of one agent at its provider. */
export type Revoker = (value: CredentialValue, management: CredentialValue | undefined, credential: CredentialConfig, fetch: Fetch) => Promise<RevokerResult>;

/** The provider's default base URL, where the table's `apis:` did not give one. */
const DEFAULT_BASE: Partial<Record<RevokerName, string>> = {
  'sendgrid-api-key': 'https://api.sendgrid.com',
  'hubspot-refresh-token': 'https://api.hubapi.com',
  'slack-auth-revoke': 'https://slack.com/api',
  'github-credentials-revoke': 'https://api.github.com',
  'openai-project-key': 'https://api.openai.com',
};

interface Answer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
}

/** One HTTP call to the provider, 15 s at most; a network error is a retryable {@link ProviderError}. */
async function call(fetchFn: Fetch, url: string, what: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const target = checkProviderUrl(url, `the ${what} URL`);
  let res: Response;
  try {
    res = await fetchFn(target, { ...init, headers: { Accept: 'application/json', ...init.headers }, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new ProviderError(`${what}: ${target.host} unreachable (${(e as Error).name})`, undefined, true);
  }
  return { status: res.status, body: await jsonBody(res) };
}

/** The provider's answer as an error: status, and its error code or message (never a credential). */
function refused(what: string, a: Answer): ProviderError {
  const b = a.body ?? {};
  const errors = Array.isArray(b.errors) ? b.errors.map((e) => String((e as { message?: unknown })?.message ?? '')).filter(Boolean) : [];
  const code =
    typeof b.error === 'string'
      ? b.error
      : typeof (b.error as { message?: unknown })?.message === 'string'
        ? String((b.error as { message: string }).message)
        : undefined;
  const said = [code, ...errors].filter(Boolean).join('; ').slice(0, 200);
  return new ProviderError(`${what} answered HTTP ${a.status}${said ? `: ${said}` : ''}`, a.status, a.status === 429 || a.status >= 500);
}

function needFields(value: CredentialValue, fields: readonly string[], credential: CredentialConfig, where: string): void {
  const missing = missingFields(value, fields);
  if (missing.length > 0) throw new ProviderError(`${credential.name}: ${where} lacks ${missing.join(', ')}; revoke it by hand`, undefined, false);
}

function managementOf(management: CredentialValue | undefined, credential: CredentialConfig, field: string): string {
  if (management === undefined)
    throw new ProviderError(`${credential.name}: no management credential ${credential.management ?? ''} to revoke it with`, undefined, false);
  needFields(management, [field], credential, `the management credential ${credential.management}`);
  return management[field]!;
}

/** The credential itself, as the gateway injects it: an access token, an API key or a token. */
function tokenOf(value: CredentialValue, credential: CredentialConfig): string {
  const token = value.access_token || value.api_key || value.token;
  if (!token) throw new ProviderError(`${credential.name}: its entry holds no access_token, api_key or token; revoke it by hand`, undefined, false);
  return token;
}

const base = (credential: CredentialConfig, revoker: RevokerName): string => {
  const url = credential.baseUrl ?? DEFAULT_BASE[revoker];
  if (url === undefined) throw new ProviderError(`${credential.name}: no base URL for ${revoker} (set the API's baseUrl under apis:)`, undefined, false);
  return url.replace(/\/+$/, '');
};

const segment = (s: string): string => encodeURIComponent(s);

/** Every revoker, by name. */
export const REVOKER_IMPLEMENTATIONS: Readonly<Record<RevokerName, Revoker>> = {
  async 'sendgrid-api-key'(value, management, credential, fetchFn) {
    needFields(value, ['api_key_id'], credential, 'its entry');
    const what = 'SendGrid DELETE /v3/api_keys/{api_key_id}';
    const a = await call(fetchFn, `${base(credential, 'sendgrid-api-key')}/v3/api_keys/${segment(value.api_key_id!)}`, what, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${managementOf(management, credential, 'api_key')}` },
    });
    if (a.status === 204 || a.status === 200) return { outcome: 'revoked', detail: `${what} → ${a.status}` };
    if (a.status === 404) return { outcome: 'nothing-to-revoke', detail: `${what} → 404 (no such key)` };
    throw refused(what, a);
  },

  async 'hubspot-refresh-token'(value, _management, credential, fetchFn) {
    needFields(value, ['refresh_token'], credential, 'its entry');
    const what = 'HubSpot DELETE /oauth/v1/refresh-tokens/{refresh_token}';
    const a = await call(fetchFn, `${base(credential, 'hubspot-refresh-token')}/oauth/v1/refresh-tokens/${segment(value.refresh_token!)}`, what, {
      method: 'DELETE',
    });
    if (a.status === 204 || a.status === 200) return { outcome: 'revoked', detail: `${what} → ${a.status}` };
    if (a.status === 404) return { outcome: 'nothing-to-revoke', detail: `${what} → 404 (no such token)` };
    throw refused(what, a);
  },

  async 'oauth2-rfc7009'(value, _management, credential, fetchFn) {
    if (!credential.revocationUrl) throw new ProviderError(`${credential.name}: no revocationUrl`, undefined, false);
    needFields(value, ['client_id', 'client_secret'], credential, 'its entry');
    const hint = value.refresh_token ? 'refresh_token' : 'access_token';
    const token = value.refresh_token || value.access_token;
    if (!token) throw new ProviderError(`${credential.name}: its entry holds no refresh_token or access_token; revoke it by hand`, undefined, false);
    const url = checkProviderUrl(credential.revocationUrl, `${credential.name} revocationUrl`);
    const what = `RFC 7009 POST ${url.host}${url.pathname}`;
    const a = await call(fetchFn, url.toString(), what, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint, client_id: value.client_id!, client_secret: value.client_secret! }).toString(),
    });
    // RFC 7009 §2.2: 200 whether or not the token was valid; the server invalidates it either way.
    if (a.status === 200) return { outcome: 'revoked', detail: `${what} (${hint}) → 200` };
    throw refused(what, a);
  },

  async 'slack-auth-revoke'(value, _management, credential, fetchFn) {
    const what = 'Slack POST /api/auth.revoke';
    const a = await call(fetchFn, `${base(credential, 'slack-auth-revoke')}/auth.revoke`, what, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenOf(value, credential)}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    if (a.status !== 200) throw refused(what, a);
    if (a.body?.ok === true) return { outcome: a.body.revoked === true ? 'revoked' : 'nothing-to-revoke', detail: `${what} → ok` };
    // Slack answers 200 with { ok: false, error }: a token already dead cannot authenticate its own revocation.
    if (['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive', 'not_authed'].includes(String(a.body?.error))) {
      return { outcome: 'nothing-to-revoke', detail: `${what} → ${String(a.body?.error)}` };
    }
    throw new ProviderError(`${what} answered ok: false: ${String(a.body?.error ?? 'no error code')}`, 200, a.body?.error === 'ratelimited');
  },

  async 'zendesk-oauth-token'(value, management, credential, fetchFn) {
    const byId = management !== undefined && Boolean(value.token_id);
    const what = byId ? 'Zendesk DELETE /api/v2/oauth/tokens/{token_id}.json' : 'Zendesk DELETE /api/v2/oauth/tokens/current.json';
    const path = byId ? `/api/v2/oauth/tokens/${segment(value.token_id!)}.json` : '/api/v2/oauth/tokens/current.json';
    const bearer = byId ? managementOf(management, credential, management!.access_token ? 'access_token' : 'token') : tokenOf(value, credential);
    const a = await call(fetchFn, `${base(credential, 'zendesk-oauth-token')}${path}`, what, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${bearer}` },
    });
    if (a.status === 204 || a.status === 200) return { outcome: 'revoked', detail: `${what} → ${a.status}` };
    // By id: no such token. With the token itself: it no longer authenticates, so it is dead already.
    if ((byId && a.status === 404) || (!byId && a.status === 401)) return { outcome: 'nothing-to-revoke', detail: `${what} → ${a.status}` };
    throw refused(what, a);
  },

  async 'github-credentials-revoke'(value, _management, credential, fetchFn) {
    const what = 'GitHub POST /credentials/revoke';
    const a = await call(fetchFn, `${base(credential, 'github-credentials-revoke')}/credentials/revoke`, what, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
      body: JSON.stringify({ credentials: [value.token || value.access_token || tokenOf(value, credential)] }),
    });
    // 202: accepted; GitHub revokes the token and notifies its owner.
    if (a.status === 202) return { outcome: 'revoked', detail: `${what} → 202` };
    throw refused(what, a);
  },

  async 'openai-project-key'(value, management, credential, fetchFn) {
    needFields(value, ['project_id', 'key_id'], credential, 'its entry');
    const what = 'OpenAI DELETE /v1/organization/projects/{project_id}/api_keys/{key_id}';
    const a = await call(
      fetchFn,
      `${base(credential, 'openai-project-key')}/v1/organization/projects/${segment(value.project_id!)}/api_keys/${segment(value.key_id!)}`,
      what,
      { method: 'DELETE', headers: { Authorization: `Bearer ${managementOf(management, credential, 'api_key')}` } },
    );
    if (a.status === 200 && a.body?.deleted === true) return { outcome: 'revoked', detail: `${what} → 200` };
    if (a.status === 404) return { outcome: 'nothing-to-revoke', detail: `${what} → 404 (no such key)` };
    throw refused(what, a);
  },
};

/** Backoff between attempts: 0.25 s, then 1 s. */
export const RETRY_DELAYS_MS = [250, 1000] as const;

/**
 * Runs `attempt` until it succeeds, it fails for good, or every retry in
 * `delays` is spent (retrying only a {@link ProviderError} marked retryable).
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  delays: readonly number[] = RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof ProviderError) || !e.retryable || i >= delays.length) throw e;
      await sleep(delays[i]!);
    }
  }
}
