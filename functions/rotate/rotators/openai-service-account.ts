import { Fetch } from '../../shared/vault';
import { bearerJson, CredentialValue, missingFields, ProviderAnswer, RotationError, Rotator } from './rotator';

/** OpenAI's API. */
export const OPENAI_API = 'https://api.openai.com';

/**
 * OpenAI project service accounts (the Administration API): an OpenAI API key
 * never expires by itself, so the agent's key is a service account's, and
 * rotation replaces the service account, which lives one rotation period:
 * 1. `POST /v1/organization/projects/{project_id}/service_accounts { name }`
 *    with the admin key: a new service account and its API key (returned once);
 * 2. once the new value is stored, `retire`: `DELETE …/service_accounts/{old id}`,
 *    which deletes the old account and its key.
 *
 * Every call authenticates with the management credential's `api_key`, an
 * organization admin key (`credentials.openai.management`); the agent's own
 * key cannot manage keys.
 *
 * The value holds `api_key`, `project_id`, `service_account_id` and `key_id`
 * (the revoker deletes the key by it), and `name`, refreshed.
 *
 * @param baseUrl the API's base URL (tests point it at a local server) @default https://api.openai.com
 * @param now the clock, for the new account's name
 */
export function openaiServiceAccountRotator(baseUrl: string = OPENAI_API, now: () => Date = () => new Date()): Rotator {
  const base = baseUrl.replace(/\/+$/, '');
  const call = (fetchFn: Fetch, root: string, key: string, method: string, path: string, body?: unknown): Promise<ProviderAnswer> =>
    bearerJson(fetchFn, `${root}${path}`, 'the OpenAI API URL', key, method, body);
  const failure = (name: string, what: string, res: ProviderAnswer): RotationError => {
    const message = (res.body?.error as { message?: unknown } | undefined)?.message;
    return new RotationError(`${name}: OpenAI ${what} answered HTTP ${res.status}${typeof message === 'string' ? `: ${message.slice(0, 200)}` : ''}`);
  };
  // The table's base URL for the API (CREDENTIALS' baseUrl), else the default.
  const rootOf = (credential: { baseUrl?: string }): string => (credential.baseUrl ?? base).replace(/\/+$/, '');
  const adminKey = (management: CredentialValue | undefined, name: string): string => {
    if (!management?.api_key)
      throw new RotationError(`${name}: no management credential with an admin api_key; OpenAI service accounts are created with an admin key`);
    return management.api_key;
  };

  return {
    automatic: true,
    async rotate(current, credential, fetchFn, management) {
      const missing = missingFields(current, ['project_id']);
      if (missing.length > 0) throw new RotationError(`${credential.name}: the current value lacks ${missing.join(', ')}; seed the entry with them`);
      const baseName = (current.name ?? credential.name).replace(/ \(rotated [^)]*\)$/, '');
      const name = `${baseName} (rotated ${now().toISOString().slice(0, 19)}Z)`;
      const path = `/v1/organization/projects/${encodeURIComponent(current.project_id!)}/service_accounts`;
      const created = await call(fetchFn, rootOf(credential), adminKey(management, credential.name), 'POST', path, { name });
      if (created.status !== 200 && created.status !== 201) throw failure(credential.name, 'POST …/service_accounts', created);
      const key = created.body?.api_key as { value?: unknown; id?: unknown } | undefined;
      const id = created.body?.id;
      if (typeof id !== 'string' || typeof key?.value !== 'string' || typeof key.id !== 'string') {
        throw new RotationError(`${credential.name}: OpenAI POST …/service_accounts answered ${created.status} without the account id and its api_key`);
      }
      return { ...current, api_key: key.value, key_id: key.id, service_account_id: id, name };
    },
    async retire(previous, next, credential, fetchFn, management) {
      if (!previous.service_account_id || previous.service_account_id === next.service_account_id) return;
      const path = `/v1/organization/projects/${encodeURIComponent(previous.project_id!)}/service_accounts/${encodeURIComponent(previous.service_account_id)}`;
      const res = await call(fetchFn, rootOf(credential), adminKey(management, credential.name), 'DELETE', path);
      // 404: deleted already (a retry).
      if (res.status !== 200 && res.status !== 404) throw failure(credential.name, 'DELETE …/service_accounts/{id}', res);
    },
  };
}
