import { createVerify, KeyObject } from 'crypto';
import { FakeAnswer, FakeHttpServer, mediaType, RecordedRequest, startFakeHttp } from './fake-http';

/**
 * The revocation endpoints of HubSpot, Slack, Zendesk, GitHub and OpenAI and
 * an RFC 7009 authorization server, on one local server, each checking the
 * request shape its provider documents and keeping which credentials are
 * alive, so a second revocation finds nothing to revoke:
 * - HubSpot `DELETE /oauth/v1/refresh-tokens/{token}` → 204, 404 when unknown;
 * - RFC 7009 `POST /oauth2/revoke`, form-encoded `token` (+ `token_type_hint`)
 *   and the client in the body → 200 whether or not the token was alive,
 *   401 `invalid_client` for another client, 400 `invalid_request` without token;
 * - Slack `POST /api/auth.revoke` with `Authorization: Bearer <token>` → 200
 *   `{ ok: true, revoked: true }`, or `{ ok: false, error: "invalid_auth" }` for a dead token;
 * - Zendesk `DELETE /api/v2/oauth/tokens/{id}.json` with an admin's Bearer
 *   token → 204, 404 unknown, 403 not an admin; `…/tokens/current.json` with
 *   the token itself → 204, 401 when it no longer authenticates;
 * - GitHub `POST /app/installations/{installation_id}/access_tokens` with the
 *   App's JWT (RS256, verified with the App's public key; `iss` the App id,
 *   at most ten minutes between `iat` and `exp`) → 201 `{ token, expires_at }` an hour on;
 * - GitHub `POST /credentials/revoke` (no authentication), JSON
 *   `{ credentials: [1..1000 strings] }`, `Accept: application/vnd.github+json` → 202, else 422;
 * - OpenAI `POST /v1/organization/projects/{project_id}/service_accounts { name }`
 *   with an admin key → 200 with the account and its `api_key` (value shown once);
 *   `DELETE …/service_accounts/{id}` → 200 `{ deleted: true }` (its key goes too), 404 unknown;
 * - OpenAI `DELETE /v1/organization/projects/{project_id}/api_keys/{key_id}`
 *   with an admin key (`sk-admin-…`) → 200 `{ object, id, deleted: true }`,
 *   404 unknown, 401 not an admin key.
 * `failNext(prefix, statuses)` makes the next requests under a path prefix
 * answer those statuses first (an overloaded provider).
 */
export interface FakeProviders extends FakeHttpServer {
  /** Live credentials: HubSpot refresh tokens, Slack and Zendesk tokens, GitHub tokens, OpenAI `project/key` ids. */
  readonly live: Set<string>;
  readonly zendeskTokens: Map<string, string>;
  failNext(prefix: string, statuses: readonly number[]): void;
  /** A GitHub App installation whose JWTs (signed with the App's key) mint installation tokens. */
  addGithubApp(installationId: string, appId: string, publicKey: KeyObject): void;
}

export const RFC7009_CLIENT = { id: 'client-1', secret: 'client-secret-1' } as const;
export const ZENDESK_ADMIN = 'zendesk-admin-token';
export const OPENAI_ADMIN = 'sk-admin-fake';

