/**
 * A minimal Vault (or OpenBao) HTTP API client for the functions, and the
 * AppRole login each function performs with its own least-privilege role.
 */

/** An HTTP method the Vault API takes; `LIST` is Vault's own. */
export type VaultMethod = 'GET' | 'LIST' | 'POST' | 'PUT' | 'DELETE';

/** What Vault answered. `body` is the parsed JSON (undefined when empty); its shape depends on the endpoint. */
export interface VaultResponse {
  readonly status: number;
  // Each endpoint answers its own shape; callers read the fields they know.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** The `fetch` the functions use (Node's global one in Lambda, the same in tests). */
export type Fetch = typeof fetch;

/** Raised when Vault answers a status the caller did not expect; quotes Vault's errors, never a token. */
export class VaultError extends Error {
  constructor(
    readonly what: string,
    readonly method: VaultMethod,
    readonly path: string,
    readonly status: number,
    readonly errors: readonly string[],
  ) {
    super(`${what}: ${method} ${path} answered HTTP ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    this.name = 'VaultError';
  }
}

/** A Vault server seen through one token. */
export interface Vault {
  readonly addr: string;
  /** `method` on `/v1/<path>`; never throws on an HTTP status, only on a network error. */
  request(method: VaultMethod, path: string, body?: unknown): Promise<VaultResponse>;
  /**
   * Like {@link request}, but throws a {@link VaultError} naming `what` unless
   * the status is one of `expected`.
   */
  call(method: VaultMethod, path: string, body: unknown, expected: readonly number[], what: string): Promise<VaultResponse>;
}

function errorsOf(body: unknown): string[] {
  const errors = (body as { errors?: unknown })?.errors;
  return Array.isArray(errors) ? errors.map((e) => String(e).replace(/\s+/g, ' ').trim()) : [];
}

/**
 * A client for the server at `addr`, sending `token` with every request.
 *
 * @param fetchFn @default the global fetch
 * @param timeoutMs per request @default 10000
 */
export function vaultClient(addr: string, token: string | undefined, fetchFn: Fetch = fetch, timeoutMs = 10_000): Vault {
  const base = addr.replace(/\/+$/, '');
  const request = async (method: VaultMethod, path: string, body?: unknown): Promise<VaultResponse> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['X-Vault-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetchFn(`${base}/v1/${path.replace(/^\/+/, '')}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  };
  return {
    addr: base,
    request,
    async call(method, path, body, expected, what) {
      const res = await request(method, path, body);
      if (!expected.includes(res.status)) throw new VaultError(what, method, path, res.status, errorsOf(res.body));
      return res;
    },
  };
}

/** An AppRole login: what the function's Secrets Manager secret holds. */
export interface AppRoleCredentials {
  readonly role_id: string;
  readonly secret_id: string;
}

/** Checks that a secret's JSON is an AppRole login, without ever quoting its values. */
export function appRoleCredentialsFrom(value: unknown, where: string): AppRoleCredentials {
  const v = value as Partial<Record<string, unknown>> | null;
  if (!v || typeof v.role_id !== 'string' || typeof v.secret_id !== 'string' || v.role_id === '' || v.secret_id === '') {
    throw new Error(`${where} must hold JSON { "role_id": "…", "secret_id": "…" } (an AppRole login)`);
  }
  return { role_id: v.role_id, secret_id: v.secret_id };
}

/**
 * Logs in with AppRole on `auth/<mount>/login` and returns a client holding the
 * new token.
 *
 * @throws VaultError when the login is refused (the message says which role mount)
 */
export async function appRoleLogin(addr: string, mount: string, credentials: AppRoleCredentials, fetchFn: Fetch = fetch): Promise<Vault> {
  const anonymous = vaultClient(addr, undefined, fetchFn);
  const res = await anonymous.call('POST', `auth/${mount}/login`, credentials, [200], 'AppRole login of this function');
  const token = res.body?.auth?.client_token;
  if (typeof token !== 'string') throw new Error(`AppRole login on auth/${mount}/login answered 200 without auth.client_token`);
  return vaultClient(addr, token, fetchFn);
}
