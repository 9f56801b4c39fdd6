import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/** One request a fake server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The status the fake answered. */
  status?: number;
}

/** What a fake's route returns. */
export interface FakeAnswer {
  readonly status: number;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Further headers of the answer. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A local HTTP server standing in for a provider's API. */
export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in order. */
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/** Starts a loopback HTTP server answering with `route`; requests are recorded before `route` sees them. */
export async function startFakeHttp(route: (req: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      let answer: FakeAnswer;
      try {
        answer = await route(recorded);
      } catch (e) {
        answer = { status: 500, body: { error: String(e) } };
      }
      recorded.status = answer.status;
      const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      if (answer.status === 202 || answer.status === 204) res.writeHead(answer.status, { ...answer.headers });
      else
        res.writeHead(answer.status, {
          'Content-Type': answer.contentType ?? (typeof answer.body === 'string' ? 'text/plain' : 'application/json'),
          ...answer.headers,
        });
      res.end(text);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The media type of a request, without parameters, lowercased. */
export function mediaType(req: RecordedRequest): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}
