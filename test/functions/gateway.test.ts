/**
 * The gateway end to end, with real parts: the seed's table (its APIs pointed
 * at local servers that behave like HubSpot's CRM v3 and SendGrid's Mail Send,
 * and a fourth agent on a generic platform), synthesized and replayed onto a
 * real OpenBao (the gateway's own login and policy as synthesized) and moto
 * (its DynamoDB table and the agents' items, the call-log groups), the gateway
 * keys issued by the rotate function, and the same handler the Lambda runs
 * behind a loopback HTTP server.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readFileSync, writeFileSync } from 'fs';
import { Agent as HttpAgent, request } from 'http';
import { join, resolve } from 'path';
import { handler as revokeHandler } from '../../functions/revoke';
import { handler as rotateHandler } from '../../functions/rotate';
import { gatewayFrom } from '../../functions/gateway';
import { GatewayServer, serveGateway } from '../../functions/gateway/http-server';
import { Gateway } from '../../functions/gateway/handler';
import { jsonLogger } from '../../functions/shared/log';
import { appRoleLogin } from '../../functions/shared/vault';
import { alarmName, callLogFilterPatterns, callLogGroupName, GATEWAY, SECRET_NAMES } from '../../model';
import { tempDir } from '../helpers';
import { FakeOAuth2, startFakeOAuth2 } from '../support/fake-oauth2';
import { FakeHubSpot, startFakeHubSpot } from '../support/fake-hubspot';
import { FakeSendGrid, startFakeSendGrid } from '../support/fake-sendgrid';
import { filterMatches } from '../support/log-filter';
import { replayGatewayAws } from '../support/replay-aws';
import { expectStatus } from '../support/vault-client';
import {
  agentLogin,
  agentSession,
  alarmNotification,
  captureLogs,
  DENIED_RATE_TRIGGER,
  functionEnv,
  mintAgentLogin,
  snsAlarmEvent,
  startWorld,
  withEnv,
  World,
} from './world';

const ROOT = resolve(__dirname, '..', '..');
const HUBSPOT_CLIENT = { client_id: 'hubspot-client-1', client_secret: 'hubspot-client-secret-do-not-log', refresh_token: 'rt-lead-enricher-do-not-log' };
const LEAD_HUBSPOT = { ...HUBSPOT_CLIENT, access_token: 'at-expired-lead-enricher', expires_at: '2026-01-01T00:00:00.000Z' };
const SYNC_HUBSPOT = { ...HUBSPOT_CLIENT, access_token: 'at-crm-sync-first-do-not-log', expires_at: '2099-01-01T00:00:00.000Z' };
const SENDGRID_KEY = { api_key: 'SG.email-notifier.do-not-log', api_key_id: 'kid-0' };

// What the rotate and revoke functions log goes to the capture, not the console.
captureLogs();
let world: World;
let hubspot: FakeHubSpot;
let sendgrid: FakeSendGrid;
let oauth: FakeOAuth2;
let server: GatewayServer;
let flush: () => Promise<void>;
let gateway: Gateway;
/** What the gateway logged of its own (function log lines). */
const functionLog: string[] = [];
/** Access tokens HubSpot accepts besides the refreshed ones: crm-sync's, and the one rotated in by hand below. */
const accepted = new Set<string>([SYNC_HUBSPOT.access_token]);
/** Every credential value of the test: none may appear in a log line, an answer or an error. */
const secrets = (): string[] => [
  LEAD_HUBSPOT.client_secret,
  LEAD_HUBSPOT.refresh_token,
  LEAD_HUBSPOT.access_token,
  SYNC_HUBSPOT.access_token,
  SENDGRID_KEY.api_key,
  ...oauth.issued,
  ...[...accepted],
  ...Object.values(keys),
  ...(vaultToken ? [vaultToken] : []),
];
const keys: Record<string, string> = {};
let vaultToken: string | undefined;
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const fleetName = (): string => world.fleet.settings.name;

