/**
 * The gateway's decision and forwarding for one request, independent of how
 * it arrived (a Lambda Function URL streaming its answer, or a local HTTP
 * server): who is calling, whether it is revoked, whether the target and
 * headers are safe, whether the endpoint is one of the agent's, whether the
 * agent is within its rate, then the call with the provider's credential,
 * and one call-log line for every request, whatever its end.
 */
import { PassThrough, Readable } from 'stream';
import { CallLogLine, CallOutcome, callOutcome } from '../../model/call-log';
import { GATEWAY, GatewayAgentConfig, GatewayApi } from '../../model/gateway';
import { endpointFor, HttpEndpoint, parseEndpoint } from '../../model/http-grants';
import { callLogGroupName } from '../../model/operations';
import { errorMessage, Logger } from '../shared/log';
import { Authenticator } from './authenticate';
import { CallLogSink } from './call-log';
import { Credentials } from './credentials';
import { downstreamHeaders, headersProblem, headerValue, IncomingHeaders, upstreamHeaders, upstreamQuery } from './headers';
import { RateLimiter } from './rate-limit';
import { RevocationCheck } from './revocation';
import { GatewayStore } from './store';
import { GatewayTarget, parseTarget } from './target';
import { sendUpstream, UpstreamError, UpstreamLimits, UpstreamResponse } from './upstream';

/** One request as it reached the gateway. */
export interface GatewayRequest {
  readonly method: string;
  /** The raw request target: path and query as sent. */
  readonly target: string;
  /** Lowercase names. */
  readonly headers: IncomingHeaders;
  /** The body: whole (a Function URL event) or as it arrives (a local server). */
  readonly body: Buffer | AsyncIterable<Uint8Array>;
  readonly requestId: string;
  /** Aborts when the caller goes away. */
  readonly signal: AbortSignal;
  /** The host the gateway is reached at: a `Host` naming another is refused. */
  readonly host?: string;
}

/** The answer: status and headers at once, the body as it arrives; `logged` settles once the call's line is written. */
export interface GatewayResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Readable;
  readonly logged: Promise<void>;
}

/** Bounds of one request. */
export interface GatewayLimits extends UpstreamLimits {
  /** The largest request body forwarded; a larger one gets 413. */
  readonly maxBodyBytes: number;
}

/** The default bounds: 6 MB (a Function URL's own request limit), 10 s to the answer's headers, 30 s idle. */
export const DEFAULT_LIMITS: GatewayLimits = { maxBodyBytes: 6 * 1024 * 1024, headersTimeoutMs: 10_000, idleTimeoutMs: 30_000 };

/** Everything the gateway needs; one per instance, shared by its requests. */
export interface GatewayDeps {
  readonly fleet: string;
  readonly store: GatewayStore;
  readonly authenticator: Authenticator;
  readonly revocation: RevocationCheck;
  readonly credentials: Credentials;
  readonly limiter: RateLimiter;
  readonly sink: CallLogSink;
  readonly limits: GatewayLimits;
  readonly log: Logger;
  readonly now?: () => number;
}

