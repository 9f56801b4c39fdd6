import { checkProviderUrl, jsonBody, missingFields, RotationError, Rotator } from './rotator';

/**
 * OAuth 2.0 refresh-token grant (RFC 6749 §6): POST the token endpoint,
 * form-encoded, `grant_type=refresh_token` with the refresh token and the
 * client's credentials in the body (§2.3.1; HubSpot's `/oauth/v1/token`
 * requires them there). The answer carries a new `access_token`, its
 * `expires_in`, and a new `refresh_token` when the provider rotates those too.
 *
 * The value holds `client_id`, `client_secret`, `refresh_token` and
 * `access_token`; `expires_at` (ISO 8601) is added. The old access token stays
 * valid until it expires: nothing to retire.
 *
 * @param now the clock, for `expires_at`
 */
export function oauth2RefreshRotator(now: () => Date = () => new Date()): Rotator {
  return {
    automatic: true,
    async rotate(current, credential, fetchFn) {
      if (!credential.tokenUrl) throw new RotationError(`${credential.name}: the oauth2-refresh rotator needs tokenUrl`);
      const url = checkProviderUrl(credential.tokenUrl, `${credential.name} tokenUrl`);
      const missing = missingFields(current, ['client_id', 'client_secret', 'refresh_token']);
      if (missing.length > 0) throw new RotationError(`${credential.name}: the current value lacks ${missing.join(', ')}; seed the entry with them`);
      const res = await fetchFn(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: current.refresh_token,
          client_id: current.client_id,
          client_secret: current.client_secret,
        }).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await jsonBody(res);
      if (!res.ok) {
        // RFC 6749 §5.2: { error, error_description? } — codes, never secrets.
        const error = typeof body?.error === 'string' ? body.error : 'no error code';
        const description = typeof body?.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : '';
        throw new RotationError(`${credential.name}: token endpoint ${url.host}${url.pathname} answered HTTP ${res.status} ${error}${description}`);
      }
      if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
        throw new RotationError(`${credential.name}: token endpoint ${url.host}${url.pathname} answered ${res.status} without access_token`);
      }
      const next: Record<string, string> = { ...current, access_token: body.access_token };
      if (typeof body.refresh_token === 'string' && body.refresh_token !== '') next.refresh_token = body.refresh_token;
      if (typeof body.token_type === 'string') next.token_type = body.token_type;
      if (typeof body.expires_in === 'number' && Number.isFinite(body.expires_in)) {
        next.expires_at = new Date(now().getTime() + body.expires_in * 1000).toISOString();
      } else {
        delete next.expires_at;
      }
      return next;
    },
  };
}
