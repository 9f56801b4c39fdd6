/**
 * The APIs the gateway forwards to: a fixed base URL, where the provider's
 * credential goes in the request, and which of the agent's credentials it is.
 * Built in for the providers agents use most (each as its documentation
 * describes it); a table defines its own, or overrides a built-in one's base
 * URL, under `apis:`.
 */

/** Where the provider's credential goes in a forwarded request. */
export type CredentialPlacement =
  /** `Authorization: Bearer <credential>`. */
  | { readonly type: 'bearer' }
  /** `<name>: <prefix><credential>`, e.g. `X-Api-Key`. */
  | { readonly type: 'header'; readonly name: string; readonly prefix?: string }
  /** `Authorization: Basic base64(<credential>)`: the credential is `user:password`. */
  | { readonly type: 'basic' }
  /** `?<name>=<credential>` added to the query string. */
  | { readonly type: 'query'; readonly name: string };

/** One API the gateway may forward to. */
export interface ApiDefinition {
  /** How agents name it: the first segment of a gateway path, `/<api>/…`. */
  readonly name: string;
  /** `https://host[:port][/base/path]`, no trailing `/`: every forwarded request starts here. */
  readonly baseUrl: string;
  /** The credential (a `secret:` name) the gateway reads from the calling agent's own entry. */
  readonly credential: string;
  readonly placement: CredentialPlacement;
}

/** A built-in API as shipped; `baseUrl` is absent when it names the customer's own account (Zendesk's subdomain). */
export interface BuiltinApi {
  readonly baseUrl?: string;
  readonly placement: CredentialPlacement;
  /** What to write in the table when the base URL is the customer's. */
  readonly baseUrlHint?: string;
}

/** The built-in APIs, as each provider documents its REST API's base URL and authentication. */
export const BUILTIN_APIS: Readonly<Record<string, BuiltinApi>> = {
  // https://developers.hubspot.com/docs/api/overview: private app tokens and OAuth access tokens as Bearer tokens.
  hubspot: { baseUrl: 'https://api.hubapi.com', placement: { type: 'bearer' } },
  // https://www.twilio.com/docs/sendgrid/api-reference: API keys as Bearer tokens.
  sendgrid: { baseUrl: 'https://api.sendgrid.com', placement: { type: 'bearer' } },
  // https://api.slack.com/web: Web API methods under /api, tokens as Bearer tokens.
  slack: { baseUrl: 'https://slack.com/api', placement: { type: 'bearer' } },
  // https://developer.zendesk.com/api-reference: each account has its own subdomain; OAuth access tokens as Bearer tokens.
  zendesk: { placement: { type: 'bearer' }, baseUrlHint: 'https://<subdomain>.zendesk.com' },
  // https://docs.github.com/en/rest: tokens as Bearer tokens.
  github: { baseUrl: 'https://api.github.com', placement: { type: 'bearer' } },
  // https://platform.openai.com/docs/api-reference: API keys as Bearer tokens.
  openai: { baseUrl: 'https://api.openai.com', placement: { type: 'bearer' } },
};
