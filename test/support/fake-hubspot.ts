import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/** One request the fake received, with its body as bytes, and the answer it sent. */
export interface HubSpotRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  status?: number;
  /** The answer's body, exactly as sent. */
  sent?: Buffer;
}

/** HubSpot's CRM v3 contacts endpoints, as a local server. */
export interface FakeHubSpot {
  readonly url: string;
  readonly requests: HubSpotRequest[];
  /** Holds the second half of the next contact list until released: proves the answer streams through. */
  holdList(): { release: () => void };
  stop(): Promise<void>;
}

/**
 * A local stand-in for the CRM v3 contacts API as HubSpot documents it:
 * `Authorization: Bearer <token>` with a token `accepts` (a private-app or
 * OAuth access token; 401 `INVALID_AUTHENTICATION` otherwise);
 * `GET /crm/v3/objects/contacts` (a page of contacts, sent in two pieces),
 * `GET /crm/v3/objects/contacts/{id}`, `PATCH /crm/v3/objects/contacts/{id}`
 * with `{ properties }`, `POST /crm/v3/objects/contacts/search`; 404
 * `OBJECT_NOT_FOUND` for an unknown contact; every other path 404.
 */
export async function startFakeHubSpot(contacts: Readonly<Record<string, Record<string, string>>>, accepts: (token: string) => boolean): Promise<FakeHubSpot> {
  const requests: HubSpotRequest[] = [];
  const store = new Map(Object.entries(contacts).map(([id, p]) => [id, { ...p }]));
  let gate: Promise<void> | undefined;
  const object = (id: string) => ({
    id,
    properties: { ...store.get(id), hs_object_id: id },
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: '2026-11-27T09:00:00.000Z',
    archived: false,
  });

  const send = (res: ServerResponse, recorded: HubSpotRequest, status: number, body: unknown): void => {
    const bytes = Buffer.from(JSON.stringify(body));
    recorded.status = status;
    recorded.sent = bytes;
    res.writeHead(status, {
      'Content-Type': 'application/json;charset=utf-8',
      'Content-Length': String(bytes.length),
      'X-HubSpot-Correlation-Id': `c-${requests.length}`,
    });
    res.end(bytes);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: HubSpotRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!bearer || !accepts(bearer)) {
        send(res, recorded, 401, {
          status: 'error',
          message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
          category: 'INVALID_AUTHENTICATION',
        });
        return;
      }
      const path = recorded.path.split('?')[0];
      const one = /^\/crm\/v3\/objects\/contacts\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && path === '/crm/v3/objects/contacts') {
        // Two pieces, the second after the gate opens: a proxy that buffers would hold the first.
        const results = [...store.keys()].map(object);
        const text = JSON.stringify({ results });
        const cut = Math.floor(text.length / 2);
        const first = Buffer.from(text.slice(0, cut));
        const second = Buffer.from(text.slice(cut));
        recorded.status = 200;
        recorded.sent = Buffer.concat([first, second]);
        res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' });
        res.write(first);
        void (gate ?? Promise.resolve()).then(() => {
          gate = undefined;
          res.end(second);
        });
        return;
      }
      if (one && req.method === 'GET') {
        if (!store.has(one[1])) return send(res, recorded, 404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' });
        return send(res, recorded, 200, object(one[1]));
      }
      if (one && req.method === 'PATCH') {
        if (!store.has(one[1])) return send(res, recorded, 404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' });
        let body: { properties?: Record<string, string> };
        try {
          body = JSON.parse(recorded.body.toString('utf8'));
        } catch {
          return send(res, recorded, 400, { status: 'error', message: 'Invalid input JSON', category: 'VALIDATION_ERROR' });
        }
        Object.assign(store.get(one[1])!, body.properties ?? {});
        return send(res, recorded, 200, object(one[1]));
      }
      if (req.method === 'POST' && path === '/crm/v3/objects/contacts/search') {
        const results = [...store.keys()].map(object);
        return send(res, recorded, 200, { total: results.length, results });
      }
      send(res, recorded, 404, { status: 'error', message: `Unable to route ${req.method} ${path}`, category: 'OBJECT_NOT_FOUND' });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    holdList() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return { release };
    },
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
