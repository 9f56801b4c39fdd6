/**
 * The call-log line: one JSON object per call an agent makes, in its own
 * log group (`/scoped-agents/<fleet>/agents/<agent>`), where the metric
 * filters count it. The fleet's gateway writes one for every call it sees;
 * an agent left to call directly (`gateway: false`) writes its own with
 * {@link formatCallLogLine}.
 *
 * The credential never reaches the line: a token is reduced to `sha256:` and
 * the first 16 hex digits of its SHA-256; a Vault accessor is written as is.
 * The path carries no query (providers accept keys there), no body and no
 * header value is ever written.
 */
import { createHash } from 'crypto';

/** How a call ended, as the alarms count it. */
export const CALL_OUTCOMES = ['ok', 'denied', 'rate-limited', 'revoked', 'upstream-error', 'unauthenticated'] as const;
/**
 * One of {@link CALL_OUTCOMES}:
 * - `ok`: forwarded, and the provider answered (any status but 401, 403 and 5xx);
 * - `denied`: outside the agent's endpoints, a refused request target or
 *   header, or the provider answered 401/403: what the denied-rate alarm counts;
 * - `rate-limited`: beyond `maxCallsPerMinute` (429);
 * - `revoked`: the agent is revoked (403);
 * - `upstream-error`: the provider failed (5xx), could not be reached or was too slow;
 * - `unauthenticated`: no credential, or one of no agent (logged in the gateway's own group).
 */
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** One call, as logged. Key order as written here. */
export interface CallLogLine {
  /** The agent; `-` when the caller is not known (unauthenticated). */
  readonly agent: string;
  /** `sha256:` and 16 hex digits of the presented credential, or a Vault accessor; `-` when none was presented. */
  readonly token: string;
  /** The API called (the gateway's name for it, or the host for a direct call). */
  readonly api: string;
  readonly method: string;
  /** The path within the API, without query or fragment. */
  readonly path: string;
  /** The status the caller got. */
  readonly status: number;
  readonly outcome: CallOutcome;
  /** From the request's arrival to the last byte of the answer. */
  readonly latencyMs: number;
  /** Body bytes received from the caller, and sent back to it. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The gateway's request id (Lambda's), or the caller's own. */
  readonly requestId: string;
  /** ISO 8601, UTC: when the call arrived. */
  readonly timestamp: string;
  /** Why the call was refused, in words (never a value of the request). */
  readonly reason?: string;
}

/** The line as one JSON text, keys in the documented order. */
export function callLogText(line: CallLogLine): string {
  return JSON.stringify({
    agent: line.agent,
    token: line.token,
    api: line.api,
    method: line.method,
    path: line.path,
    status: line.status,
    outcome: line.outcome,
    latencyMs: line.latencyMs,
    bytesIn: line.bytesIn,
    bytesOut: line.bytesOut,
    requestId: line.requestId,
    timestamp: line.timestamp,
    ...(line.reason !== undefined ? { reason: line.reason } : {}),
  });
}

/** The outcome of a forwarded call by the provider's status: `denied` (401/403), `upstream-error` (5xx), `rate-limited` (429), else `ok`. */
export function callOutcome(status: number): CallOutcome {
  if (status === 401 || status === 403) return 'denied';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'upstream-error';
  return 'ok';
}

/** `sha256:` and 16 hex digits: what the line holds instead of a token. */
const HASHED = /^sha256:[0-9a-f]{16}$/;
/** Shapes of Vault and OpenBao tokens (service, batch, recovery; legacy `s.`/`b.`): never an accessor. */
const TOKEN_SHAPE = /^(hv[sbr]|[sbr])\./;

/** `sha256:` and the first 16 hex digits of the SHA-256 of `token`; an identifier already in that form is kept. */
export function tokenIdentifier(token: string): string {
  if (HASHED.test(token)) return token;
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16)}`;
}

/** One direct call, as the agent knows it. Give exactly one of `token` and `accessor`. */
export interface CallLogInput {
  readonly agent: string;
  /** The credential the call carried (a Vault token, a SaaS token): only its hash is written. */
  readonly token?: string;
  /** The Vault accessor of the token the call carried: written as is (an accessor is not a credential). */
  readonly accessor?: string;
  /** HTTP method, e.g. `GET`. */
  readonly method: string;
  /** The URL called; `https://` is assumed when it has no scheme. Its host is the line's `api`. */
  readonly url: string;
  /** The HTTP status the provider answered. */
  readonly status: number;
  /** @default - now */
  readonly at?: Date | string;
  /** @default 0 */
  readonly latencyMs?: number;
  /** @default 0 */
  readonly bytesIn?: number;
  /** @default 0 */
  readonly bytesOut?: number;
  /** @default "-" */
  readonly requestId?: string;
}

/**
 * The call-log entry of one direct call.
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
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input.url) ? input.url : `https://${input.url}`);
  } catch {
    throw new Error(`call log: ${JSON.stringify(input.url)} is not a URL`);
  }
  const method = input.method.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new Error(`call log: ${JSON.stringify(input.method)} is not an HTTP method`);
  return {
    agent: input.agent,
    token: input.accessor ?? tokenIdentifier(input.token!),
    api: parsed.host,
    method,
    path: parsed.pathname,
    status: input.status,
    outcome: callOutcome(input.status),
    latencyMs: input.latencyMs ?? 0,
    bytesIn: input.bytesIn ?? 0,
    bytesOut: input.bytesOut ?? 0,
    requestId: input.requestId ?? '-',
    timestamp: at.toISOString(),
  };
}

/**
 * The call-log line of one direct call, as the agent writes it to its log
 * group, without a trailing newline (one line in the log; folded here):
 *
 *     {"agent":"lead-enricher","token":"sha256:3f1c9a0b7d2e4f61","api":"api.hubapi.com",
 *      "method":"GET","path":"/crm/v3/objects/contacts","status":200,"outcome":"ok",
 *      "latencyMs":0,"bytesIn":0,"bytesOut":0,"requestId":"-","timestamp":"2026-11-27T18:01:00.123Z"}
 */
export function formatCallLogLine(input: CallLogInput): string {
  return callLogText(callLogEntry(input));
}
