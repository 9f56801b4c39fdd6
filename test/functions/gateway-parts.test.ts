/**
 * The gateway's parts on their own: the request target, the headers either
 * way, the rate limiter over a store shared by several instances, the
 * credential cache with its OAuth2 refresh, and the Lambda adapter (a
 * Function URL event in, a streamed answer out). End to end, on OpenBao, moto
 * and local providers: gateway.test.ts.
 */
import { Writable } from 'stream';
import { Authenticator, gatewayKeyHash } from '../../functions/gateway/authenticate';
import { memorySink } from '../../functions/gateway/call-log';
import { Credentials } from '../../functions/gateway/credentials';
import { Gateway, DEFAULT_LIMITS, upstreamUrl } from '../../functions/gateway/handler';
import { downstreamHeaders, upstreamHeaders, upstreamQuery } from '../../functions/gateway/headers';
import { requestFromEvent, serveEvent } from '../../functions/gateway/index';
import { leaseSize, RateLimiter } from '../../functions/gateway/rate-limit';
import { RevocationCheck } from '../../functions/gateway/revocation';
import { memoryStore } from '../../functions/gateway/store';
import { parseTarget } from '../../functions/gateway/target';
import { GatewayAgentConfig, GatewayCredential } from '../../model';

describe('the request target', () => {
  test.each([
    ['/hubspot/crm/v3/objects/contacts/101?properties=email', { api: 'hubspot', path: '/crm/v3/objects/contacts/101', query: 'properties=email' }],
    ['/sendgrid/v3/mail/send', { api: 'sendgrid', path: '/v3/mail/send', query: '' }],
    ['/hubspot/crm/v3/objects/contacts/john%40acme.example', { api: 'hubspot', path: '/crm/v3/objects/contacts/john%40acme.example', query: '' }],
    ['/hubspot', { api: 'hubspot', path: '/', query: '' }],
  ])('reads %s', (raw, target) => {
    expect(parseTarget(raw)).toEqual({ target });
  });

  test.each([
    ['*', 'the asterisk-form target (*) names no path'],
    ['https://api.hubapi.com/crm', 'the target is an absolute URL (absolute-form): send the path only; the gateway builds the URL from the API'],
    ['api.hubapi.com:443', 'the target is not a path (authority-form or relative): send /<api>/<path>'],
    ['hubspot/crm', 'the target is not a path (authority-form or relative): send /<api>/<path>'],
    ['//api.hubapi.com/crm', 'the target starts with //, which a client may read as a host'],
    ['/hubspot/crm\\v3', 'the target holds a backslash, which some servers read as /'],
    ['/hubspot/crm#x', 'the target holds a fragment (#)'],
    ['/hubspot/crm v3', 'the target holds a control, space or non-ASCII character, or one a URL may not hold unencoded'],
    ['/hubspot/crm/\u00e9', 'the target holds a control, space or non-ASCII character, or one a URL may not hold unencoded'],
    ['/hubspot/crm/%zz', 'the target holds a % that is not an escape (%XX)'],
    ['/hubspot/crm%2Fv3', 'the path holds an encoded separator (%2F or %5C)'],
    ['/hubspot/crm%5cv3', 'the path holds an encoded separator (%2F or %5C)'],
    ['/hubspot/crm?x=%00', 'the target holds an encoded NUL (%00)'],
    ['/hubspot/crm//v3', 'the path has an empty segment (// or a trailing /)'],
    ['/hubspot/crm/', 'the path has an empty segment (// or a trailing /)'],
    ['/hubspot/./crm', 'the path has a dot segment (. or .., plain or encoded)'],
    ['/hubspot/crm/%2E%2e', 'the path has a dot segment (. or .., plain or encoded)'],
    ['/HubSpot/crm', 'the first segment is not an API name (lowercase kebab-case): /<api>/<path>'],
  ])('refuses %j: %s', (raw, refused) => {
    expect(parseTarget(raw)).toEqual({ refused });
  });

  test("the upstream URL stays on the API's origin and under its base path", () => {
    expect(upstreamUrl('https://slack.com/api', { api: 'slack', path: '/chat.postMessage', query: '' })?.href).toBe('https://slack.com/api/chat.postMessage');
    expect(upstreamUrl('https://api.hubapi.com', { api: 'hubspot', path: '/crm/v3', query: '' })?.href).toBe('https://api.hubapi.com/crm/v3');
  });
});

