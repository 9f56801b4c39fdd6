/**
 * Each provider revoker against a local server that checks the request shape
 * its provider documents: the credential is dead there afterwards, a second
 * run finds nothing to revoke, an overloaded provider is retried with
 * backoff, and a refusal is an error naming the call and status, never the
 * credential.
 */
import { ProviderError, REVOKER_IMPLEMENTATIONS, withRetry } from '../../functions/revoke/revokers';
import { Credentials } from '../../functions/gateway/credentials';
import { githubAppRotator } from '../../functions/rotate/rotators/github-app';
import { openaiServiceAccountRotator } from '../../functions/rotate/rotators/openai-service-account';
import { generateKeyPairSync } from 'crypto';
import { CredentialConfig } from '../../functions/shared/credentials';
import { FakeProviders, OPENAI_ADMIN, RFC7009_CLIENT, startFakeProviders, ZENDESK_ADMIN } from '../support/fake-providers';
import { FakeSendGrid, startFakeSendGrid } from '../support/fake-sendgrid';

let fake: FakeProviders;
let sendgrid: FakeSendGrid;

beforeAll(async () => {
  [fake, sendgrid] = await Promise.all([
    startFakeProviders(),
    startFakeSendGrid([
      { id: 'agent-key-id', key: 'SG.agent', name: 'email-notifier', scopes: ['mail.send'] },
      { id: 'mgmt-key-id', key: 'SG.mgmt', name: 'scoped-agents management', scopes: ['api_keys.delete', 'api_keys.read'] },
    ]),
  ]);
});
afterAll(async () => Promise.all([fake.stop(), sendgrid.stop()]));
beforeEach(() => {
  fake.requests.length = 0;
  sendgrid.requests.length = 0;
});

const config = (name: string, more: Partial<CredentialConfig>): CredentialConfig => ({ name, rotator: 'manual', store: 'vault', ...more });
const noWait = (): Promise<void> => Promise.resolve();

test('SendGrid: DELETE /v3/api_keys/{api_key_id} with the management key; the agent key is gone, then nothing to revoke', async () => {
  const c = config('sendgrid', { revoker: 'sendgrid-api-key', baseUrl: sendgrid.url, management: 'sendgrid-management' });
  const value = { api_key: 'SG.agent', api_key_id: 'agent-key-id' };
  const revoke = REVOKER_IMPLEMENTATIONS['sendgrid-api-key'];
  expect(await revoke(value, { api_key: 'SG.mgmt' }, c, fetch)).toEqual({ outcome: 'revoked', detail: 'SendGrid DELETE /v3/api_keys/{api_key_id} → 204' });
  expect(sendgrid.requests.map((r) => [r.method, r.path, r.headers.authorization, r.status])).toEqual([
    ['DELETE', '/v3/api_keys/agent-key-id', 'Bearer SG.mgmt', 204],
  ]);
  expect(sendgrid.keys.has('agent-key-id')).toBe(false);
  expect(await revoke(value, { api_key: 'SG.mgmt' }, c, fetch)).toEqual({
    outcome: 'nothing-to-revoke',
    detail: 'SendGrid DELETE /v3/api_keys/{api_key_id} → 404 (no such key)',
  });
});

test('SendGrid without a management credential: an error before any call, saying which', async () => {
  const c = config('sendgrid', { revoker: 'sendgrid-api-key', baseUrl: sendgrid.url, management: 'sendgrid-management' });
  await expect(REVOKER_IMPLEMENTATIONS['sendgrid-api-key']({ api_key_id: 'x' }, undefined, c, fetch)).rejects.toThrow(
    'sendgrid: no management credential sendgrid-management to revoke it with',
  );
  expect(sendgrid.requests).toEqual([]);
});

