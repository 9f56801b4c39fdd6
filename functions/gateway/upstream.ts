/**
 * The call to the provider: node's own HTTP client, so that the answer comes
 * back byte for byte (no decompression, no header of the client's own), no
 * redirect is ever followed, and the call is bounded in time and aborted
 * when the caller goes away. Connections are kept alive per provider.
 */
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'http';
import { Agent as HttpsAgent, request as httpsRequest } from 'https';
import { Readable } from 'stream';

/** What the provider answered: status, headers, and its body as it arrives. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Readable;
}

/** How long a provider may take, in milliseconds. */
export interface UpstreamLimits {
  /** Until the answer's status line and headers. */
  readonly headersTimeoutMs: number;
  /** Between two pieces of the body (and of the request's sending). */
  readonly idleTimeoutMs: number;
}

/** The provider did not answer: the connection failed, or a limit passed. Its message names no credential. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * Sends one request. `url` was built from the API's fixed base; its origin is
 * checked by the caller. Resolves once the answer's headers arrive.
 *
 * @throws UpstreamError when the provider cannot be reached or is too slow, or the signal aborts
 */
export function sendUpstream(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
  limits: UpstreamLimits,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new UpstreamError('the caller went away before the call was sent', false));
      return;
    }
    const req = send(url, { method, headers, agent: https ? agents.https : agents.http, timeout: limits.idleTimeoutMs });
    const where = `${method} ${url.host}${url.pathname}`;
    const fail = (message: string, timedOut: boolean): void => {
      clearTimeout(headersTimer);
      req.destroy();
      reject(new UpstreamError(message, timedOut));
    };
    const headersTimer = setTimeout(() => fail(`${where}: no answer within ${limits.headersTimeoutMs} ms`, true), limits.headersTimeoutMs);
    const onAbort = (): void => fail(`${where}: the caller went away`, false);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => fail(`${where}: idle for ${limits.idleTimeoutMs} ms`, true));
    req.on('error', (e: NodeJS.ErrnoException) => fail(`${where}: ${e.code ?? e.message}`, false));
    req.on('response', (res) => {
      clearTimeout(headersTimer);
      signal.removeEventListener('abort', onAbort);
      // From here the body's consumer watches the caller; an abort destroys the stream.
      signal.addEventListener('abort', () => res.destroy(new UpstreamError(`${where}: the caller went away`, false)), { once: true });
      res.setTimeout(limits.idleTimeoutMs, () => res.destroy(new UpstreamError(`${where}: body idle for ${limits.idleTimeoutMs} ms`, true)));
      resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
    });
    req.end(body.length > 0 ? body : undefined);
  });
}
