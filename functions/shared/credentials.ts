import { REVOKERS, RevokerName, ROTATORS, RotatorName } from '../../model/providers';
import { EnvError } from './env';

/** How one SaaS credential is stored, rotated and revoked, as the rotate and revoke functions read it from `CREDENTIALS`. */
export interface CredentialConfig {
  /** The `secret:` name, e.g. `hubspot`. */
  readonly name: string;
  readonly rotator: RotatorName;
  /** Token endpoint of an `oauth2-refresh` provider. */
  readonly tokenUrl?: string;
  /** Each agent's copy lives in its own KV v2 entry (`vault`) or Secrets Manager secret (`aws`). */
  readonly store: 'vault' | 'aws';
  /** How it is revoked at the provider; absent: by hand. */
  readonly revoker?: RevokerName;
  /** RFC 7009 revocation endpoint (the `oauth2-rfc7009` revoker). */
  readonly revocationUrl?: string;
  /** The provider API's base URL, for the revoker (e.g. a Zendesk subdomain, SendGrid's EU region). */
  readonly baseUrl?: string;
  /** The management credential's secret name: the fleet-level entry `<kv>/management/<name>`. */
  readonly management?: string;
  /** Its built-in provider (`hubspot`), whose title and console the messages name (model/providers.ts). */
  readonly provider?: string;
}

const KNOWN = new Set<string>(ROTATORS);
const KNOWN_REVOKERS = new Set<string>(REVOKERS);
const OPTIONAL_TEXT = ['tokenUrl', 'revocationUrl', 'baseUrl', 'management', 'provider'] as const;

/**
 * Parses `CREDENTIALS`: a JSON map of credential name → `{ rotator, tokenUrl?, store, revoker?, … }`.
 * Extra fields (a description, the name again) are ignored; a missing rotator
 * means `manual` and a missing store `vault`, as in the table.
 *
 * @throws EnvError listing every malformed entry
 */
export function credentialsFrom(value: string | undefined): Readonly<Record<string, CredentialConfig>> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new EnvError([`CREDENTIALS is not JSON (${(e as Error).message})`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EnvError(['CREDENTIALS must be a JSON object of credential name → { rotator, tokenUrl?, store }']);
  }
  const problems: string[] = [];
  const out: Record<string, CredentialConfig> = {};
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const c = (raw ?? {}) as Record<string, unknown>;
    const rotator = c.rotator ?? 'manual';
    const store = c.store ?? 'vault';
    if (typeof rotator !== 'string' || !KNOWN.has(rotator))
      problems.push(`CREDENTIALS.${name}.rotator: expected one of ${ROTATORS.join(', ')}, got ${JSON.stringify(c.rotator)}`);
    if (store !== 'vault' && store !== 'aws') problems.push(`CREDENTIALS.${name}.store: expected vault or aws, got ${JSON.stringify(c.store)}`);
    for (const key of OPTIONAL_TEXT) if (c[key] !== undefined && typeof c[key] !== 'string') problems.push(`CREDENTIALS.${name}.${key}: expected a string`);
    if (rotator === 'oauth2-refresh' && typeof c.tokenUrl !== 'string') problems.push(`CREDENTIALS.${name}: the oauth2-refresh rotator needs tokenUrl`);
    if (c.revoker !== undefined && (typeof c.revoker !== 'string' || !KNOWN_REVOKERS.has(c.revoker)))
      problems.push(`CREDENTIALS.${name}.revoker: expected one of ${REVOKERS.join(', ')}, got ${JSON.stringify(c.revoker)}`);
    const text = Object.fromEntries(OPTIONAL_TEXT.flatMap((key) => (typeof c[key] === 'string' ? [[key, c[key]]] : [])));
    out[name] = {
      name,
      rotator: rotator as RotatorName,
      store: store as 'vault' | 'aws',
      ...text,
      ...(typeof c.revoker === 'string' && KNOWN_REVOKERS.has(c.revoker) ? { revoker: c.revoker as RevokerName } : {}),
    };
  }
  if (problems.length > 0) throw new EnvError(problems);
  return out;
}

/** KV data as the rotators see it: string fields (numbers and booleans as text). */
export function credentialValueFrom(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    for (const [k, v] of Object.entries(data)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      else if (v !== null && v !== undefined) out[k] = JSON.stringify(v);
    }
  }
  return out;
}
