import { Fetch } from '../../shared/vault';
import { CredentialConfig } from '../../shared/credentials';

/** A credential's value: the fields of its KV v2 entry or Secrets Manager secret. */
export type CredentialValue = Record<string, string>;

/**
 * Rotates one kind of SaaS credential through its provider's API.
 *
 * `rotate` asks the provider for a new credential and returns the value to
 * store; it must leave the current credential working, so that a failure
 * anywhere before the new value is stored changes nothing. Retiring the old
 * credential, where the provider needs it, happens in `retire`, called only
 * once the new value is stored.
 */
export interface Rotator {
  /** `false` for credentials rotated by hand: the job only reports them. */
  readonly automatic: boolean;
  /** `management`: the credential's management credential (`credentials.<name>.management`), for key-management calls. */
  rotate(current: CredentialValue, credential: CredentialConfig, fetch: Fetch, management?: CredentialValue): Promise<CredentialValue>;
  /** Invalidates `previous` at the provider, once `next` is stored. */
  retire?(previous: CredentialValue, next: CredentialValue, credential: CredentialConfig, fetch: Fetch, management?: CredentialValue): Promise<void>;
}

/** A provider refused or answered unexpectedly. The message names the call and status, never a secret. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

/** The fields of `current` that `rotator` needs and are missing or empty (names only, never values). */
export function missingFields(current: CredentialValue, fields: readonly string[]): string[] {
  return fields.filter((f) => typeof current[f] !== 'string' || current[f] === '');
}

/** `https://…`, or `http://` to a loopback address (a local test server). */
export function checkProviderUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RotationError(`${what} is not a URL: ${url}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new RotationError(`${what} must use https: ${parsed.protocol}//${parsed.host}`);
  }
  return parsed;
}

/** Reads a provider's JSON answer; a body that is not JSON becomes `undefined`. */
export async function jsonBody(res: Response): Promise<Record<string, unknown> | undefined> {
  const text = await res.text();
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A provider's answer: its status, and its JSON body when it has one. */
export interface ProviderAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
}

/**
 * One call of a provider's JSON API with `Authorization: Bearer <key>`
 * (a JSON body when `body` is given), 15 s at most.
 *
 * @param what how error messages name the API's URL, e.g. `the SendGrid API URL`
 */
export async function bearerJson(fetchFn: Fetch, url: string, what: string, key: string, method: string, body?: unknown): Promise<ProviderAnswer> {
  const res = await fetchFn(checkProviderUrl(url, what), {
    method,
    headers: { Authorization: `Bearer ${key}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: await jsonBody(res) };
}