describe('headers', () => {
  const incoming = {
    host: 'gw.example',
    authorization: 'Bearer sag_key',
    'x-scoped-agents-key': 'sag_key',
    cookie: 'a=b',
    'x-api-key': 'theirs',
    connection: 'keep-alive, x-trace',
    'x-trace': 'drop',
    'transfer-encoding': 'chunked',
    'content-length': '999',
    'content-type': 'application/json',
    accept: ['application/json', 'text/plain'],
  };

  test.each([
    [{ type: 'bearer' as const }, { authorization: 'Bearer cred' }],
    [{ type: 'basic' as const }, { authorization: `Basic ${Buffer.from('user:pw').toString('base64')}` }],
    [{ type: 'header' as const, name: 'X-Api-Key', prefix: 'Key ' }, { 'x-api-key': 'Key cred' }],
  ])('%j: only the safe headers go up, then the credential', (placement, injected) => {
    const credential = placement.type === 'basic' ? 'user:pw' : 'cred';
    expect(upstreamHeaders(incoming, placement, credential, 12)).toEqual({
      'content-type': 'application/json',
      accept: 'application/json, text/plain',
      'content-length': '12',
      ...injected,
    });
  });

  test('a query credential replaces any parameter of its name, and goes last', () => {
    expect(upstreamQuery('api_key=theirs&limit=10&api%5Fkey=x', { type: 'query', name: 'api_key' }, 'k&1')).toBe('limit=10&api_key=k%261');
    expect(upstreamQuery('limit=10', { type: 'bearer' }, 'k')).toBe('limit=10');
  });

  test('the answer loses hop-by-hop headers, what its Connection names, and cookies', () => {
    expect(
      downstreamHeaders({
        'content-type': 'application/json',
        connection: 'close, x-hop',
        'x-hop': '1',
        'set-cookie': ['a=b'],
        'keep-alive': 'timeout=5',
        'x-request-id': 'r',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'r',
    });
  });
});

describe('the rate limiter', () => {
  test('leases a hundredth of the limit, between 1 and 50 calls', () => {
    expect([leaseSize(1), leaseSize(150), leaseSize(1000), leaseSize(100_000)]).toEqual([1, 1, 10, 50]);
  });

  test('three instances sharing one store let exactly the limit through in a minute, then refuse until the next', async () => {
    const store = memoryStore([]);
    let now = 60_000 * 29_000_000 + 5_000;
    const limiters = [0, 1, 2].map(() => new RateLimiter(store, () => now));
    let allowed = 0;
    for (let i = 0; i < 1000; i++) if ((await limiters[i % 3].take('a', 1000)).allowed) allowed++;
    // Leases of 10: the third instance's last lease comes from what the others left.
    expect(allowed).toBeLessThanOrEqual(1000);
    let more = 0;
    for (let i = 0; i < 30; i++) if ((await limiters[i % 3].take('a', 1000)).allowed) more++;
    expect(allowed + more).toBe(1000);
    expect(await store.calls('a', Math.floor(now / 60_000))).toBe(1000);
    const refused = await limiters[0].take('a', 1000);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 55 });
    now += 55_000;
    expect((await limiters[0].take('a', 1000)).allowed).toBe(true);
  });

  test('concurrent calls on one instance share one lease: no more than the limit in the store', async () => {
    const store = memoryStore([]);
    const limiter = new RateLimiter(store, () => 60_000 * 29_000_000);
    const results = await Promise.all(Array.from({ length: 120 }, () => limiter.take('b', 100)));
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
    expect(await store.calls('b', 29_000_000)).toBe(100);
  });
});

