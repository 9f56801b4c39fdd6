import type { RotatorName } from '../../model/fleet';
import { EnvError } from '../shared/env';

/** How one SaaS credential is stored and rotated, as the rotate function reads it from `CREDENTIALS`. */
export interface CredentialConfig {
  /** The `secret:` name, e.g. `hubspot`. */
  readonly name: string;
  readonly rotator: RotatorName;
  /** Token endpoint of an `oauth2-refresh` provider. */
  readonly tokenUrl?: string;
  /** Each agent's copy lives in its own KV v2 entry (`vault`) or Secrets Manager secret (`aws`). */
  readonly store: 'vault' | 'aws';
}

// A record over RotatorName, so the compiler fails when the model gains a rotator this list lacks.
// (Importing the model's ROTATORS value would pull zod into every Lambda bundle.)
const KNOWN: Record<RotatorName, true> = { manual: true, 'oauth2-refresh': true, 'sendgrid-api-key': true };

/**
 * Parses `CREDENTIALS`: a JSON map of credential name → `{ rotator, tokenUrl?, store }`.
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
    if (typeof rotator !== 'string' || !(rotator in KNOWN))
      problems.push(`CREDENTIALS.${name}.rotator: expected one of ${Object.keys(KNOWN).join(', ')}, got ${JSON.stringify(c.rotator)}`);
    if (store !== 'vault' && store !== 'aws') problems.push(`CREDENTIALS.${name}.store: expected vault or aws, got ${JSON.stringify(c.store)}`);
    if (c.tokenUrl !== undefined && typeof c.tokenUrl !== 'string') problems.push(`CREDENTIALS.${name}.tokenUrl: expected a URL string`);
    if (rotator === 'oauth2-refresh' && typeof c.tokenUrl !== 'string') problems.push(`CREDENTIALS.${name}: the oauth2-refresh rotator needs tokenUrl`);
    out[name] = { name, rotator: rotator as RotatorName, store: store as 'vault' | 'aws', ...(typeof c.tokenUrl === 'string' ? { tokenUrl: c.tokenUrl } : {}) };
  }
  if (problems.length > 0) throw new EnvError(problems);
  return out;
}
