/**
 * The headers of a forwarded request and of the answer. Going up: hop-by-hop
 * headers, every header the `Connection` header names, every credential the
 * caller sent, `Host` and the forwarding headers are dropped, and the
 * provider's credential is added last, where its API places it. Coming back:
 * hop-by-hop headers and cookies are dropped.
 */
import { CredentialPlacement } from '../../model/apis';

/** Headers meant for one connection only (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Credentials a caller may send, to the gateway or meant for a provider: none goes up. */
const CREDENTIALS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-scoped-agents-key', 'x-vault-token', 'x-api-key', 'api-key', 'x-auth-token']);
/** Set by the gateway itself, or saying where the call came from. */
const OWN = new Set([
  'host',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
]);
/** Never forwarded to the provider, whatever the request. */
const NEVER_UP = new Set([...HOP_BY_HOP, ...CREDENTIALS, ...OWN]);
/** Never passed back to the caller. */
const NEVER_DOWN = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2', 'proxy-authenticate']);
/** A caller's `Connection` may not name these: it would ask the gateway to drop what authenticates or frames the call. */
const MAY_NOT_BE_NAMED = new Set(['authorization', 'x-scoped-agents-key', 'x-vault-token', 'host', 'content-length', 'transfer-encoding', 'content-type']);

/** Headers as the runtimes give them: lowercase names; a repeated header's values joined or as a list. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One header's value as a single string (a list joined with `, `, as RFC 9110 folds them). */
export function headerValue(headers: IncomingHeaders, name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
}

/** The header names a `Connection` value lists, lowercase. */
function connectionNames(headers: IncomingHeaders): string[] {
  return (headerValue(headers, 'connection') ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** Why the caller's headers are refused, if they are: an `Upgrade`, or a `Connection` naming a header the gateway relies on. */
export function headersProblem(headers: IncomingHeaders, placement: CredentialPlacement): string | undefined {
  if (headers.upgrade !== undefined || connectionNames(headers).includes('upgrade')) return 'the gateway does not upgrade connections (Upgrade)';
  const placed = placement.type === 'header' ? placement.name.toLowerCase() : undefined;
  const named = connectionNames(headers).find((n) => MAY_NOT_BE_NAMED.has(n) || n === placed);
  if (named !== undefined) return `the Connection header names ${named}, which the gateway does not drop on request`;
  return undefined;
}

/**
 * The headers to send the provider: the caller's, less what is dropped,
 * then the credential. `Content-Length` is the gateway's, from the body it
 * forwards.
 */
export function upstreamHeaders(headers: IncomingHeaders, placement: CredentialPlacement, credential: string, bodyLength: number): Record<string, string> {
  const named = headers.connection === undefined ? [] : connectionNames(headers);
  const placed = placement.type === 'header' ? placement.name.toLowerCase() : undefined;
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (NEVER_UP.has(lower) || lower === placed || named.includes(lower)) continue;
    const value = headerValue(headers, name);
    if (value !== undefined) out[lower] = value;
  }
  if (bodyLength > 0) out['content-length'] = String(bodyLength);
  // The credential last: nothing above can replace it.
  if (placement.type === 'bearer') out.authorization = `Bearer ${credential}`;
  else if (placement.type === 'basic') out.authorization = `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;
  else if (placement.type === 'header') out[placement.name.toLowerCase()] = `${placement.prefix ?? ''}${credential}`;
  return out;
}

/** The query to send the provider: the caller's, with the credential added last for a `query` placement (any parameter of that name dropped first). */
export function upstreamQuery(query: string, placement: CredentialPlacement, credential: string): string {
  if (placement.type !== 'query') return query;
  const kept = query.split('&').filter((p) => p !== '' && decodeName(p.split('=')[0]) !== placement.name);
  return [...kept, `${encodeURIComponent(placement.name)}=${encodeURIComponent(credential)}`].join('&');
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** The provider's answer headers as the caller gets them: no hop-by-hop header, no header its `Connection` names, no cookie. */
export function downstreamHeaders(headers: IncomingHeaders): Record<string, string | string[]> {
  const named = headers.connection === undefined ? [] : connectionNames(headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || NEVER_DOWN.has(lower) || named.includes(lower)) continue;
    out[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
  }
  return out;
}