describe('the credential cache', () => {
  const oauth: GatewayCredential = {
    secret: 'hubspot',
    store: 'vault',
    location: 'kv/data/agents/a/hubspot',
    field: 'access_token',
    rotator: 'oauth2-refresh',
    tokenUrl: 'https://token.example/oauth/v1/token',
  };

  test('uses a stored access token while valid, refreshes an expiring one once, and reuses the refreshed one', async () => {
    let now = Date.parse('2026-12-04T12:00:00Z');
    const value = { access_token: 'stored', expires_at: '2026-12-04T12:00:30Z', refresh_token: 'rt', client_id: 'c', client_secret: 's' };
    const reads: string[] = [];
    const posted: string[] = [];
    const fetchFn = (async (_url: URL, init: RequestInit) => {
      posted.push(String(init.body));
      return new Response(JSON.stringify({ access_token: `fresh-${posted.length}`, expires_in: 1800 }), { status: 200 });
    }) as unknown as typeof fetch;
    const creds = new Credentials({ read: async (c) => (reads.push(c.location), value) }, fetchFn, () => now);
    // Expires within the minute: refreshed, with the stored refresh token and client.
    expect(await creds.get(oauth)).toBe('fresh-1');
    expect(posted).toEqual(['grant_type=refresh_token&refresh_token=rt&client_id=c&client_secret=s']);
    now += 30_000;
    expect(await creds.get(oauth)).toBe('fresh-1');
    expect(posted).toHaveLength(1);
    // After 60 s the entry is read again; the refreshed token is still the one.
    now += 61_000;
    expect(await creds.get(oauth)).toBe('fresh-1');
    expect(reads).toHaveLength(2);
    // The provider refused it: refreshed again, never the refused one.
    expect(await creds.get(oauth, true)).toBe('fresh-2');
  });

  test('names the missing field, never a value', async () => {
    const creds = new Credentials({ read: async () => ({ api_key: 'SG.secret' }) });
    await expect(creds.get({ ...oauth, rotator: 'manual', field: 'token' })).rejects.toThrow('kv/data/agents/a/hubspot has no token field');
  });
});

