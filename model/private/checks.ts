/** Small value checks shared by the validation rules. */

/** Every capability a Vault (or OpenBao) policy accepts. */
export const VAULT_CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny', 'subscribe'] as const;

const CRON_FIELD = /^[0-9A-Za-z*?,/#L W-]+$/;

/** Why an EventBridge Scheduler expression is invalid, or `undefined`. */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'has a rate below 1';
    if (n === 1 && rate[2].endsWith('s')) return `needs the singular unit: rate(1 ${rate[2].slice(0, -1)})`;
    if (n > 1 && !rate[2].endsWith('s')) return `needs the plural unit: rate(${n} ${rate[2]}s)`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return 'is neither cron(...) nor rate(...)';
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return `has ${fields.length} fields; EventBridge cron has 6 (minutes hours day-of-month month day-of-week year)`;
  if (!fields.every((f) => CRON_FIELD.test(f))) return 'has characters cron does not allow';
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return 'must have ? in exactly one of day-of-month and day-of-week';
  return undefined;
}

/** Why a CIDR block is invalid, or `undefined`. */
export function cidrProblem(cidr: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255) || Number(v4[5]) > 32) return 'is not a valid IPv4 CIDR';
    if (Number(v4[5]) === 0) return 'allows every address; name the networks the agent runs in';
    return undefined;
  }
  if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr) && cidr.includes(':')) {
    const bits = Number(cidr.split('/')[1]);
    if (bits > 128) return 'is not a valid IPv6 CIDR';
    if (bits === 0) return 'allows every address; name the networks the agent runs in';
    return undefined;
  }
  return 'is not a CIDR such as 10.0.0.0/16';
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
