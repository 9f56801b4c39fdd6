/** Small value checks shared by the validation rules. */
import { isIPv4, isIPv6 } from 'net';
import { parseSchedule } from '../../model/schedule';

/** Every capability a Vault (or OpenBao) policy accepts. */
export const VAULT_CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe'] as const;

/** Why an EventBridge Scheduler expression is invalid, or `undefined`. */
export function scheduleProblem(expression: string): string | undefined {
  return parseSchedule(expression).problem;
}

/**
 * Why a CIDR block is invalid, or `undefined`: an address Go's
 * `net.ParseCIDR` reads (Vault's bound CIDRs) and AWS accepts, with a prefix
 * length in range. No leading zeros (`010.1.0.0`), no zone (`fe80::1%eth0`).
 */
export function cidrProblem(cidr: string): string | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(cidr);
  if (!m) return 'is not a CIDR such as 10.0.0.0/16';
  const [, address, length] = m;
  const bits = Number(length);
  if (isIPv4(address)) {
    if (bits > 32) return 'has a prefix length above 32';
  } else if (isIPv6(address) && !address.includes('%')) {
    if (bits > 128) return 'has a prefix length above 128';
  } else {
    return 'is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)';
  }
  if (bits === 0) return 'allows every address; name the networks the agent runs in';
  return undefined;
}

/**
 * Why a Vault path may not be granted to an agent, or `undefined`.
 *
 * Agents never reach `sys/` (server administration), `auth/` (other identities),
 * `identity/`, or another agent's credentials; globs would grant unnamed paths.
 */
export function vaultPathProblem(path: string, reserved: readonly { prefix: string; why: string }[]): string | undefined {
  if (path.startsWith('/')) return 'starts with /; write the API path without it, e.g. transit/encrypt/invoices';
  if (path.split('/').some((s) => s === '..' || s === '.')) return 'contains a . or .. segment';
  if (path.includes('//') || path.endsWith('/') || path === '') return 'has an empty segment';
  if (/[*+]/.test(path)) return 'contains a wildcard (* or +); name the exact path';
  if (!/^[A-Za-z0-9_.\-/]+$/.test(path)) return 'contains characters Vault paths do not allow';
  const root = path.split('/')[0];
  if (['sys', 'auth', 'identity', 'cubbyhole'].includes(root)) return `is under ${root}/, which agents must not reach`;
  for (const r of reserved) {
    if (path === r.prefix.replace(/\/$/, '') || path.startsWith(r.prefix)) return r.why;
  }
  return undefined;
}

/** Every string in `value` (map keys included) with its path, for the interpolation check. */
export function* stringsIn(value: unknown, path: (string | number)[] = []): Generator<{ path: (string | number)[]; text: string; key: boolean }> {
  if (typeof value === 'string') {
    yield { path, text: value, key: false };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...path, i]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield { path: [...path, k], text: k, key: true };
      yield* stringsIn(v, [...path, k]);
    }
  }
}

/**
 * Characters no table value may hold: C0 and C1 control characters (a lone
 * CR ends a Markdown line; an escape sequence rewrites a terminal), DEL, the
 * Unicode line and paragraph separators, and the bidirectional overrides
 * that make text read other than it runs. Free text (descriptions, actions)
 * may hold tabs and line feeds.
 */
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN_IN_NAMES = /[\t\n]/;

/** Names of the characters {@link controlCharacterProblem} reports, for messages. */
const CHARACTER_NAMES: Record<number, string> = {
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
};

/** Why a table value holds a character it must not, or `undefined`. */
export function controlCharacterProblem(value: string, freeText: boolean): string | undefined {
  const chars = [...value];
  const at = chars.findIndex((c) => FORBIDDEN.test(c) || (!freeText && FORBIDDEN_IN_NAMES.test(c)));
  if (at === -1) return undefined;
  const code = chars[at].codePointAt(0)!;
  const name = CHARACTER_NAMES[code] ?? (code >= 0x202a ? 'bidirectional control' : 'control character');
  return `holds U+${code.toString(16).toUpperCase().padStart(4, '0')} (${name}) at character ${at + 1}`;
}

/**
 * Why a URL is not one the fleet may call or hand out, or `undefined`: an
 * `https://` URL (or `http://` to this machine, for a local dev server) with a
 * host, an optional port and path, anchored at both ends, no whitespace or
 * control characters, and no user info (credentials never go in a URL).
 */
export function urlProblem(url: string): string | undefined {
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(url)) return 'holds whitespace or a control character';
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/i.exec(url);
  if (!m) return 'is not an absolute URL such as https://vault.example.com:8200';
  const [, scheme, authority, rest] = m;
  if (authority.includes('@')) return 'carries user info (user:password@); credentials never go in a URL';
  const host = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::(\d{1,5}))?$/.exec(authority);
  if (!host || (host[2] !== undefined && (Number(host[2]) < 1 || Number(host[2]) > 65535))) return 'has no valid host (and port)';
  const local = /^(127\.0\.0\.1|localhost|\[::1\])$/i.test(host[1]);
  if (scheme.toLowerCase() !== 'https' && !(scheme.toLowerCase() === 'http' && local)) return 'is not an https:// URL';
  if (!/^[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=%]*$/.test(rest)) return 'has characters a URL may not hold unencoded';
  return undefined;
}
