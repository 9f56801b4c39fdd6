/** Small value checks shared by the validation rules. */
import { isIPv4, isIPv6 } from 'net';
import { parseSchedule } from './cron';

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