/** A raw HTTP request to the gateway (node's client, so that odd targets and headers go out exactly as written). */
function call(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
  reuse = true,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; firstChunkAt?: number }> {
  const url = new URL(server.url);
  return new Promise((resolveCall, reject) => {
    const agent = reuse ? keepAlive : false;
    const req = request({ host: url.hostname, port: url.port, method, path: target, headers, agent, setHost: !('Host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      let firstChunkAt: number | undefined;
      res.on('data', (c: Buffer) => {
        firstChunkAt ??= Date.now();
        chunks.push(c);
      });
      res.on('end', () => resolveCall({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), firstChunkAt }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const as = (agent: string): Record<string, string> => ({ 'X-Scoped-Agents-Key': keys[agent] });
const json = (r: { body: Buffer }): unknown => JSON.parse(r.body.toString('utf8'));

/** The call-log lines of a group, parsed, oldest first. */
async function linesOf(group: string): Promise<Record<string, unknown>[]> {
  await flush();
  const res = await world.aws.logs.send(new FilterLogEventsCommand({ logGroupName: group }));
  return (res.events ?? []).map((e) => JSON.parse(e.message!));
}

beforeAll(async () => {
  [sendgrid, oauth] = await Promise.all([
    startFakeSendGrid([{ id: 'kid-0', key: SENDGRID_KEY.api_key, name: 'email-notifier', scopes: ['mail.send'] }]),
    // HubSpot keeps a refresh token across refreshes: the gateway's refresh leaves the stored one valid.
    startFakeOAuth2({
      ...{ clientId: HUBSPOT_CLIENT.client_id, clientSecret: HUBSPOT_CLIENT.client_secret, refreshToken: HUBSPOT_CLIENT.refresh_token },
      rotateRefreshTokens: false,
    }),
  ]);
  hubspot = await startFakeHubSpot(
    { '101': { email: 'ada@example.com', firstname: 'Ada' }, '102': { email: 'alan@example.com', firstname: 'Alan' } },
    (t) => accepted.has(t) || oauth.issued.includes(t),
  );
  // The seed, with its APIs at the local servers, HubSpot's credential an OAuth2 one, and an agent that logs in to Vault itself.
  const table = join(tempDir('scoped-agents-gateway-'), 'agents.yaml');
  writeFileSync(
    table,
    readFileSync(join(ROOT, 'agents.yaml'), 'utf8') +
      [
        '',
        '  - name: crm-sync',
        '    owner: platform@acme.example',
        '    platform: generic',
        '    actions:',
        '      - { action: Read contacts, scopes: [crm.contacts.read] }',
        '',
        'apis:',
        `  hubspot: { baseUrl: "${hubspot.url}" }`,
        `  sendgrid: { baseUrl: "${sendgrid.url}" }`,
        '',
        'credentials:',
        `  hubspot: { rotator: oauth2-refresh, tokenUrl: "${oauth.tokenUrl}" }`,
        '  sendgrid: { rotator: sendgrid-api-key }',
        '',
      ].join('\n'),
  );
  world = await startWorld({
    table,
    seeds: { seed__lead_enricher__hubspot: LEAD_HUBSPOT, seed__crm_sync__hubspot: SYNC_HUBSPOT, seed__email_notifier__sendgrid: SENDGRID_KEY },
  });
  await replayGatewayAws(world.stack, world.aws);

  // The rotation issues each hosted agent's gateway key, as its schedule would.
  const rotateEnv = functionEnv(world, 'rotate', {
    SCHEDULE_GROUP: fleetName(),
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scoped-agents-scheduler',
    FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:scoped-agents-rotate',
    CREDENTIALS: JSON.stringify({}),
    GATEWAY_TABLE: GATEWAY.tableName(fleetName()),
  });
  await world.aws.scheduler.send(new CreateScheduleGroupCommand({ Name: fleetName() }));
  for (const agent of ['lead-enricher', 'email-notifier']) {
    await withEnv(rotateEnv, () => rotateHandler({ action: 'rotate', agent }));
    const delivered = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: GATEWAY.keySecretName(fleetName(), agent) }));
    keys[agent] = JSON.parse(delivered.SecretString!).key;
  }

  const env = {
    ...world.moto.env,
    FLEET: fleetName(),
    VAULT_ADDR: world.bao.addr,
    KV_MOUNT: world.fleet.settings.kvMount,
    APPROLE_MOUNT: world.fleet.settings.appRoleMount,
    VAULT_LOGIN_SECRET_ARN: world.loginSecretArn.gateway!,
    GATEWAY_TABLE: GATEWAY.tableName(fleetName()),
  };
  const built = gatewayFrom(
    env,
    fetch,
    jsonLogger((l) => functionLog.push(l)),
  );
  flush = built.flush;
  gateway = built.gateway;
  server = await serveGateway(built.gateway, { flush });
}, 120_000);

afterAll(async () => {
  keepAlive.destroy();
  await Promise.all([server?.close(), world?.stop(), hubspot?.stop(), sendgrid?.stop(), oauth?.stop()]);
});

describe('an allowed call', () => {
  let answer: Awaited<ReturnType<typeof call>>;
  let upstream: (typeof hubspot.requests)[number];
  beforeAll(async () => {
    answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101?properties=email&archived=false', { ...as('lead-enricher'), Accept: 'application/json' });
    upstream = hubspot.requests.at(-1)!;
  });

  test("returns the provider's status and body byte for byte", () => {
    expect(answer.status).toBe(200);
    expect(answer.body.equals(upstream.sent!)).toBe(true);
    expect(answer.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(answer.headers['x-hubspot-correlation-id']).toBe(upstream.headers === undefined ? undefined : 'c-1');
  });

  test('reaches the provider at the same path and query, with the credential injected and the gateway key gone', () => {
    expect(upstream.method).toBe('GET');
    expect(upstream.path).toBe('/crm/v3/objects/contacts/101?properties=email&archived=false');
    // The stored access token had expired: the gateway refreshed it once with the stored refresh token.
    expect(oauth.issued).toHaveLength(1);
    expect(upstream.headers.authorization).toBe(`Bearer ${oauth.issued[0]}`);
    expect(upstream.headers['x-scoped-agents-key']).toBeUndefined();
    expect(upstream.headers.accept).toBe('application/json');
    expect(upstream.headers.host).toBe(new URL(hubspot.url).host);
  });

  test("writes one line into the agent's call log, with what the alarms count and nothing secret", async () => {
    const lines = await linesOf(callLogGroupName(fleetName(), 'lead-enricher'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      agent: 'lead-enricher',
      token: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      api: 'hubspot',
      method: 'GET',
      path: '/crm/v3/objects/contacts/101',
      status: 200,
      outcome: 'ok',
      latencyMs: expect.any(Number),
      bytesIn: 0,
      bytesOut: upstream.sent!.length,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const patterns = callLogFilterPatterns('lead-enricher');
    const filter = Object.values(world.stack.json.resource!.aws_cloudwatch_log_metric_filter).filter((f) => String(f.log_group_name).includes('lead-enricher'));
    // The synthesized filters are the model's, and they count this line as a call and not as denied.
    expect(filter.map((f) => f.pattern).sort()).toEqual([patterns.calls, patterns.denied].sort());
    expect(filterMatches(patterns.calls, JSON.stringify(lines[0]))).toBe(true);
    expect(filterMatches(patterns.denied, JSON.stringify(lines[0]))).toBe(false);
  });

  test('the refreshed access token is reused: a second call refreshes nothing', async () => {
    const again = await call(
      'PATCH',
      '/hubspot/crm/v3/objects/contacts/102',
      { ...as('lead-enricher'), 'Content-Type': 'application/json' },
      '{"properties":{"hs_tag":"enriched"}}',
    );
    expect(again.status).toBe(200);
    expect((json(again) as { properties: Record<string, string> }).properties.hs_tag).toBe('enriched');
    expect(hubspot.requests.at(-1)!.body.toString()).toBe('{"properties":{"hs_tag":"enriched"}}');
    expect(hubspot.requests.at(-1)!.headers['content-length']).toBe('36');
    expect(oauth.issued).toHaveLength(1);
  });
});

test("streams the provider's answer: the first piece reaches the agent before the provider has sent the rest", async () => {
  const hold = hubspot.holdList();
  const pending = call('GET', '/hubspot/crm/v3/objects/contacts', as('lead-enricher'));
  // Release the second half only once the first has crossed the gateway.
  const started = Date.now();
  let released = 0;
  const watcher = setInterval(() => {
    if (Date.now() - started > 300) {
      released = Date.now();
      hold.release();
      clearInterval(watcher);
    }
  }, 20);
  const answer = await pending;
  expect(answer.status).toBe(200);
  expect(answer.firstChunkAt).toBeLessThan(released);
  expect(answer.body.equals(hubspot.requests.at(-1)!.sent!)).toBe(true);
});

describe('an agent that logs in to Vault (crm-sync, generic platform)', () => {
  beforeAll(async () => {
    const login = await mintAgentLogin(world, 'crm-sync');
    vaultToken = expectStatus(await agentLogin(world, login), 200, 'crm-sync login').body.auth.client_token;
  });

  test('calls with its own Vault token; the provider gets its HubSpot token, not the Vault token', async () => {
    const answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101', { Authorization: `Bearer ${vaultToken}` });
    expect(answer.status).toBe(200);
    expect(hubspot.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SYNC_HUBSPOT.access_token}`);
  });

  test('its token does not read the HubSpot entry itself: only the gateway does', async () => {
    const session = await agentSession(world, await mintAgentLogin(world, 'crm-sync'));
    expect((await session.request('GET', `${world.fleet.settings.kvMount}/data/agents/crm-sync/hubspot`)).status).toBe(403);
  });

  test('after the credential changes in its entry, the provider answers 401 once and the gateway reads the entry again', async () => {
    // Rotated by hand: the old token stops working at the provider, the new one is in the entry.
    accepted.delete(SYNC_HUBSPOT.access_token);
    accepted.add('at-crm-sync-second-do-not-log');
    expectStatus(
      await world.root.request('POST', `${world.fleet.settings.kvMount}/data/agents/crm-sync/hubspot`, {
        body: { data: { ...SYNC_HUBSPOT, access_token: 'at-crm-sync-second-do-not-log' } },
      }),
      200,
      'rotate by hand',
    );
    const before = hubspot.requests.length;
    const answer = await call('GET', '/hubspot/crm/v3/objects/contacts/102', { 'X-Vault-Token': vaultToken! });
    expect(answer.status).toBe(200);
    expect(hubspot.requests.slice(before).map((r) => [r.status, r.headers.authorization])).toEqual([
      [401, `Bearer ${SYNC_HUBSPOT.access_token}`],
      [200, 'Bearer at-crm-sync-second-do-not-log'],
    ]);
  });
});

test('email-notifier sends mail through SendGrid with its own key injected', async () => {
  const mail = JSON.stringify({
    personalizations: [{ to: [{ email: 'ops@acme.example' }] }],
    from: { email: 'agents@acme.example' },
    subject: 'Weekly report',
    content: [{ type: 'text/plain', value: 'All green.' }],
  });
  const answer = await call('POST', '/sendgrid/v3/mail/send', { ...as('email-notifier'), 'Content-Type': 'application/json' }, mail);
  expect(answer.status).toBe(202);
  expect(answer.body.length).toBe(0);
  expect(answer.headers['x-message-id']).toMatch(/^msg-/);
  const upstream = sendgrid.requests.at(-1)!;
  expect(upstream.headers.authorization).toBe(`Bearer ${SENDGRID_KEY.api_key}`);
  expect(upstream.body).toBe(mail);
  const lines = await linesOf(callLogGroupName(fleetName(), 'email-notifier'));
  expect(lines.map((l) => [l.api, l.method, l.path, l.status, l.outcome, l.bytesIn, l.bytesOut])).toEqual([
    ['sendgrid', 'POST', '/v3/mail/send', 202, 'ok', mail.length, 0],
  ]);
});

describe('calls outside the agent’s endpoints', () => {
  test.each([
    ['another API', 'POST', '/sendgrid/v3/mail/send', 'agent lead-enricher has no endpoint on sendgrid'],
    [
      'another method',
      'DELETE',
      '/hubspot/crm/v3/objects/contacts/101',
      "DELETE /crm/v3/objects/contacts/101 is not one of lead-enricher's endpoints on hubspot",
    ],
    ['another object', 'GET', '/hubspot/crm/v3/objects/companies/9', "GET /crm/v3/objects/companies/9 is not one of lead-enricher's endpoints on hubspot"],
    [
      'a deeper path',
      'GET',
      '/hubspot/crm/v3/objects/contacts/101/associations/companies',
      "GET /crm/v3/objects/contacts/101/associations/companies is not one of lead-enricher's endpoints on hubspot",
    ],
    ['an API of nobody', 'GET', '/stripe/v1/charges', 'agent lead-enricher has no endpoint on stripe'],
  ])('%s is 403 with the reason, logged as denied, and the provider hears nothing', async (_what, method, target, reason) => {
    const before = hubspot.requests.length + sendgrid.requests.length;
    const answer = await call(method, target, as('lead-enricher'));
    expect(answer.status).toBe(403);
    expect(json(answer)).toEqual({ error: 'denied', reason });
    expect(hubspot.requests.length + sendgrid.requests.length).toBe(before);
    const last = (await linesOf(callLogGroupName(fleetName(), 'lead-enricher'))).at(-1)!;
    expect([last.method, last.status, last.outcome, last.reason]).toEqual([method, 403, 'denied', reason]);
    expect(filterMatches(callLogFilterPatterns('lead-enricher').denied, JSON.stringify(last))).toBe(true);
  });
});

describe('every path and header trick is refused before anything reaches the provider', () => {
  test.each([
    ['dot segments', '/hubspot/crm/v3/objects/contacts/../../../v3/mail/send', {}, 'the path has a dot segment (. or .., plain or encoded)'],
    ['encoded dot segments', '/hubspot/crm/v3/objects/contacts/%2e%2e/%2E%2E/companies', {}, 'the path has a dot segment (. or .., plain or encoded)'],
    ['an encoded slash', '/hubspot/crm/v3/objects/contacts/101%2F..%2Fcompanies', {}, 'the path holds an encoded separator (%2F or %5C)'],
    ['an encoded backslash', '/hubspot/crm/v3/objects/contacts/101%5c..', {}, 'the path holds an encoded separator (%2F or %5C)'],
    ['a backslash', '/hubspot/crm/v3/objects/contacts\\101', {}, 'the target holds a backslash, which some servers read as /'],
    ['a leading double slash', '//evil.example/crm/v3/objects/contacts/101', {}, 'the target starts with //, which a client may read as a host'],
    [
      'an absolute URL',
      'http://evil.example/crm/v3/objects/contacts/101',
      {},
      'the target is an absolute URL (absolute-form): send the path only; the gateway builds the URL from the API',
    ],
    [
      'user info in the API segment',
      '/hubspot@evil.example/crm/v3/objects/contacts/101',
      {},
      'the first segment is not an API name (lowercase kebab-case): /<api>/<path>',
    ],
    ['a Host header naming another server', '/hubspot/crm/v3/objects/contacts/101', { Host: 'evil.example' }, 'the Host header names another server'],
    [
      'Connection: Authorization',
      '/hubspot/crm/v3/objects/contacts/101',
      { Connection: 'Authorization' },
      'the Connection header names authorization, which the gateway does not drop on request',
    ],
    [
      'an Upgrade',
      '/hubspot/crm/v3/objects/contacts/101',
      { Connection: 'Upgrade', Upgrade: 'websocket' },
      'the gateway does not upgrade connections (Upgrade)',
    ],
  ])('%s', async (_what, target, headers: Record<string, string>, reason) => {
    const before = hubspot.requests.length + sendgrid.requests.length;
    const answer = await call('GET', target, { ...as('lead-enricher'), ...headers });
    expect(answer.status).toBe(400);
    expect(json(answer)).toEqual({ error: 'denied', reason });
    expect(hubspot.requests.length + sendgrid.requests.length).toBe(before);
    const last = (await linesOf(callLogGroupName(fleetName(), 'lead-enricher'))).at(-1)!;
    expect([last.status, last.outcome, last.reason]).toEqual([400, 'denied', reason]);
  });

  test.each([
    ['user info', '@evil.example/crm/v3/objects/contacts/101'],
    ['authority form', 'evil.example:443'],
  ])('%s: the HTTP server refuses it itself, and the handler (as a Function URL event would bring it) refuses it too', async (_what, target) => {
    const before = hubspot.requests.length + sendgrid.requests.length;
    // Node's own parser refuses the target and closes the connection: a fresh one, not the pooled ones.
    const answer = await call('GET', target, as('lead-enricher'), undefined, false);
    expect(answer.status).toBe(400);
    const direct = await gateway.handle({
      method: 'GET',
      target,
      headers: { 'x-scoped-agents-key': keys['lead-enricher'] },
      body: Buffer.alloc(0),
      requestId: 'r-1',
      signal: new AbortController().signal,
    });
    const text = await new Promise<string>((done) => {
      const chunks: Buffer[] = [];
      direct.body.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks).toString()));
    });
    expect([direct.status, JSON.parse(text)]).toEqual([
      400,
      { error: 'denied', reason: 'the target is not a path (authority-form or relative): send /<api>/<path>' },
    ]);
    expect(hubspot.requests.length + sendgrid.requests.length).toBe(before);
  });

  test('a credential the caller adds for the provider is dropped, and the gateway sets its own', async () => {
    const answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101', {
      ...as('lead-enricher'),
      Cookie: 'hubspotutk=1',
      'X-Api-Key': 'someone-elses',
      'X-Forwarded-Host': 'evil.example',
      Connection: 'keep-alive, X-Debug',
      'X-Debug': 'drop-me',
    });
    expect(answer.status).toBe(200);
    const headers = hubspot.requests.at(-1)!.headers;
    expect([headers.cookie, headers['x-api-key'], headers['x-forwarded-host'], headers['x-debug']]).toEqual([undefined, undefined, undefined, undefined]);
    expect(headers.authorization).toBe(`Bearer ${oauth.issued[0]}`);
  });
});

describe('who is calling', () => {
  test.each([
    [
      'no credential',
      {},
      "no credential: send the agent's gateway key (x-scoped-agents-key) or its Vault token (X-Vault-Token), or either as Authorization: Bearer",
    ],
    ['a key of nobody', { 'X-Scoped-Agents-Key': 'sag_not-a-key-of-anyone' }, 'the gateway key is not one of any agent (rotated away, or never issued)'],
    ['a Vault token that is not one', { 'X-Vault-Token': 'hvs.not-a-token' }, 'Vault refused the token (HTTP 403): expired, revoked or not a Vault token'],
  ])('%s is 401, logged in the gateway group, and the provider hears nothing', async (_what, headers: Record<string, string>, reason) => {
    const before = hubspot.requests.length;
    const answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101', headers);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="scoped-agents"');
    expect(json(answer)).toEqual({ error: 'unauthenticated', reason });
    expect(hubspot.requests.length).toBe(before);
    const last = (await linesOf(GATEWAY.logGroupName(fleetName()))).at(-1)!;
    expect([last.agent, last.status, last.outcome, last.reason]).toEqual(['-', 401, 'unauthenticated', reason]);
  });

  test('a rotated key works for the grace period, then only the new one does', async () => {
    const old = keys['email-notifier'];
    const rotateEnv = functionEnv(world, 'rotate', {
      SCHEDULE_GROUP: fleetName(),
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scoped-agents-scheduler',
      FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:scoped-agents-rotate',
      CREDENTIALS: JSON.stringify({}),
      GATEWAY_TABLE: GATEWAY.tableName(fleetName()),
      ROTATION_GRACE_SECONDS: '2',
    });
    await withEnv(rotateEnv, () => rotateHandler({ action: 'rotate', agent: 'email-notifier' }));
    keys['email-notifier'] = JSON.parse(
      (await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: GATEWAY.keySecretName(fleetName(), 'email-notifier') }))).SecretString!,
    ).key;
    expect(keys['email-notifier']).not.toBe(old);
    expect(keys['email-notifier']).toMatch(/^sag_[A-Za-z0-9_-]{43}$/);
    const mail =
      '{"personalizations":[{"to":[{"email":"a@acme.example"}]}],"from":{"email":"b@acme.example"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}';
    const send = (key: string) => call('POST', '/sendgrid/v3/mail/send', { 'X-Scoped-Agents-Key': key, 'Content-Type': 'application/json' }, mail);
    expect((await send(old)).status).toBe(202);
    // Past the grace period and the authentication cache.
    await new Promise((r) => setTimeout(r, 2_000 + GATEWAY.authCacheMs));
    expect((await send(old)).status).toBe(401);
    expect((await send(keys['email-notifier'])).status).toBe(202);
  }, 30_000);
});

test('the 1,001st call in a minute is 429 with Retry-After, logged as rate-limited; the call-rate alarm sees more than 1000', async () => {
  // All in one minute: start at the beginning of one when little of the current is left.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
  const minute = Math.floor(Date.now() / 60_000);
  const inMinute = (l: Record<string, unknown>): boolean => Math.floor(Date.parse(String(l.timestamp)) / 60_000) === minute;
  // Calls crm-sync made already this minute count against its 1000.
  const prior = (await linesOf(callLogGroupName(fleetName(), 'crm-sync'))).filter(inMinute).length;
  const statuses: number[] = [];
  const headers = { 'X-Vault-Token': vaultToken! };
  for (let batch = 0; batch < 1000; batch += 25) {
    const answers = await Promise.all(Array.from({ length: 25 }, () => call('GET', '/hubspot/crm/v3/objects/contacts/101', headers)));
    statuses.push(...answers.map((a) => a.status));
  }
  const extra = await call('GET', '/hubspot/crm/v3/objects/contacts/101', headers);
  expect(Math.floor(Date.now() / 60_000)).toBe(minute);
  expect(statuses.filter((s) => s === 200)).toHaveLength(1000 - prior);
  expect(statuses.filter((s) => s === 429)).toHaveLength(prior);
  expect(extra.status).toBe(429);
  expect(Number(extra.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(extra.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(json(extra)).toEqual({ error: 'rate-limited', reason: 'more than 1000 calls this minute' });
  const lines = (await linesOf(callLogGroupName(fleetName(), 'crm-sync'))).filter(inMinute);
  const counted = lines.filter((l) => filterMatches(callLogFilterPatterns('crm-sync').calls, JSON.stringify(l))).length;
  expect(counted).toBeGreaterThan(1000);
  const alarm = Object.values(world.stack.json.resource!.aws_cloudwatch_metric_alarm).find(
    (a) => a.alarm_name === alarmName(fleetName(), 'crm-sync', 'call-rate'),
  )!;
  expect(counted).toBeGreaterThan(Number(alarm.threshold));
  expect(lines).toHaveLength(1001 + prior);
  expect(lines.filter((l) => l.outcome === 'rate-limited').length).toBe(prior + 1);
}, 120_000);

test('after the revoke function runs, the agent is refused within 5 s, as revoked', async () => {
  expect((await call('GET', '/hubspot/crm/v3/objects/contacts/101', as('lead-enricher'))).status).toBe(200);
  const started = Date.now();
  const revokeEnv = functionEnv(world, 'revoke');
  await withEnv(revokeEnv, () =>
    revokeHandler(snsAlarmEvent(alarmNotification(alarmName(fleetName(), 'lead-enricher', 'denied-rate'), 'ALARM', DENIED_RATE_TRIGGER))),
  );
  let answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101', as('lead-enricher'));
  while (answer.status !== 403 && Date.now() - started < 10_000) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await call('GET', '/hubspot/crm/v3/objects/contacts/101', as('lead-enricher'));
  }
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(answer.status).toBe(403);
  expect(json(answer)).toEqual({ error: 'revoked', reason: 'agent lead-enricher is revoked; its runbook says how to re-enable it' });
  const last = (await linesOf(callLogGroupName(fleetName(), 'lead-enricher'))).at(-1)!;
  expect([last.status, last.outcome]).toEqual([403, 'revoked']);
  // The others are untouched.
  expect((await call('POST', '/sendgrid/v3/mail/send', as('email-notifier'), '{}')).status).toBe(400);
}, 30_000);

test('the gateway read only what its policy names: its login cannot read another entry or write anything', async () => {
  const login = JSON.parse((await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: world.loginSecretArn.gateway! }))).SecretString!);
  const vault = await appRoleLogin(world.bao.addr, world.fleet.settings.appRoleMount, login);
  const kv = world.fleet.settings.kvMount;
  expect((await vault.request('GET', `${kv}/data/agents/crm-sync/hubspot`)).status).toBe(200);
  expect((await vault.request('GET', `${kv}/data/control/revoked/lead-enricher`)).status).toBe(200);
  // invoice-summarizer has no gateway endpoint: nothing of it is readable.
  expect((await vault.request('GET', `${kv}/data/control/revoked/invoice-summarizer`)).status).toBe(403);
  expect((await vault.request('POST', `${kv}/data/agents/crm-sync/hubspot`, { data: { token: 'x' } })).status).toBe(403);
  expect((await vault.request('LIST', `${kv}/metadata/agents`)).status).toBe(403);
  expect((await vault.request('GET', 'auth/token/accessors')).status).toBe(403);
  expect((await vault.request('GET', 'sys/policies/acl/agent-crm-sync')).status).toBe(403);
  expect(SECRET_NAMES.functionLogin(fleetName(), 'gateway')).toBe(`scoped-agents/${fleetName()}/functions/gateway/vault-login`);
});

test('no log line, answer or function log holds a credential', async () => {
  await flush();
  const groups = [...world.fleet.agents.map((a) => callLogGroupName(fleetName(), a.name)), GATEWAY.logGroupName(fleetName())];
  const texts: string[] = [...functionLog];
  for (const group of groups) {
    let nextToken: string | undefined;
    do {
      const res = await world.aws.logs.send(new FilterLogEventsCommand({ logGroupName: group, nextToken }));
      texts.push(...(res.events ?? []).map((e) => e.message!));
      nextToken = res.nextToken;
    } while (nextToken);
  }
  expect(texts.length).toBeGreaterThan(1000);
  const all = texts.join('\n');
  for (const secret of secrets()) expect({ secret: secret.slice(0, 6), found: all.includes(secret) }).toEqual({ secret: secret.slice(0, 6), found: false });
  // No query value either: the path is logged without it.
  expect(all).not.toContain('properties=email');
});