test('HubSpot: DELETE /oauth/v1/refresh-tokens/{refresh_token}, no other credential sent', async () => {
  fake.live.add('hub-refresh-1');
  const c = config('hubspot', { revoker: 'hubspot-refresh-token', baseUrl: fake.url, rotator: 'oauth2-refresh' });
  const value = { refresh_token: 'hub-refresh-1', access_token: 'hub-access', client_id: 'c', client_secret: 's' };
  expect((await REVOKER_IMPLEMENTATIONS['hubspot-refresh-token'](value, undefined, c, fetch)).outcome).toBe('revoked');
  expect((await REVOKER_IMPLEMENTATIONS['hubspot-refresh-token'](value, undefined, c, fetch)).outcome).toBe('nothing-to-revoke');
  expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization, r.body, r.status])).toEqual([
    ['DELETE', '/oauth/v1/refresh-tokens/hub-refresh-1', undefined, '', 204],
    ['DELETE', '/oauth/v1/refresh-tokens/hub-refresh-1', undefined, '', 404],
  ]);
});

test('RFC 7009: POST the revocation endpoint, form-encoded, the refresh token with its hint and the client in the body', async () => {
  fake.live.add('rt-7009');
  const c = config('jira', { revoker: 'oauth2-rfc7009', rotator: 'oauth2-refresh', tokenUrl: `${fake.url}/token`, revocationUrl: `${fake.url}/oauth2/revoke` });
  const value = { refresh_token: 'rt-7009', access_token: 'at', client_id: RFC7009_CLIENT.id, client_secret: RFC7009_CLIENT.secret };
  expect(await REVOKER_IMPLEMENTATIONS['oauth2-rfc7009'](value, undefined, c, fetch)).toEqual({
    outcome: 'revoked',
    detail: `RFC 7009 POST 127.0.0.1:${new URL(fake.url).port}/oauth2/revoke (refresh_token) → 200`,
  });
  expect(fake.live.has('rt-7009')).toBe(false);
  const [req] = fake.requests;
  expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
    token: 'rt-7009',
    token_type_hint: 'refresh_token',
    client_id: RFC7009_CLIENT.id,
    client_secret: RFC7009_CLIENT.secret,
  });
  await expect(REVOKER_IMPLEMENTATIONS['oauth2-rfc7009']({ ...value, client_secret: 'wrong' }, undefined, c, fetch)).rejects.toThrow(
    `RFC 7009 POST 127.0.0.1:${new URL(fake.url).port}/oauth2/revoke answered HTTP 401: invalid_client`,
  );
});

test('Slack: POST /api/auth.revoke with the token itself; a dead token is nothing to revoke', async () => {
  fake.live.add('xoxb-live');
  const c = config('slack', { revoker: 'slack-auth-revoke', baseUrl: `${fake.url}/api` });
  expect(await REVOKER_IMPLEMENTATIONS['slack-auth-revoke']({ token: 'xoxb-live' }, undefined, c, fetch)).toEqual({
    outcome: 'revoked',
    detail: 'Slack POST /api/auth.revoke → ok',
  });
  expect(await REVOKER_IMPLEMENTATIONS['slack-auth-revoke']({ token: 'xoxb-live' }, undefined, c, fetch)).toEqual({
    outcome: 'nothing-to-revoke',
    detail: 'Slack POST /api/auth.revoke → invalid_auth',
  });
  expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
    ['POST', '/api/auth.revoke', 'Bearer xoxb-live'],
    ['POST', '/api/auth.revoke', 'Bearer xoxb-live'],
  ]);
});

test('Zendesk: by id with the management token, else current.json with the token itself', async () => {
  fake.live.add('zd-agent-token');
  fake.zendeskTokens.set('9001', 'zd-agent-token');
  const c = config('zendesk', { revoker: 'zendesk-oauth-token', baseUrl: fake.url, management: 'zendesk-management' });
  const revoke = REVOKER_IMPLEMENTATIONS['zendesk-oauth-token'];
  expect(await revoke({ access_token: 'zd-agent-token', token_id: '9001' }, { access_token: ZENDESK_ADMIN }, c, fetch)).toEqual({
    outcome: 'revoked',
    detail: 'Zendesk DELETE /api/v2/oauth/tokens/{token_id}.json → 204',
  });
  fake.live.add('zd-other');
  expect((await revoke({ access_token: 'zd-other' }, undefined, c, fetch)).outcome).toBe('revoked');
  expect((await revoke({ access_token: 'zd-other' }, undefined, c, fetch)).outcome).toBe('nothing-to-revoke');
  expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization, r.status])).toEqual([
    ['DELETE', '/api/v2/oauth/tokens/9001.json', `Bearer ${ZENDESK_ADMIN}`, 204],
    ['DELETE', '/api/v2/oauth/tokens/current.json', 'Bearer zd-other', 204],
    ['DELETE', '/api/v2/oauth/tokens/current.json', 'Bearer zd-other', 401],
  ]);
});

