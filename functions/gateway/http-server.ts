/**
 * The gateway behind a plain HTTP server: the same {@link Gateway} the Lambda
 * runs, for a host of your own (a container next to the agents) and for the
 * tests and the benchmark. A thin adapter: the request as it arrives, the
 * answer streamed back as the provider sends it, the provider's call aborted
 * when the caller goes away.
 */
import { randomUUID } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { Gateway } from './handler';

/** A listening gateway server. */
export interface GatewayServer {
  readonly server: Server;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Options of {@link serveGateway}. */
export interface ServeOptions {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Delivers the call-log lines written so far (the sink's `flush`): called every `flushEveryMs` and on close. */
  readonly flush?: () => Promise<void>;
  /** @default 1000 */
  readonly flushEveryMs?: number;
}

/** Serves `gateway` on `host:port`. */
export async function serveGateway(gateway: Gateway, options: ServeOptions = {}): Promise<GatewayServer> {
  const host = options.host ?? '127.0.0.1';
  let expectedHost = '';
  const server = createServer((req, res) => void serve(gateway, req, res, expectedHost));
  const timer = options.flush ? setInterval(() => void options.flush!(), options.flushEveryMs ?? 1000) : undefined;
  timer?.unref();
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  expectedHost = `${host}:${port}`;
  return {
    server,
    url: `http://${expectedHost}`,
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
      await options.flush?.();
    },
  };
}

async function serve(gateway: Gateway, req: IncomingMessage, res: ServerResponse, expectedHost: string): Promise<void> {
  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  const answer = await gateway.handle({
    method: req.method ?? 'GET',
    target: req.url ?? '',
    headers: req.headers,
    body: req,
    requestId: randomUUID(),
    signal: aborter.signal,
    host: expectedHost,
  });
  res.writeHead(answer.status, answer.headers as Record<string, string | string[]>);
  // pipe, not pipeline: pipeline's clean-up costs more than the rest of a call. A broken answer or a caller gone ends both.
  answer.body.on('error', () => res.destroy());
  res.on('close', () => answer.body.destroy());
  answer.body.pipe(res);
  await answer.logged;
}
