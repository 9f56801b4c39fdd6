/**
 * The request target, read the way the gateway forwards it: `/<api>/<path>`
 * in origin form, normalised by refusal. Anything a proxy could be tricked
 * with — an absolute or authority-form target, a leading `//`, an encoded
 * separator (`%2f`, `%5c`), a plain or encoded dot segment, a backslash, an
 * empty segment, a control or non-ASCII character, a broken escape, a
 * fragment — is refused, never repaired: what is matched against the
 * agent's endpoints is exactly what the provider receives.
 */

/** A target the gateway may forward: the API, its path (`/…`, still percent-encoded as sent), the raw query (no `?`). */
export interface GatewayTarget {
  readonly api: string;
  readonly path: string;
  readonly query: string;
}

/** The target, or why it is refused. */
export type TargetResult = { readonly target: GatewayTarget; readonly refused?: undefined } | { readonly target?: undefined; readonly refused: string };

/** An API name: the first segment. */
const API_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** What a path or query may hold unencoded (RFC 3986 pchar, `/`, `?`), without `\` and `#`. */
const URL_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%[\]]*$/;

/** Reads a raw request target (`req.url`, a Function URL's `rawPath` and `rawQueryString` joined by `?`). */
export function parseTarget(raw: string): TargetResult {
  if (raw === '*') return { refused: 'the asterisk-form target (*) names no path' };
  if (/^[^/?#]+:\d+$/.test(raw)) return { refused: 'the target is not a path (authority-form or relative): send /<api>/<path>' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw))
    return { refused: 'the target is an absolute URL (absolute-form): send the path only; the gateway builds the URL from the API' };
  if (!raw.startsWith('/')) return { refused: 'the target is not a path (authority-form or relative): send /<api>/<path>' };
  if (raw.startsWith('//')) return { refused: 'the target starts with //, which a client may read as a host' };
  if (raw.includes('\\')) return { refused: 'the target holds a backslash, which some servers read as /' };
  if (raw.includes('#')) return { refused: 'the target holds a fragment (#)' };
  if (!URL_CHARACTERS.test(raw)) return { refused: 'the target holds a control, space or non-ASCII character, or one a URL may not hold unencoded' };
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return { refused: 'the target holds a % that is not an escape (%XX)' };
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  if (/%2f|%5c/i.test(path)) return { refused: 'the path holds an encoded separator (%2F or %5C)' };
  if (/%00/.test(raw)) return { refused: 'the target holds an encoded NUL (%00)' };
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s === '') return { refused: 'the path has an empty segment (// or a trailing /)' };
    const decoded = decodeSegment(s);
    if (decoded === '.' || decoded === '..') return { refused: 'the path has a dot segment (. or .., plain or encoded)' };
  }
  const [api, ...rest] = segments;
  if (!API_NAME.test(api)) return { refused: `the first segment is not an API name (lowercase kebab-case): /<api>/<path>` };
  return { target: { api, path: `/${rest.join('/')}`, query } };
}

/** A segment with its escapes decoded; `undefined` when they are not UTF-8 (then it is no dot segment either). */
function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
