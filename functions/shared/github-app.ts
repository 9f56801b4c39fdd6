/**
 * GitHub App installation tokens: an installation token lives one hour, so
 * the credential an agent's calls carry is minted from the App's private key
 * (the entry's `app_id`, `installation_id`, `private_key`) when the one held
 * is about to expire — by the gateway on demand, and by the nightly rotation
 * (which stores a fresh one). GitHub documents the exchange: a JWT signed
 * RS256 with the App's key (`iss` the App id, `iat` a minute back for clock
 * drift, `exp` at most ten minutes on) authenticates
 * `POST /app/installations/{installation_id}/access_tokens`, which answers
 * 201 `{ token, expires_at }`.
 */
import { createPrivateKey, createSign } from 'crypto';
import { Fetch } from './vault';

/** The API's base URL, where the table names none. */
export const GITHUB_API = 'https://api.github.com';

/** A minted installation token and when it expires (ms since the epoch). */
export interface InstallationToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** The exchange failed; the message names the call and status, never a key or token. */
export class GitHubAppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitHubAppError';
  }
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The App's JWT for `now` (seconds since the epoch): RS256, valid from a minute back to nine minutes on. */
export function appJwt(appId: string, privateKeyPem: string, now: number): string {
  let key;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new GitHubAppError('the entry’s private_key is not a PEM private key');
  }
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ iat: now - 60, exp: now + 540, iss: appId }));
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${base64url(signature)}`;
}

/** The fields a GitHub App credential's entry must hold. */
export const GITHUB_APP_FIELDS = ['app_id', 'installation_id', 'private_key'] as const;

/**
 * Mints an installation token for the entry's App and installation.
 *
 * @param installationsUrl `<api>/app/installations` (the credential's `tokenUrl`)
 */
export async function mintInstallationToken(
  value: Readonly<Record<string, string | undefined>>,
  installationsUrl: string,
  fetchFn: Fetch,
  now: () => number = Date.now,
): Promise<InstallationToken> {
  const missing = GITHUB_APP_FIELDS.filter((f) => !value[f]);
  if (missing.length > 0) throw new GitHubAppError(`a GitHub App credential needs ${missing.join(', ')} in its entry`);
  const url = `${installationsUrl.replace(/\/+$/, '')}/${encodeURIComponent(value.installation_id!)}/access_tokens`;
  const res = await fetchFn(url, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${appJwt(value.app_id!, value.private_key!, Math.floor(now() / 1000))}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    },
    signal: AbortSignal.timeout(10_000),
  });
  let body: Record<string, unknown> | undefined;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  if (res.status !== 201 || typeof body?.token !== 'string') {
    const message = typeof body?.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
    throw new GitHubAppError(`GitHub POST /app/installations/{installation_id}/access_tokens answered HTTP ${res.status}${message}`);
  }
  const expiresAt = Date.parse(String(body.expires_at ?? ''));
  return { token: body.token, expiresAt: Number.isNaN(expiresAt) ? now() + 3_600_000 : expiresAt };
}
