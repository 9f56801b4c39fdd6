import { Fetch } from '../../shared/vault';
import { bearerJson, CredentialValue, missingFields, ProviderAnswer, RotationError, Rotator } from './rotator';

/** SendGrid's v3 API (global accounts; EU subusers use https://api.eu.sendgrid.com). */
export const SENDGRID_API = 'https://api.sendgrid.com';

// SendGrid attaches these to every key itself; they are not requested, and not compared.
const IMPLICIT_SCOPES = new Set(['2fa_exempt', '2fa_required']);

/**
 * SendGrid API keys (v3 API keys API). A key's secret cannot be read back, so
 * rotation mints a new key with exactly the scopes of the current one:
 * 1. `GET /v3/api_keys/{api_key_id}`: the current key's name and scopes;
 * 2. `POST /v3/api_keys { name, scopes }`: the new key (SendGrid returns its
 *    secret once); it must carry exactly those scopes, or it is deleted again
 *    and the rotation fails, never widening or narrowing the agent's grant;
 * 3. once the new value is stored, `retire`: `DELETE /v3/api_keys/{old id}`.
 *
 * Every call authenticates with `Authorization: Bearer <key>`: the management
 * key (`credentials.sendgrid.management`, holding `api_keys.*`) when there is
 * one, so the agent's own key carries only its table scopes (`mail.send`);
 * without one, the agent's own key, which must then hold `api_keys.*` too.
 *
 * The value holds `api_key` and `api_key_id` (and `name`, refreshed).
 *
 * @param baseUrl the API's base URL (tests point it at a local server) @default https://api.sendgrid.com
 * @param now the clock, for the new key's name
 */
export function sendgridApiKeyRotator(baseUrl: string = SENDGRID_API, now: () => Date = () => new Date()): Rotator {
  const base = baseUrl.replace(/\/+$/, '');
  const call = (fetchFn: Fetch, key: string, method: string, path: string, body?: unknown): Promise<ProviderAnswer> =>
    bearerJson(fetchFn, `${base}${path}`, 'the SendGrid API URL', key, method, body);
  const failure = (name: string, what: string, res: ProviderAnswer): RotationError => {
    const errors = Array.isArray(res.body?.errors) ? (res.body!.errors as { message?: unknown }[]).map((e) => String(e?.message ?? '')).filter(Boolean) : [];
    return new RotationError(`${name}: SendGrid ${what} answered HTTP ${res.status}${errors.length > 0 ? `: ${errors.join('; ').slice(0, 300)}` : ''}`);
  };
  const requested = (scopes: readonly string[]): string[] => [...new Set(scopes.filter((s) => !IMPLICIT_SCOPES.has(s)))].sort();

  return {
    automatic: true,
    async rotate(current, credential, fetchFn, management) {
      const missing = missingFields(current, ['api_key', 'api_key_id']);
      if (missing.length > 0) throw new RotationError(`${credential.name}: the current value lacks ${missing.join(', ')}; seed the entry with them`);
      const admin = keyOf(management, current, credential.name);

      const read = await call(fetchFn, admin, 'GET', `/v3/api_keys/${encodeURIComponent(current.api_key_id)}`);
      if (read.status !== 200) throw failure(credential.name, 'GET /v3/api_keys/{id}', read);
      // Documented as { result: [{ name, api_key_id, scopes }] }; some accounts answer the object itself.
      const key = (Array.isArray(read.body?.result) ? read.body!.result[0] : read.body) as { name?: unknown; scopes?: unknown } | undefined;
      const scopes = Array.isArray(key?.scopes) ? requested(key!.scopes.map(String)) : [];
      // A key created without scopes gets full access: never.
      if (scopes.length === 0)
        throw new RotationError(
          `${credential.name}: SendGrid reports no scopes for the current key; refusing to mint a key without scopes (it would get full access)`,
        );

      const baseName = (typeof key?.name === 'string' ? key.name : credential.name).replace(/ \(rotated [^)]*\)$/, '');
      const name = `${baseName} (rotated ${now().toISOString().slice(0, 19)}Z)`;
      const created = await call(fetchFn, admin, 'POST', '/v3/api_keys', { name, scopes });
      if (created.status !== 201 && created.status !== 200) throw failure(credential.name, 'POST /v3/api_keys', created);
      const apiKey = created.body?.api_key;
      const apiKeyId = created.body?.api_key_id;
      if (typeof apiKey !== 'string' || typeof apiKeyId !== 'string' || apiKey === '' || apiKeyId === '') {
        throw new RotationError(`${credential.name}: SendGrid POST /v3/api_keys answered ${created.status} without api_key and api_key_id`);
      }
      const granted = Array.isArray(created.body?.scopes) ? requested((created.body!.scopes as unknown[]).map(String)) : scopes;
      if (granted.join(',') !== scopes.join(',')) {
        // Not the same grant: take the new key back, keep the current one.
        await call(fetchFn, admin, 'DELETE', `/v3/api_keys/${encodeURIComponent(apiKeyId)}`);
        throw new RotationError(
          `${credential.name}: SendGrid minted the new key with scopes [${granted.join(', ')}] instead of [${scopes.join(', ')}]; it was deleted, the current key is kept`,
        );
      }
      const next: CredentialValue = { ...current, api_key: apiKey, api_key_id: apiKeyId, name };
      return next;
    },
    async retire(previous, next, credential, fetchFn, management) {
      if (previous.api_key_id === next.api_key_id) return;
      const res = await call(fetchFn, keyOf(management, next, credential.name), 'DELETE', `/v3/api_keys/${encodeURIComponent(previous.api_key_id)}`);
      // 404: deleted already (a retry); the old key is gone either way.
      if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw failure(credential.name, 'DELETE /v3/api_keys/{old id}', res);
    },
  };
}

/** The key the key-management calls authenticate with: the management key, else the agent's own. */
function keyOf(management: CredentialValue | undefined, own: CredentialValue, name: string): string {
  if (management === undefined) return own.api_key!;
  if (!management.api_key) throw new RotationError(`${name}: the management credential holds no api_key`);
  return management.api_key;
}