test('GitHub: POST /credentials/revoke, unauthenticated, the token in a JSON list, the documented media type', async () => {
  fake.live.add('ghp_live');
  const c = config('github', { revoker: 'github-credentials-revoke', baseUrl: fake.url });
  expect(await REVOKER_IMPLEMENTATIONS['github-credentials-revoke']({ token: 'ghp_live' }, undefined, c, fetch)).toEqual({
    outcome: 'revoked',
    detail: 'GitHub POST /credentials/revoke → 202',
  });
  const [req] = fake.requests;
  expect([req!.headers.authorization, req!.headers.accept, req!.headers['x-github-api-version'], JSON.parse(req!.body)]).toEqual([
    undefined,
    'application/vnd.github+json',
    '2022-11-28',
    { credentials: ['ghp_live'] },
  ]);
  expect(fake.live.has('ghp_live')).toBe(false);
});

test('OpenAI: DELETE /v1/organization/projects/{project_id}/api_keys/{key_id} with the admin key', async () => {
  fake.live.add('proj_1/key_1');
  const c = config('openai', { revoker: 'openai-project-key', baseUrl: fake.url, management: 'openai-management' });
  const value = { api_key: 'sk-proj-agent', project_id: 'proj_1', key_id: 'key_1' };
  const revoke = REVOKER_IMPLEMENTATIONS['openai-project-key'];
  expect((await revoke(value, { api_key: OPENAI_ADMIN }, c, fetch)).outcome).toBe('revoked');
  expect((await revoke(value, { api_key: OPENAI_ADMIN }, c, fetch)).outcome).toBe('nothing-to-revoke');
  await expect(revoke(value, { api_key: 'sk-proj-agent' }, c, fetch)).rejects.toThrow(
    'OpenAI DELETE /v1/organization/projects/{project_id}/api_keys/{key_id} answered HTTP 401: Invalid admin key',
  );
  await expect(revoke({ api_key: 'sk-proj-agent' }, { api_key: OPENAI_ADMIN }, c, fetch)).rejects.toThrow(
    'openai: its entry lacks project_id, key_id; revoke it by hand',
  );
  expect(fake.requests.map((r) => [r.path, r.headers.authorization, r.status])).toEqual([
    ['/v1/organization/projects/proj_1/api_keys/key_1', `Bearer ${OPENAI_ADMIN}`, 200],
    ['/v1/organization/projects/proj_1/api_keys/key_1', `Bearer ${OPENAI_ADMIN}`, 404],
    ['/v1/organization/projects/proj_1/api_keys/key_1', 'Bearer sk-proj-agent', 401],
  ]);
});

test('an overloaded provider (503, then 429) is retried with backoff until it answers', async () => {
  fake.live.add('hub-retry');
  fake.failNext('/oauth/v1/refresh-tokens/', [503, 429]);
  const waits: number[] = [];
  const c = config('hubspot', { revoker: 'hubspot-refresh-token', baseUrl: fake.url });
  const result = await withRetry(
    () => REVOKER_IMPLEMENTATIONS['hubspot-refresh-token']({ refresh_token: 'hub-retry' }, undefined, c, fetch),
    [250, 1000],
    async (ms) => {
      waits.push(ms);
    },
  );
  expect(result.outcome).toBe('revoked');
  expect(waits).toEqual([250, 1000]);
  expect(fake.requests.map((r) => r.status)).toEqual([503, 429, 204]);
});