/** A gateway over in-memory parts: one agent with a key, one endpoint on an API nobody listens on. */
function smallGateway(): { gateway: Gateway; sink: ReturnType<typeof memorySink>; key: string } {
  const key = 'sag_test_key';
  const config: GatewayAgentConfig = {
    agent: 'a',
    auth: 'gateway-key',
    maxCallsPerMinute: 10,
    apis: {
      crm: {
        baseUrl: 'http://127.0.0.1:9',
        placement: { type: 'bearer' },
        credential: { secret: 'crm', store: 'vault', location: 'kv/data/agents/a/crm', field: 'token', rotator: 'manual' },
        endpoints: ['POST /v1/items'],
        scopes: { 'crm.write': ['POST /v1/items'] },
      },
    },
  };
  const store = memoryStore([config], { [gatewayKeyHash(key)]: { agent: 'a' } });
  const sink = memorySink();
  const gateway = new Gateway({
    fleet: 'f',
    store,
    authenticator: new Authenticator(store, 'http://127.0.0.1:9'),
    revocation: new RevocationCheck({ read: async () => ({ status: 404, body: {} }) }, 'kv'),
    credentials: new Credentials({ read: async () => ({ token: 't' }) }),
    limiter: new RateLimiter(store),
    sink,
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: 8 },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { gateway, sink, key };
}

const text = async (body: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
};

describe('the handler on failures of the caller', () => {
  test('a body larger than the limit is 413, logged denied', async () => {
    const { gateway, sink, key } = smallGateway();
    const answer = await gateway.handle({
      method: 'POST',
      target: '/crm/v1/items',
      headers: { 'x-scoped-agents-key': key },
      body: Buffer.from('0123456789'),
      requestId: 'r',
      signal: new AbortController().signal,
    });
    expect([answer.status, JSON.parse(await text(answer.body))]).toEqual([413, { error: 'denied', reason: 'the body is larger than 8 bytes' }]);
    expect(sink.lines.map((l) => [l.group, l.line.outcome, l.line.status])).toEqual([['/scoped-agents/f/agents/a', 'denied', 413]]);
  });

  test('a caller that goes away while sending its body gets an answer and a line, and nothing throws', async () => {
    const { gateway, sink, key } = smallGateway();
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('{"a"');
      throw new Error('aborted');
    }
    const answer = await gateway.handle({
      method: 'POST',
      target: '/crm/v1/items',
      headers: { 'x-scoped-agents-key': key, 'transfer-encoding': 'chunked' },
      body: broken(),
      requestId: 'r',
      signal: new AbortController().signal,
    });
    expect(answer.status).toBe(400);
    expect(sink.lines.at(-1)!.line).toMatchObject({ agent: 'a', outcome: 'upstream-error', reason: 'the caller went away while sending the body' });
  });

  test('an unreachable provider is 502, logged upstream-error, naming the call and not the credential', async () => {
    const { gateway, sink, key } = smallGateway();
    const answer = await gateway.handle({
      method: 'POST',
      target: '/crm/v1/items',
      headers: { 'x-scoped-agents-key': key },
      body: Buffer.from('{}'),
      requestId: 'r',
      signal: new AbortController().signal,
    });
    expect(answer.status).toBe(502);
    expect(JSON.parse(await text(answer.body)).reason).toMatch(/^POST 127\.0\.0\.1:9\/v1\/items: ECONNREFUSED$/);
    expect(sink.lines.at(-1)!.line).toMatchObject({ outcome: 'upstream-error', status: 502 });
  });
});

describe('the Lambda adapter', () => {
  test('turns a Function URL event into the request the handler reads', () => {
    const signal = new AbortController().signal;
    const req = requestFromEvent(
      {
        rawPath: '/hubspot/crm/v3/objects/contacts/1',
        rawQueryString: 'a=1',
        headers: { 'X-Scoped-Agents-Key': 'sag_x', host: 'abc.lambda-url.eu-west-1.on.aws' },
        body: Buffer.from('{"x":1}').toString('base64'),
        isBase64Encoded: true,
        requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws', requestId: 'req-1', http: { method: 'PATCH' } },
      },
      signal,
    );
    expect({ ...req, body: (req.body as Buffer).toString(), signal: undefined }).toEqual({
      method: 'PATCH',
      target: '/hubspot/crm/v3/objects/contacts/1?a=1',
      headers: { 'x-scoped-agents-key': 'sag_x', host: 'abc.lambda-url.eu-west-1.on.aws' },
      body: '{"x":1}',
      requestId: 'req-1',
      signal: undefined,
      host: 'abc.lambda-url.eu-west-1.on.aws',
    });
  });

  test('streams the answer with its status and headers as the runtime expects, then delivers the line', async () => {
    const { gateway, sink } = smallGateway();
    const written: Buffer[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        written.push(Buffer.from(chunk));
        done();
      },
    });
    let metadata: unknown;
    let flushed = 0;
    await serveEvent(
      { rawPath: '/crm/v1/items', headers: {}, requestContext: { requestId: 'r-2', http: { method: 'POST' } } },
      stream,
      () => ({ gateway, flush: async () => void flushed++ }),
      (s, m) => {
        metadata = m;
        return s;
      },
    );
    expect(metadata).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="scoped-agents"' },
    });
    expect(JSON.parse(Buffer.concat(written).toString()).error).toBe('unauthenticated');
    expect(flushed).toBe(1);
    expect(sink.lines.map((l) => l.group)).toEqual(['/scoped-agents/f/gateway']);
  });
});
