/**
 * The AppRole secret-id operations revoke and rotate share. Every path is under
 * `auth/<mount>/role/<role>`: the `agent-*` glob of the functions' own policies.
 */
import { Vault, VaultError } from './vault';

const rolePath = (mount: string, role: string): string => `auth/${mount}/role/${role}`;

/**
 * Accessors of every secret-id of `role`, sorted; empty when it has none, and
 * `undefined` when the role does not exist (an agent that logs in with
 * GitHub's OIDC token has no AppRole role).
 */
export async function secretIdAccessors(vault: Vault, mount: string, role: string): Promise<string[] | undefined> {
  const path = `${rolePath(mount, role)}/secret-id`;
  const res = await vault.request('LIST', path);
  if (res.status === 404) return [];
  const errors: string[] = Array.isArray(res.body?.errors) ? res.body.errors.map(String) : [];
  if (res.status === 400 && errors.some((e) => /does not exist/.test(e))) return undefined;
  if (res.status !== 200) throw new VaultError(`list the secret-ids of ${role}`, 'LIST', path, res.status, errors);
  return ((res.body?.data?.keys ?? []) as unknown[]).map(String).sort();
}

/** Accessors of every secret-id of `role`; empty when it has none, or when the role does not exist. */
export async function listSecretIdAccessors(vault: Vault, mount: string, role: string): Promise<string[]> {
  return (await secretIdAccessors(vault, mount, role)) ?? [];
}

/** Destroys one secret-id by its accessor; one already gone counts as destroyed. Returns whether this call destroyed it. */
export async function destroySecretId(vault: Vault, mount: string, role: string, accessor: string): Promise<boolean> {
  const path = `${rolePath(mount, role)}/secret-id-accessor/destroy`;
  const res = await vault.request('POST', path, { secret_id_accessor: accessor });
  if (res.status === 204 || res.status === 200) return true;
  const errors: string[] = Array.isArray(res.body?.errors) ? res.body.errors.map(String) : [];
  // Vault answers 500 "failed to find accessor entry" for one destroyed meanwhile (another run, its TTL).
  if (errors.some((e) => /failed to find accessor entry/.test(e))) return false;
  throw new VaultError(`destroy a secret-id of ${role}`, 'POST', path, res.status, errors);
}

/** What Vault knows of one secret-id; `undefined` when it no longer exists. */
export async function lookupSecretId(
  vault: Vault,
  mount: string,
  role: string,
  accessor: string,
): Promise<{ readonly creationTime: string; readonly metadata: Record<string, string> } | undefined> {
  const path = `${rolePath(mount, role)}/secret-id-accessor/lookup`;
  const res = await vault.request('POST', path, { secret_id_accessor: accessor });
  if (res.status === 404) return undefined;
  if (res.status !== 200) {
    throw new VaultError(`look up a secret-id of ${role}`, 'POST', path, res.status, Array.isArray(res.body?.errors) ? res.body.errors.map(String) : []);
  }
  return { creationTime: String(res.body.data.creation_time), metadata: res.body.data.metadata ?? {} };
}

/**
 * Nanoseconds since the epoch of an RFC 3339 time as Vault writes it
 * (`2026-11-27T18:37:08.120409081Z`): secret-ids minted within one
 * millisecond must still be ordered, which `Date` cannot do.
 */
export function rfc3339Nanos(time: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) throw new Error(`not an RFC 3339 time: ${time}`);
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) throw new Error(`not an RFC 3339 time: ${time}`);
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