test('a provider that keeps failing: three attempts, then the last status; a refusal (4xx) is not retried', async () => {
  fake.failNext('/oauth/v1/refresh-tokens/', [500, 500, 500]);
  const c = config('hubspot', { revoker: 'hubspot-refresh-token', baseUrl: fake.url });
  const attempt = (): Promise<unknown> => REVOKER_IMPLEMENTATIONS['hubspot-refresh-token']({ refresh_token: 'gone' }, undefined, c, fetch);
  const error = await withRetry(attempt, [1, 1], noWait).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect([(error as ProviderError).status, (error as Error).message]).toEqual([
    500,
    'HubSpot DELETE /oauth/v1/refresh-tokens/{refresh_token} answered HTTP 500: temporarily unavailable',
  ]);
  expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 500]);
  fake.requests.length = 0;
  fake.failNext('/oauth/v1/refresh-tokens/', [403]);
  await expect(withRetry(attempt, [1, 1], noWait)).rejects.toThrow('answered HTTP 403');
  expect(fake.requests.map((r) => r.status)).toEqual([403]);
});

test('an unreachable provider is retried, then named without the credential', async () => {
  const c = config('hubspot', { revoker: 'hubspot-refresh-token', baseUrl: 'http://127.0.0.1:9' });
  const error = (await withRetry(
    () => REVOKER_IMPLEMENTATIONS['hubspot-refresh-token']({ refresh_token: 'secret-refresh' }, undefined, c, fetch),
    [1, 1],
    noWait,
  ).catch((e: unknown) => e)) as Error;
  expect(error.message).toBe('HubSpot DELETE /oauth/v1/refresh-tokens/{refresh_token}: 127.0.0.1:9 unreachable (TypeError)');
  expect(error.message).not.toContain('secret-refresh');
});

describe('the OpenAI service-account rotator, against the same server', () => {
  test('creates a service account with the admin key, stores its key, then deletes the old account; the revoker then deletes the new key', async () => {
    const rotator = openaiServiceAccountRotator(fake.url, () => new Date('2026-11-27T03:00:00Z'));
    const c = config('openai', { rotator: 'openai-service-account', management: 'openai-management' });
    const first = await rotator.rotate({ project_id: 'proj_9', name: 'report-writer' }, c, fetch, { api_key: OPENAI_ADMIN });
    expect(first).toEqual({
      project_id: 'proj_9',
      name: 'report-writer (rotated 2026-11-27T03:00:00Z)',
      api_key: expect.stringMatching(/^sk-svcacct-\d+$/),
      key_id: expect.stringMatching(/^key_\d+$/),
      service_account_id: expect.stringMatching(/^svc_acct_\d+$/),
    });
    const second = await rotator.rotate(first, c, fetch, { api_key: OPENAI_ADMIN });
    expect(second.name).toBe('report-writer (rotated 2026-11-27T03:00:00Z)');
    expect(fake.live.has(`proj_9/${first.key_id}`)).toBe(true); // not retired before the new value is stored
    await rotator.retire!(first, second, c, fetch, { api_key: OPENAI_ADMIN });
    expect(fake.live.has(`proj_9/${first.key_id}`)).toBe(false);
    expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization, r.status])).toEqual([
      ['POST', '/v1/organization/projects/proj_9/service_accounts', `Bearer ${OPENAI_ADMIN}`, 200],
      ['POST', '/v1/organization/projects/proj_9/service_accounts', `Bearer ${OPENAI_ADMIN}`, 200],
      ['DELETE', `/v1/organization/projects/proj_9/service_accounts/${first.service_account_id}`, `Bearer ${OPENAI_ADMIN}`, 200],
    ]);
    expect(JSON.parse(fake.requests[0]!.body)).toEqual({ name: 'report-writer (rotated 2026-11-27T03:00:00Z)' });
    // The revoker deletes the live key by its id.
    const revoked = await REVOKER_IMPLEMENTATIONS['openai-project-key'](
      second,
      { api_key: OPENAI_ADMIN },
      { ...c, revoker: 'openai-project-key', baseUrl: fake.url },
      fetch,
    );
    expect(revoked.outcome).toBe('revoked');
    expect(fake.live.has(`proj_9/${second.key_id}`)).toBe(false);
  });

  test('refuses without an admin key, before any call; names OpenAI’s refusal of a non-admin key', async () => {
    const rotator = openaiServiceAccountRotator(fake.url);
    const c = config('openai', { rotator: 'openai-service-account', management: 'openai-management' });
    await expect(rotator.rotate({ project_id: 'p' }, c, fetch)).rejects.toThrow(
      'openai: no management credential with an admin api_key; OpenAI service accounts are created with an admin key',
    );
    expect(fake.requests).toEqual([]);
    await expect(rotator.rotate({ project_id: 'p' }, c, fetch, { api_key: 'sk-proj-user' })).rejects.toThrow(
      'openai: OpenAI POST …/service_accounts answered HTTP 401: Invalid admin key',
    );
  });
});

