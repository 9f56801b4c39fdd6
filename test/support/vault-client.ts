/** An HTTP method the Vault API takes; `LIST` is Vault's own. */
export type VaultMethod = 'GET' | 'LIST' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What Vault answered: the HTTP status and the parsed JSON body (undefined when empty). */
export interface VaultResponse {
  readonly status: number;
  /** Its shape depends on the endpoint, so tests index it freely. */
  readonly body: any;
}

/** Options of one request. */
export interface VaultRequestOptions {
  /**
   * `X-Vault-Token`.
   * @default - the client's token; none when the client has none
   */
  readonly token?: string;
  /** JSON body. */
  readonly body?: unknown;
  /** Extra headers, e.g. `X-Forwarded-For`. */
  readonly headers?: Record<string, string>;
}

/** A tiny Vault HTTP API client over Node's global `fetch`. */
export interface VaultClient {
  readonly addr: string;
  /** `method` on `/v1/<path>`; never throws on an HTTP error status, only on a network error. */
  request(method: VaultMethod, path: string, options?: VaultRequestOptions): Promise<VaultResponse>;
  /** The same server with another token or extra headers. */
  with(defaults: { token?: string; headers?: Record<string, string> }): VaultClient;
}

/**
 * A client for the Vault (or OpenBao) server at `addr`.
 *
 * @param defaults token and headers sent with every request unless a request overrides them
 */
export function vaultClient(addr: string, defaults: { token?: string; headers?: Record<string, string> } = {}): VaultClient {
  const base = addr.replace(/\/+$/, '');
  return {
    addr: base,
    with: (more) => vaultClient(base, { token: more.token ?? defaults.token, headers: { ...defaults.headers, ...more.headers } }),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...defaults.headers, ...options.headers };
      const token = options.token ?? defaults.token;
      if (token !== undefined) headers['X-Vault-Token'] = token;
      if (options.body !== undefined) {
        // Vault takes PATCH only as a JSON merge patch.
        headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      }
      const url = `${base}/v1/${path.replace(/^\/+/, '')}`;
      const res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: res.status, body };
    },
  };
}

/** Throws unless `res.status` is one of `expected`, quoting what Vault said. */
export function expectStatus(res: VaultResponse, expected: number | readonly number[], what: string): VaultResponse {
  const allowed = typeof expected === 'number' ? [expected] : expected;
  if (!allowed.includes(res.status)) {
    throw new Error(`${what}: expected HTTP ${allowed.join(' or ')}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res;
}
