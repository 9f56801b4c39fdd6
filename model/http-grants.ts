/**
 * The HTTP endpoints a scope grants through the fleet's gateway: `METHOD
 * /path-pattern` entries on one API. One reading for the table's validation,
 * the review's diff and the gateway's decision, so that what is checked is
 * what is enforced.
 *
 * A pattern is a path of segments: a literal segment matches itself, `*`
 * matches exactly one segment, and `**` (last only) matches one or more. A
 * request path must already be normalised (see `functions/gateway/path.ts`).
 */

/** The methods a grant may name. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** One of {@link HTTP_METHODS}. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One endpoint a scope grants: a method and a path pattern on an API. */
export interface HttpEndpoint {
  readonly api: string;
  readonly method: HttpMethod;
  /** Starts with `/`; segments are literal, `*` or (last) `**`. */
  readonly path: string;
}

/** A character a literal segment may hold (RFC 3986 `pchar` without `%`: encoded characters are refused at the door). */
const SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@]+$/;

/**
 * Reads `METHOD /path-pattern`, or says why it is not a grant the gateway
 * may hold: an unknown method, every method at once, a path that is not
 * absolute, a wildcard at the root (`/*`, `/**`: every path of the API), an
 * empty, dot or encoded segment, a `**` before the end, a query string.
 */
export function parseEndpoint(api: string, text: string): { endpoint?: HttpEndpoint; problem?: string } {
  const m = /^(\S+) (\S+)$/.exec(text.trim());
  if (!m) return { problem: 'is not METHOD /path, e.g. GET /crm/v3/objects/contacts/*' };
  const [, method, path] = m;
  if (method === '*' || method.toUpperCase() === 'ANY') return { problem: 'grants every method; name each one, e.g. GET' };
  if (!(HTTP_METHODS as readonly string[]).includes(method))
    return { problem: `has the method ${JSON.stringify(method)}; use one of ${HTTP_METHODS.join(', ')} (upper case)` };
  if (!path.startsWith('/') || path.startsWith('//')) return { problem: 'has a path that does not start with a single /: it is a path of the API, not a URL' };
  if (/[?#]/.test(path)) return { problem: 'has a query string or fragment; grant the path alone' };
  const segments = path.slice(1).split('/');
  if (path === '/' || segments.every((s) => s === '*' || s === '**'))
    return { problem: "has a wildcard at the root, which grants every path of the API; name the path's first segments" };
  for (const [i, s] of segments.entries()) {
    if (s === '') return { problem: 'has an empty segment (// or a trailing /)' };
    if (s === '.' || s === '..') return { problem: 'has a . or .. segment' };
    if (s === '**' && i !== segments.length - 1) return { problem: 'has ** before the end; ** may only end a pattern' };
    if (s !== '*' && s !== '**' && !SEGMENT.test(s))
      return { problem: `has the segment ${JSON.stringify(s)}, with characters a path segment may not hold unencoded` };
  }
  return { endpoint: { api, method: method as HttpMethod, path } };
}

/** Whether a normalised request path (no query) matches a pattern. */
export function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.slice(1).split('/');
  const have = path.slice(1).split('/');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '**') return have.length > i && have.slice(i).every((s) => s !== '');
    if (i >= have.length || have[i] === '') return false;
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}

/** The endpoint of `endpoints` that admits the request, if any. */
export function endpointFor(endpoints: readonly HttpEndpoint[], api: string, method: string, path: string): HttpEndpoint | undefined {
  return endpoints.find((e) => e.api === api && e.method === method && pathMatches(e.path, path));
}

/**
 * Whether pattern `wide` admits every path `narrow` admits (so that a change
 * from `narrow` to `wide` grants nothing new). Used by the diff: a pattern
 * that is not covered by the old ones broadens.
 */
export function patternCovers(wide: string, narrow: string): boolean {
  const w = wide.slice(1).split('/');
  const n = narrow.slice(1).split('/');
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '**') return n.length > i;
    if (i >= n.length) return false;
    if (n[i] === '**') return false;
    if (w[i] !== '*' && (n[i] === '*' || w[i] !== n[i])) return false;
  }
  return w.length === n.length;
}

/** `GET /crm/v3/objects/contacts/*`, as a grant is written. */
export function endpointText(e: Pick<HttpEndpoint, 'method' | 'path'>): string {
  return `${e.method} ${e.path}`;
}