export async function startFakeProviders(): Promise<FakeProviders> {
  const live = new Set<string>();
  const zendeskTokens = new Map<string, string>();
  const failures: { prefix: string; statuses: number[] }[] = [];
  // GitHub Apps by installation id: the App's id and public key.
  const githubApps = new Map<string, { appId: string; publicKey: KeyObject }>();
  let githubTokens = 0;
  // OpenAI service accounts: `project/account id` → its key id.
  const serviceAccounts = { counter: 0, live: new Map<string, string>() };
  const bearer = (req: RecordedRequest): string | undefined => /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];

  const route = (req: RecordedRequest): FakeAnswer => {
    const failing = failures.find((f) => req.path.startsWith(f.prefix) && f.statuses.length > 0);
    if (failing) return { status: failing.statuses.shift()!, body: { error: 'temporarily unavailable' } };

    let m = /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/.exec(req.path);
    if (m && req.method === 'DELETE')
      return live.delete(decodeURIComponent(m[1]!)) ? { status: 204 } : { status: 404, body: { status: 'error', message: 'not found' } };

    if (req.path === '/oauth2/revoke' && req.method === 'POST') {
      if (mediaType(req) !== 'application/x-www-form-urlencoded') return { status: 400, body: { error: 'invalid_request' } };
      const form = new URLSearchParams(req.body);
      if (form.get('client_id') !== RFC7009_CLIENT.id || form.get('client_secret') !== RFC7009_CLIENT.secret)
        return { status: 401, body: { error: 'invalid_client' } };
      const token = form.get('token');
      if (!token) return { status: 400, body: { error: 'invalid_request' } };
      live.delete(token);
      return { status: 200 };
    }

    if (req.path === '/api/auth.revoke' && req.method === 'POST') {
      const token = bearer(req);
      if (!token || !live.has(token)) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      live.delete(token);
      return { status: 200, body: { ok: true, revoked: true } };
    }

    m = /^\/api\/v2\/oauth\/tokens\/([^/]+)\.json$/.exec(req.path);
    if (m && req.method === 'DELETE') {
      const token = bearer(req);
      if (m[1] === 'current') {
        if (!token || !live.has(token)) return { status: 401, body: { error: "Couldn't authenticate you" } };
        live.delete(token);
        return { status: 204 };
      }
      if (token !== ZENDESK_ADMIN) return { status: 403, body: { error: 'Forbidden' } };
      const value = zendeskTokens.get(m[1]!);
      if (value === undefined || !live.has(value)) return { status: 404, body: { error: 'RecordNotFound' } };
      live.delete(value);
      return { status: 204 };
    }

    m = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(req.path);
    if (m && req.method === 'POST') {
      const app = githubApps.get(m[1]!);
      const jwt = bearer(req)?.split('.') ?? [];
      if (!app || jwt.length !== 3) return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
      const [head, body, signature] = jwt as [string, string, string];
      const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { iss?: unknown; iat?: number; exp?: number };
      const signed = createVerify('RSA-SHA256').update(`${head}.${body}`).verify(app.publicKey, Buffer.from(signature, 'base64url'));
      const nowS = Date.now() / 1000;
      if (header.alg !== 'RS256' || !signed || String(claims.iss) !== app.appId)
        return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 600 || claims.exp < nowS || claims.iat > nowS + 60)
        return { status: 401, body: { message: "'Expiration time' claim ('exp') is too far in the future" } };
      if (!String(req.headers.accept ?? '').includes('application/vnd.github+json')) return { status: 415 };
      const token = `ghs_${++githubTokens}`;
      live.add(token);
      return {
        status: 201,
        body: { token, expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), permissions: { contents: 'read' } },
      };
    }

    if (req.path === '/credentials/revoke' && req.method === 'POST') {
      if (!String(req.headers.accept ?? '').includes('application/vnd.github+json') || mediaType(req) !== 'application/json') return { status: 415 };
      let body: { credentials?: unknown };
      try {
        body = JSON.parse(req.body);
      } catch {
        return { status: 422, body: { message: 'Problems parsing JSON' } };
      }
      const list = body.credentials;
      if (!Array.isArray(list) || list.length < 1 || list.length > 1000 || !list.every((c) => typeof c === 'string'))
        return { status: 422, body: { message: 'Validation Failed' } };
      for (const c of list) live.delete(c);
      return { status: 202, body: {} };
    }

    m = /^\/v1\/organization\/projects\/([^/]+)\/service_accounts(?:\/([^/]+))?$/.exec(req.path);
    if (m) {
      if (bearer(req) !== OPENAI_ADMIN) return { status: 401, body: { error: { message: 'Invalid admin key', type: 'invalid_request_error' } } };
      const project = m[1]!;
      if (req.method === 'POST' && m[2] === undefined) {
        if (mediaType(req) !== 'application/json') return { status: 400, body: { error: { message: 'expected JSON' } } };
        const name = (JSON.parse(req.body || '{}') as { name?: unknown }).name;
        if (typeof name !== 'string' || name === '') return { status: 400, body: { error: { message: "'name' is required" } } };
        const n = ++serviceAccounts.counter;
        const account = { id: `svc_acct_${n}`, key: { id: `key_${n}`, value: `sk-svcacct-${n}` } };
        serviceAccounts.live.set(`${project}/${account.id}`, account.key.id);
        live.add(`${project}/${account.key.id}`);
        return {
          status: 200,
          body: {
            object: 'organization.project.service_account',
            id: account.id,
            name,
            role: 'member',
            created_at: 1,
            api_key: {
              object: 'organization.project.service_account.api_key',
              value: account.key.value,
              name: 'Secret Key',
              created_at: 1,
              id: account.key.id,
            },
          },
        };
      }
      if (req.method === 'DELETE' && m[2] !== undefined) {
        const key = serviceAccounts.live.get(`${project}/${m[2]}`);
        if (key === undefined) return { status: 404, body: { error: { message: 'No such service account' } } };
        serviceAccounts.live.delete(`${project}/${m[2]}`);
        live.delete(`${project}/${key}`);
        return { status: 200, body: { object: 'organization.project.service_account.deleted', id: m[2], deleted: true } };
      }
      return { status: 405 };
    }

    m = /^\/v1\/organization\/projects\/([^/]+)\/api_keys\/([^/]+)$/.exec(req.path);
    if (m && req.method === 'DELETE') {
      if (bearer(req) !== OPENAI_ADMIN) return { status: 401, body: { error: { message: 'Invalid admin key', type: 'invalid_request_error' } } };
      const id = `${m[1]}/${m[2]}`;
      if (!live.delete(id)) return { status: 404, body: { error: { message: 'No such API key', type: 'invalid_request_error' } } };
      return { status: 200, body: { object: 'organization.project.api_key.deleted', id: m[2], deleted: true } };
    }
    return { status: 404, body: { error: 'no such endpoint' } };
  };

  const server = await startFakeHttp(route);
  return {
    ...server,
    live,
    zendeskTokens,
    failNext: (prefix, statuses) => failures.push({ prefix, statuses: [...statuses] }),
    addGithubApp: (installationId, appId, publicKey) => githubApps.set(installationId, { appId, publicKey }),
  };
}
