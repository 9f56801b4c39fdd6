/**
 * What each built-in provider documents about its credentials beyond calling
 * it (model/apis.ts): how a credential rotates by default, how it is revoked
 * at the provider when an agent is cut off, and where a person does either by
 * hand. Pure facts, shared by the validation (defaults), the revoke function
 * (which revoker), the runbook and the reviews.
 */
/** The rotators a credential can have, by the name the table uses (each in functions/rotate/rotators/). */
export const ROTATORS = ['manual', 'oauth2-refresh', 'sendgrid-api-key', 'openai-service-account', 'github-app'] as const;
/** One of {@link ROTATORS}. */
export type RotatorName = (typeof ROTATORS)[number];

/** The built-in providers (the built-in APIs' names). */
export const PROVIDERS = ['hubspot', 'sendgrid', 'slack', 'zendesk', 'github', 'openai'] as const;
/** One of {@link PROVIDERS}. */
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * How a credential is revoked at its provider:
 * - `sendgrid-api-key`: `DELETE /v3/api_keys/{api_key_id}` with the management key;
 * - `hubspot-refresh-token`: `DELETE /oauth/v1/refresh-tokens/{refresh_token}` (the refresh token, and every access token minted from it);
 * - `oauth2-rfc7009`: `POST <revocationUrl>` with `token`, `token_type_hint=refresh_token` and the client (RFC 7009 §2.1);
 * - `slack-auth-revoke`: `POST /api/auth.revoke` with the token itself;
 * - `zendesk-oauth-token`: `DELETE /api/v2/oauth/tokens/{token_id}.json` with the management token, else `…/tokens/current.json` with the token itself;
 * - `github-credentials-revoke`: `POST /credentials/revoke` `{ credentials: [token] }` (no authentication);
 * - `openai-project-key`: `DELETE /v1/organization/projects/{project_id}/api_keys/{key_id}` with the management (admin) key.
 */
export const REVOKERS = [
  'sendgrid-api-key',
  'hubspot-refresh-token',
  'oauth2-rfc7009',
  'slack-auth-revoke',
  'zendesk-oauth-token',
  'github-credentials-revoke',
  'openai-project-key',
] as const;
/** One of {@link REVOKERS}. */
export type RevokerName = (typeof REVOKERS)[number];

/** Revokers that need the management credential (`credentials.<name>.management`); the others use the credential itself. */
export const REVOKERS_NEEDING_MANAGEMENT: readonly RevokerName[] = ['sendgrid-api-key', 'openai-project-key'];

/** Rotators that need the management credential: minting a key takes key-management rights the agent's key must not hold. */
export const ROTATORS_NEEDING_MANAGEMENT: readonly RotatorName[] = ['sendgrid-api-key', 'openai-service-account'];

/** What one provider documents. */
export interface ProviderFacts {
  /** How people call it. */
  readonly title: string;
  /** Where a person rotates or revokes a credential by hand. */
  readonly console: string;
  /** The rotation a credential on this provider gets unless the table writes another (absent: none is built; it stays manual). */
  readonly rotation?: { readonly rotator: RotatorName; readonly tokenUrl?: (baseUrl: string | undefined) => string | undefined };
  /** Its revoker (absent: revoked by hand at {@link ProviderFacts.console}). */
  readonly revoker?: RevokerName;
  /**
   * Endpoints (`METHOD /path-pattern`, the gateway's syntax) that manage
   * credentials rather than use them: an agent's scope may grant them only
   * with a written reason (`keyManagement:`).
   */
  readonly keyManagement: readonly string[];
}