describe('GitHub App installation tokens (functions/shared/github-app.ts)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  beforeAll(() => fake.addGithubApp('4242', '123456', publicKey));
  const entry = { app_id: '123456', installation_id: '4242', private_key: pem };
  const installations = (): string => `${fake.url}/app/installations`;

  test('the nightly rotation mints an installation token with the App’s JWT and stores it with its expiry', async () => {
    const c = config('github', { rotator: 'github-app', tokenUrl: installations() });
    const next = await githubAppRotator().rotate(entry, c, fetch);
    expect(next).toEqual({ ...entry, token: expect.stringMatching(/^ghs_\d+$/), expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.\d{3}Z$/) });
    const [req] = fake.requests;
    expect([req!.method, req!.path, req!.headers.accept, req!.headers['x-github-api-version']]).toEqual([
      'POST',
      '/app/installations/4242/access_tokens',
      'application/vnd.github+json',
      '2022-11-28',
    ]);
    const claims = JSON.parse(Buffer.from(String(req!.headers.authorization).split('.')[1]!, 'base64url').toString());
    expect([claims.iss, claims.exp - claims.iat]).toEqual(['123456', 600]);
    expect(JSON.stringify(next)).not.toContain(String(req!.headers.authorization).slice(7));
  });

  test('a key that is not the App’s is refused by GitHub, and the error names the call, not the key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const c = config('github', { rotator: 'github-app', tokenUrl: installations() });
    await expect(githubAppRotator().rotate({ ...entry, private_key: other }, c, fetch)).rejects.toThrow(
      'github: GitHub POST /app/installations/{installation_id}/access_tokens answered HTTP 401: A JSON web token could not be decoded',
    );
    await expect(githubAppRotator().rotate({ app_id: '123456' }, c, fetch)).rejects.toThrow(
      'github: a GitHub App credential needs installation_id, private_key in its entry',
    );
  });

  test('the gateway mints on demand: the stored token while it has a minute left, else a new one (kept), and a new one after a 401', async () => {
    const c = {
      secret: 'github',
      store: 'vault' as const,
      location: 'kv/data/agents/bot/github',
      field: 'token',
      rotator: 'github-app' as const,
      tokenUrl: installations(),
    };
    const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
    const fresh = new Credentials({ read: async () => ({ ...entry, token: 'ghs_stored', expires_at: inMinutes(30) }) });
    expect(await fresh.get(c)).toBe('ghs_stored');
    expect(fake.requests).toEqual([]);
    // Half a minute left: not enough to forward a call with.
    const expiring = new Credentials({ read: async () => ({ ...entry, token: 'ghs_stored', expires_at: inMinutes(0.5) }) });
    const minted = await expiring.get(c);
    expect(minted).toMatch(/^ghs_\d+$/);
    expect(await expiring.get(c)).toBe(minted);
    expect(fake.requests).toHaveLength(1);
    // GitHub answered 401 to it: mint another, never the one refused.
    const again = await expiring.get(c, true);
    expect(again).toMatch(/^ghs_\d+$/);
    expect(again).not.toBe(minted);
    expect(fake.requests).toHaveLength(2);
  });
});
