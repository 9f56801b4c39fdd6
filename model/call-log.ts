/**
 * The helper agents use to write the documented call-log line (see
 * {@link CallLogLine} in `operations.ts`): one JSON object per call, to the
 * agent's own log group, where the metric filters count it.
 *
 * The credential never reaches the line: a token is reduced to `sha256:` and
 * the first 16 hex digits of its SHA-256; a Vault accessor is written as is.
 * Query strings and user info are dropped from the endpoint, because providers
 * accept keys there (`?api_key=…`).
 */
import { createHash } from 'crypto';
import { CallLogLine } from './operations';

/** One call, as the agent knows it. Give exactly one of `token` and `accessor`. */
export interface CallLogInput {
  readonly agent: string;
  /** The credential the call carried (a Vault token, a SaaS token): only its hash is written. */
  readonly token?: string;
  /** The Vault accessor of the token the call carried: written as is (an accessor is not a credential). */
  readonly accessor?: string;
  /** HTTP method, e.g. `GET`. */
  readonly method: string;
  /** The URL called; `https://` is assumed when it has no scheme. */
  readonly url: string;
  /** The HTTP status the provider answered. */
  readonly status: number;
  /**
   * When the call was made.
   * @default - now
   */
  readonly at?: Date | string;
}

/** `sha256:` and 16 hex digits: what the line holds instead of a token. */
const HASHED = /^sha256:[0-9a-f]{16}$/;
/** Shapes of Vault and OpenBao tokens (service, batch, recovery; legacy `s.`/`b.`): never an accessor. */
const TOKEN_SHAPE = /^(hv[sbr]|[sbr])\./;

/** The outcome of a call by its HTTP status: `allowed` (2xx/3xx), `denied` (401/403), `error` (anything else). */
export function callOutcome(status: number): CallLogLine['outcome'] {
  if (status >= 200 && status < 400) return 'allowed';
  if (status === 401 || status === 403) return 'denied';
  return 'error';
}

/** `sha256:` and the first 16 hex digits of the SHA-256 of `token`; an identifier already in that form is kept. */
export function tokenIdentifier(token: string): string {
  if (HASHED.test(token)) return token;
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16)}`;
}

/** `METHOD host/path`: no scheme, user info, query string or fragment. */
function endpointOf(method: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    throw new Error(`call log: ${JSON.stringify(url)} is not a URL`);
  }
  const verb = method.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(verb)) throw new Error(`call log: ${JSON.stringify(method)} is not an HTTP method`);
  return `${verb} ${parsed.host}${parsed.pathname}`;
}

/**
 * The call-log entry of one call.
 *
 * @throws when neither or both of `token` and `accessor` are given, when the
 *   `accessor` has the shape of a token, or when the method, URL, status or
 *   time is not one
 */
export function callLogEntry(input: CallLogInput): CallLogLine {
  if ((input.token === undefined) === (input.accessor === undefined)) {
    throw new Error('call log: give exactly one of token (hashed) and accessor (written as is)');
  }
  if (input.accessor !== undefined && (TOKEN_SHAPE.test(input.accessor) || input.accessor === '')) {
    throw new Error('call log: accessor has the shape of a Vault token; pass it as token so that only its hash is written');
  }
  if (input.token === '') throw new Error('call log: token is empty');
  if (!Number.isInteger(input.status) || input.status < 100 || input.status > 599) {
    throw new Error(`call log: status ${input.status} is not an HTTP status`);
  }
  const at = input.at === undefined ? new Date() : new Date(input.at);
  if (Number.isNaN(at.getTime())) throw new Error(`call log: ${JSON.stringify(input.at)} is not a time`);
  return {
    agent: input.agent,
    token: input.accessor ?? tokenIdentifier(input.token!),
    endpoint: endpointOf(input.method, input.url),
    timestamp: at.toISOString(),
    outcome: callOutcome(input.status),
    status: input.status,
  };
}

/**
 * The call-log line of one call, as the agent writes it to its log group
 * (`/scoped-agents/<fleet>/agents/<agent>`), without a trailing newline:
 *
 *     {"agent":"lead-enricher","token":"sha256:3f1c9a0b7d2e4f61",
 *      "endpoint":"GET api.hubapi.com/crm/v3/objects/contacts",
 *      "timestamp":"2026-11-27T18:01:00.123Z","outcome":"allowed","status":200}
 *
 * (one line in the log; folded here)
 */
export function formatCallLogLine(input: CallLogInput): string {
  const e = callLogEntry(input);
  // Key order as documented, whatever callLogEntry's literal order becomes.
  return JSON.stringify({ agent: e.agent, token: e.token, endpoint: e.endpoint, timestamp: e.timestamp, outcome: e.outcome, status: e.status });
}