/** Each built-in provider, as its documentation describes credential rotation and revocation. */
export const PROVIDER_FACTS: Readonly<Record<ProviderName, ProviderFacts>> = {
  // https://developers.hubspot.com/docs/api/oauth-quickstart-guide: refresh at /oauth/v1/token; DELETE /oauth/v1/refresh-tokens/:token.
  hubspot: {
    title: 'HubSpot',
    console: 'https://app.hubspot.com (Settings → Integrations → Private Apps, or Connected Apps)',
    rotation: { rotator: 'oauth2-refresh', tokenUrl: () => 'https://api.hubapi.com/oauth/v1/token' },
    revoker: 'hubspot-refresh-token',
    keyManagement: ['* /oauth/**'],
  },
  // https://www.twilio.com/docs/sendgrid/api-reference/api-keys: create, read and delete keys under /v3/api_keys.
  sendgrid: {
    title: 'SendGrid',
    console: 'https://app.sendgrid.com/settings/api_keys',
    rotation: { rotator: 'sendgrid-api-key' },
    revoker: 'sendgrid-api-key',
    keyManagement: ['* /v3/api_keys', '* /v3/api_keys/**'],
  },
  // https://api.slack.com/authentication/rotation: oauth.v2.access with grant_type=refresh_token; https://api.slack.com/methods/auth.revoke.
  slack: {
    title: 'Slack',
    console: 'https://api.slack.com/apps (your app → OAuth & Permissions)',
    rotation: { rotator: 'oauth2-refresh', tokenUrl: () => 'https://slack.com/api/oauth.v2.access' },
    revoker: 'slack-auth-revoke',
    keyManagement: ['* /oauth.access', '* /oauth.v2.access', '* /oauth.v2.exchange', '* /auth.revoke', '* /apps.uninstall', '* /apps.manifest.**'],
  },
  // https://developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/: refresh at /oauth/tokens; DELETE /api/v2/oauth/tokens/{id}.json.
  zendesk: {
    title: 'Zendesk',
    console: 'https://<subdomain>.zendesk.com/admin/apps-integrations/apis/zendesk-api/oauth_clients',
    rotation: { rotator: 'oauth2-refresh', tokenUrl: (baseUrl) => (baseUrl === undefined ? undefined : `${baseUrl}/oauth/tokens`) },
    revoker: 'zendesk-oauth-token',
    keyManagement: ['* /api/v2/oauth/**', '* /oauth/**'],
  },
  // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app: installation tokens (one hour) from the App's JWT;
  // https://docs.github.com/en/rest/credentials/revoke: POST /credentials/revoke.
  github: {
    title: 'GitHub',
    console: 'https://github.com/settings/apps (the App’s private keys), or Settings → Personal access tokens',
    rotation: { rotator: 'github-app', tokenUrl: (baseUrl) => `${baseUrl ?? 'https://api.github.com'}/app/installations` },
    revoker: 'github-credentials-revoke',
    keyManagement: ['* /credentials/**', '* /authorizations/**', '* /applications/**', '* /app/**'],
  },
  // https://platform.openai.com/docs/api-reference/project-service-accounts: a service account a rotation period, created and deleted with an admin key;
  // https://platform.openai.com/docs/api-reference/project-api-keys: DELETE …/projects/{project_id}/api_keys/{key_id}.
  openai: {
    title: 'OpenAI',
    console: 'https://platform.openai.com/api-keys',
    rotation: { rotator: 'openai-service-account' },
    revoker: 'openai-project-key',
    keyManagement: ['* /v1/organization/**'],
  },
};

/**
 * The key-management endpoints of `provider` that `endpoint` (`METHOD`, a
 * path pattern of the gateway's syntax) could reach: those it covers or that
 * cover it, for the same or any method.
 */
export function keyManagementReached(
  provider: ProviderName,
  endpoint: { readonly method: string; readonly path: string },
  covers: (wide: string, narrow: string) => boolean,
): string[] {
  return PROVIDER_FACTS[provider].keyManagement.filter((km) => {
    const [method, path] = km.split(' ') as [string, string];
    const sameMethod = method === '*' || endpoint.method === '*' || method === endpoint.method;
    return sameMethod && (covers(path, endpoint.path) || covers(endpoint.path, path));
  });
}

/** How long the reason of a `keyManagement:` scope must be, at least (as a suppression's). */
export const KEY_MANAGEMENT_REASON_LENGTH = 10;

/** Whether `name` is a built-in provider. */
export function isProvider(name: string | undefined): name is ProviderName {
  return name !== undefined && (PROVIDERS as readonly string[]).includes(name);
}

/** The fleet-level KV v2 entry (under the KV mount) of a management credential, read by the rotate and revoke functions only. */
export function managementEntry(secret: string): string {
  return `management/${secret}`;
}

/** The management credential's name when the table names none: `<credential>-management`. */
export function defaultManagementSecret(credential: string): string {
  return `${credential}-management`;
}