/** A refusal: its status, outcome and reason. */
interface Refusal {
  readonly status: number;
  readonly outcome: CallOutcome;
  readonly reason: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The gateway of one instance: `handle` serves one request. */
export class Gateway {
  private readonly endpoints = new WeakMap<GatewayApi, HttpEndpoint[]>();
  private readonly configs = new Map<string, { config: GatewayAgentConfig | undefined; until: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: GatewayDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Serves one request. Never throws: every failure is an answer and a line. */
  public async handle(req: GatewayRequest): Promise<GatewayResponse> {
    try {
      return await this.serve(req);
    } catch (e) {
      // What nothing below expected (a caller gone in the middle of its body): still an answer and a line.
      this.deps.log.error('the request failed', { requestId: req.requestId, error: errorMessage(e) });
      const line: CallLogLine = {
        agent: '-',
        token: '-',
        api: parseTarget(req.target).target?.api ?? '-',
        method: req.method.toUpperCase(),
        path: parseTarget(req.target).target?.path ?? '-',
        status: 500,
        outcome: 'upstream-error',
        latencyMs: 0,
        bytesIn: 0,
        bytesOut: 0,
        requestId: req.requestId,
        timestamp: new Date(this.now()).toISOString(),
        reason: 'the gateway failed on this request',
      };
      return this.refuse(GATEWAY.logGroupName(this.deps.fleet), line, req);
    }
  }

  private async serve(req: GatewayRequest): Promise<GatewayResponse> {
    const started = this.now();
    const method = req.method.toUpperCase();
    const parsed = parseTarget(req.target);
    const line = (
      agent: string,
      token: string | undefined,
      status: number,
      outcome: CallOutcome,
      bytesIn: number,
      bytesOut: number,
      reason?: string,
    ): CallLogLine => ({
      agent,
      token: token ?? '-',
      api: parsed.target?.api ?? '-',
      method,
      path: parsed.target?.path ?? '-',
      status,
      outcome,
      latencyMs: this.now() - started,
      bytesIn,
      bytesOut,
      requestId: req.requestId,
      timestamp: new Date(started).toISOString(),
      ...(reason !== undefined ? { reason } : {}),
    });
    let identity: Awaited<ReturnType<Authenticator['identify']>>;
    try {
      identity = await this.deps.authenticator.identify(req.headers);
    } catch (e) {
      this.deps.log.error('authentication failed', { requestId: req.requestId, error: errorMessage(e) });
      return this.refuse(
        GATEWAY.logGroupName(this.deps.fleet),
        line('-', undefined, 503, 'upstream-error', 0, 0, 'the gateway could not check the credential'),
        req,
      );
    }
    if (identity.refused !== undefined) {
      return this.refuse(GATEWAY.logGroupName(this.deps.fleet), line('-', identity.token, 401, 'unauthenticated', 0, 0, identity.refused), req, {
        'www-authenticate': 'Bearer realm="scoped-agents"',
      });
    }
    const agent = identity.agent;
    const group = callLogGroupName(this.deps.fleet, agent);
    const refuse = (r: Refusal, bytesIn = 0): GatewayResponse =>
      this.refuse(group, line(agent, identity.token, r.status, r.outcome, bytesIn, 0, r.reason), req, r.headers);

    let decided: { config: GatewayAgentConfig; api: GatewayApi; target: GatewayTarget } | Refusal;
    try {
      decided = await this.decide(agent, method, parsed, req);
    } catch (e) {
      this.deps.log.error('the decision failed', { agent, requestId: req.requestId, error: errorMessage(e) });
      return refuse({ status: 503, outcome: 'upstream-error', reason: 'the gateway could not read what the agent may do' });
    }
    if ('status' in decided) return refuse(decided);
    const { config, api, target } = decided;

    const rate = await this.deps.limiter.take(agent, config.maxCallsPerMinute).catch((e: unknown) => {
      this.deps.log.error('the rate limiter failed', { agent, requestId: req.requestId, error: errorMessage(e) });
      return undefined;
    });
    if (!rate) return refuse({ status: 503, outcome: 'upstream-error', reason: 'the gateway could not count the call' });
    if (!rate.allowed) {
      return refuse({
        status: 429,
        outcome: 'rate-limited',
        reason: `more than ${config.maxCallsPerMinute} calls this minute`,
        headers: { 'retry-after': String(rate.retryAfterSeconds) },
      });
    }

    let body: Buffer | undefined;
    try {
      body = await readBody(req.body, this.deps.limits.maxBodyBytes, req.headers);
    } catch {
      return refuse({ status: 400, outcome: 'upstream-error', reason: 'the caller went away while sending the body' });
    }
    if (body === undefined) return refuse({ status: 413, outcome: 'denied', reason: `the body is larger than ${this.deps.limits.maxBodyBytes} bytes` });

    const url = upstreamUrl(api.baseUrl, target);
    if (!url) return refuse({ status: 400, outcome: 'denied', reason: "the path leaves the API's base URL" }, body.length);

    let answer: UpstreamResponse;
    try {
      answer = await this.forward(api, url, target, method, req, body);
    } catch (e) {
      const timedOut = e instanceof UpstreamError && e.timedOut;
      const reason = e instanceof UpstreamError ? e.message : `the credential is not available: ${errorMessage(e)}`;
      if (!(e instanceof UpstreamError))
        this.deps.log.error('the credential could not be read', { agent, api: target.api, requestId: req.requestId, error: errorMessage(e) });
      return refuse({ status: timedOut ? 504 : 502, outcome: 'upstream-error', reason }, body.length);
    }

    // The answer streams back as it arrives; its line is written once it has ended.
    let bytesOut = 0;
    const out = new PassThrough();
    let settle!: () => void;
    const logged = new Promise<void>((resolve) => (settle = resolve));
    let done = false;
    const finish = (reason?: string): void => {
      if (done) return;
      done = true;
      const status = answer.status;
      const outcome = reason === undefined ? callOutcome(status) : 'upstream-error';
      this.deps.sink.write(group, line(agent, identity.token, status, outcome, body.length, bytesOut, reason));
      settle();
    };
    answer.body.on('data', (chunk: Buffer) => {
      bytesOut += chunk.length;
    });
    answer.body.on('end', () => finish());
    answer.body.on('error', (e) => {
      finish(e instanceof UpstreamError ? e.message : 'the answer broke off');
      out.destroy(e);
    });
    answer.body.on('close', () => finish(answer.body.readableEnded ? undefined : 'the answer broke off'));
    answer.body.pipe(out);
    return { status: answer.status, headers: downstreamHeaders(answer.headers), body: out, logged };
  }

  /** The agent's item, reused for `GATEWAY.configCacheMs`. */
  private async config(agent: string): Promise<GatewayAgentConfig | undefined> {
    const hit = this.configs.get(agent);
    if (hit && hit.until > this.now()) return hit.config;
    const config = await this.deps.store.agentConfig(agent);
    this.configs.set(agent, { config, until: this.now() + GATEWAY.configCacheMs });
    return config;
  }

  /** Everything decided before the call: revocation, target, host and headers, endpoint. */
  private async decide(
    agent: string,
    method: string,
    parsed: ReturnType<typeof parseTarget>,
    req: GatewayRequest,
  ): Promise<{ config: GatewayAgentConfig; api: GatewayApi; target: GatewayTarget } | Refusal> {
    if (await this.deps.revocation.revoked(agent))
      return { status: 403, outcome: 'revoked', reason: `agent ${agent} is revoked; its runbook says how to re-enable it` };
    if (parsed.refused !== undefined) return { status: 400, outcome: 'denied', reason: parsed.refused };
    const host = headerValue(req.headers, 'host');
    if (req.host !== undefined && host !== undefined && host.toLowerCase() !== req.host.toLowerCase())
      return { status: 400, outcome: 'denied', reason: 'the Host header names another server' };
    const config = await this.config(agent);
    if (!config) return { status: 403, outcome: 'denied', reason: `agent ${agent} calls nothing through this gateway` };
    const target = parsed.target;
    const api = config.apis[target.api];
    if (!api) return { status: 403, outcome: 'denied', reason: `agent ${agent} has no endpoint on ${target.api}` };
    const problem = headersProblem(req.headers, api.placement);
    if (problem !== undefined) return { status: 400, outcome: 'denied', reason: problem };
    if (!endpointFor(this.endpointsOf(target.api, api), target.api, method, target.path))
      return { status: 403, outcome: 'denied', reason: `${method} ${target.path} is not one of ${agent}'s endpoints on ${target.api}` };
    return { config, api, target };
  }

  private endpointsOf(name: string, api: GatewayApi): HttpEndpoint[] {
    let list = this.endpoints.get(api);
    if (!list) {
      list = api.endpoints.flatMap((e) => parseEndpoint(name, e).endpoint ?? []);
      this.endpoints.set(api, list);
    }
    return list;
  }

  /** The call, with the credential; once more with a fresh one when the provider answers 401. */
  private async forward(api: GatewayApi, url: URL, target: GatewayTarget, method: string, req: GatewayRequest, body: Buffer): Promise<UpstreamResponse> {
    const attempt = async (fresh: boolean): Promise<UpstreamResponse> => {
      const credential = await this.deps.credentials.get(api.credential, fresh);
      const query = upstreamQuery(target.query, api.placement, credential);
      let to = url;
      if (query !== '') {
        to = new URL(url);
        to.search = query;
      }
      return sendUpstream(to, method, upstreamHeaders(req.headers, api.placement, credential, body.length), body, this.deps.limits, req.signal);
    };
    const first = await attempt(false);
    if (first.status !== 401) return first;
    first.body.resume();
    return attempt(true);
  }

  private refuse(group: string, line: CallLogLine, req: GatewayRequest, headers: Readonly<Record<string, string>> = {}): GatewayResponse {
    const text = `${JSON.stringify({ error: line.outcome, reason: line.reason })}\n`;
    // The body was not read: drain it, so that the connection can be reused.
    if (!Buffer.isBuffer(req.body)) void drain(req.body);
    this.deps.sink.write(group, { ...line, bytesOut: Buffer.byteLength(text) });
    return {
      status: line.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
      body: Readable.from([Buffer.from(text)]),
      logged: Promise.resolve(),
    };
  }
}

const bases = new Map<string, URL>();

/** `base` + the target's path, checked to stay on the base's origin and under its path. */
export function upstreamUrl(baseUrl: string, target: GatewayTarget): URL | undefined {
  let base = bases.get(baseUrl);
  if (!base) {
    base = new URL(baseUrl);
    bases.set(baseUrl, base);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${base.origin}${basePath}${target.path}`);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return undefined;
  if (!url.pathname.startsWith(`${basePath}/`)) return undefined;
  return url;
}

const EMPTY = Buffer.alloc(0);

/** The whole body, or `undefined` once it passes `max` bytes. A request that announces none (no length, not chunked) has none. */
async function readBody(body: Buffer | AsyncIterable<Uint8Array>, max: number, headers: IncomingHeaders): Promise<Buffer | undefined> {
  if (Buffer.isBuffer(body)) return body.length > max ? undefined : body;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return EMPTY;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    // Breaking off destroys the stream: the caller gets its 413 and the connection closes.
    if (size > max) return undefined;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const _ of body) {
      // discarded
    }
  } catch {
    // the caller went away
  }
}
