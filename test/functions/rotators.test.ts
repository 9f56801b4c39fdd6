/**
 * The rotators against local servers that check the providers' documented
 * request shapes: an OAuth 2.0 token endpoint (RFC 6749 §6) and SendGrid's v3
 * API keys API.
 */
import { credentialsFrom } from '../../functions/shared/credentials';
import { rotators } from '../../functions/rotate/rotators';
import { RotationError } from '../../functions/rotate/rotators/rotator';
import { oauth2RefreshRotator } from '../../functions/rotate/rotators/oauth2-refresh';
import { sendgridApiKeyRotator } from '../../functions/rotate/rotators/sendgrid-api-key';
import { FakeOAuth2, startFakeOAuth2 } from '../support/fake-oauth2';
import { FakeSendGrid, startFakeSendGrid } from '../support/fake-sendgrid';

const NOW = new Date('2026-11-27T03:00:00.000Z');
const CLIENT = { client_id: 'client-1', client_secret: 'secret-1' };
const MANAGE = ['api_keys.create', 'api_keys.delete', 'api_keys.read'];

describe('oauth2-refresh', () => {
  let server: FakeOAuth2;
  const rotator = oauth2RefreshRotator(() => NOW);
  const credential = () => ({ name: 'hubspot', rotator: 'oauth2-refresh' as const, tokenUrl: server.tokenUrl, store: 'vault' as const });
  beforeEach(async () => {
    server = await startFakeOAuth2({ clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, refreshToken: 'rt-1' });
  });
  afterEach(() => server.stop());

  test('posts the refresh grant form-encoded with the client credentials, and returns the new tokens and expiry', async () => {
    const next = await rotator.rotate({ ...CLIENT, refresh_token: 'rt-1', access_token: 'at-old', portal: '42' }, credential(), fetch);
    expect(next).toEqual({
      ...CLIENT,
      portal: '42',
      access_token: server.issued[0],
      refresh_token: server.refreshToken(),
      token_type: 'bearer',
      expires_at: '2026-11-27T03:30:00.000Z',
    });
    expect(next.refresh_token).not.toBe('rt-1');
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', ...CLIENT });
    expect(req.status).toBe(200);
  });

  test('fails with invalid_grant when the refresh token is no longer valid, quoting no secret', async () => {
    const error: Error = await rotator.rotate({ ...CLIENT, refresh_token: 'rt-stale' }, credential(), fetch).catch((e) => e);
    expect(error).toBeInstanceOf(RotationError);
    expect(error.message).toMatch(
      /^hubspot: token endpoint 127\.0\.0\.1:\d+\/oauth\/v1\/token answered HTTP 400 invalid_grant \(refresh token is invalid, expired or revoked\)$/,
    );
    expect(error.message).not.toMatch(/rt-stale|secret-1/);
  });

  test('fails with invalid_client when the client credentials are wrong', async () => {
    await expect(rotator.rotate({ ...CLIENT, client_secret: 'wrong', refresh_token: 'rt-1' }, credential(), fetch)).rejects.toThrow(/HTTP 401 invalid_client/);
  });

  test('fails before calling anyone when the value lacks fields (named, not quoted), or the endpoint is not https', async () => {
    await expect(rotator.rotate({ client_id: 'c' }, credential(), fetch)).rejects.toThrow(
      'hubspot: the current value lacks client_secret, refresh_token; seed the entry with them',
    );
    await expect(
      rotator.rotate({ ...CLIENT, refresh_token: 'rt-1' }, { ...credential(), tokenUrl: 'http://api.hubapi.com/oauth/v1/token' }, fetch),
    ).rejects.toThrow('hubspot tokenUrl must use https: http://api.hubapi.com');
    expect(server.requests).toEqual([]);
  });

  test('the fake token endpoint refuses a JSON body, as RFC 6749 requires form encoding', async () => {
    const res = await fetch(server.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('sendgrid-api-key', () => {
  let server: FakeSendGrid;
  const rotator = sendgridApiKeyRotator(undefined, () => NOW);
  const credential = { name: 'sendgrid', rotator: 'sendgrid-api-key' as const, store: 'vault' as const };
  let base: ReturnType<typeof sendgridApiKeyRotator>;
  beforeEach(async () => {
    server = await startFakeSendGrid([{ id: 'kid-0', key: 'SG.key-0', name: 'mailer', scopes: ['mail.send', ...MANAGE, '2fa_required'] }]);
    base = sendgridApiKeyRotator(server.url, () => NOW);
  });
  afterEach(() => server.stop());

  test("reads the current key's scopes, mints a key with exactly those (Bearer, JSON), and retires the old key with the new one", async () => {
    const current = { api_key: 'SG.key-0', api_key_id: 'kid-0' };
    const next = await base.rotate(current, credential, fetch);
    expect(next).toEqual({
      api_key: expect.stringMatching(/^SG\./),
      api_key_id: expect.stringMatching(/^kid-/),
      name: 'mailer (rotated 2026-11-27T03:00:00Z)',
    });
    expect(server.keys.has('kid-0')).toBe(true); // not retired before the new value is stored
    const post = server.requests[1];
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ name: 'mailer (rotated 2026-11-27T03:00:00Z)', scopes: [...MANAGE, 'mail.send'].sort() });
    await base.retire!(current, next, credential, fetch);
    expect(server.keys.has('kid-0')).toBe(false);
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization} ${r.status}`)).toEqual([
      'GET /v3/api_keys/kid-0 Bearer SG.key-0 200',
      'POST /v3/api_keys Bearer SG.key-0 201',
      `DELETE /v3/api_keys/kid-0 Bearer ${next.api_key} 204`,
    ]);
  });

  test('with a management key: the agent key holds only mail.send; reading, minting and retiring use the management key', async () => {
    await server.stop();
    server = await startFakeSendGrid([
      { id: 'kid-agent', key: 'SG.agent', name: 'mailer', scopes: ['mail.send'] },
      // SendGrid grants a new key only scopes the creating key holds: the management key carries mail.send too.
      { id: 'kid-mgmt', key: 'SG.mgmt', name: 'management', scopes: [...MANAGE, 'mail.send'] },
    ]);
    base = sendgridApiKeyRotator(server.url, () => NOW);
    const current = { api_key: 'SG.agent', api_key_id: 'kid-agent' };
    const managed = { ...credential, management: 'sendgrid-management' };
    const next = await base.rotate(current, managed, fetch, { api_key: 'SG.mgmt' });
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ name: 'mailer (rotated 2026-11-27T03:00:00Z)', scopes: ['mail.send'] });
    expect(server.keys.get(next.api_key_id!)!.scopes).toEqual(['mail.send', '2fa_required']);
    await base.retire!(current, next, managed, fetch, { api_key: 'SG.mgmt' });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization} ${r.status}`)).toEqual([
      'GET /v3/api_keys/kid-agent Bearer SG.mgmt 200',
      'POST /v3/api_keys Bearer SG.mgmt 201',
      'DELETE /v3/api_keys/kid-agent Bearer SG.mgmt 204',
    ]);
    // Without the management key the agent's own key cannot even read itself.
    await expect(base.rotate({ api_key: next.api_key!, api_key_id: next.api_key_id! }, credential, fetch)).rejects.toThrow(
      'sendgrid: SendGrid GET /v3/api_keys/{id} answered HTTP 403: access forbidden',
    );
  });

  test("takes the new key back and fails when SendGrid grants other scopes than the current key's", async () => {
    // A response that drops mail.send: the new key would not do the agent's job.
    const narrowing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method !== 'POST') return res;
      const body = (await res.json()) as { scopes: string[] };
      return new Response(JSON.stringify({ ...body, scopes: body.scopes.filter((s: string) => s !== 'mail.send') }), {
        status: res.status,
        headers: res.headers,
      });
    };
    await expect(base.rotate({ api_key: 'SG.key-0', api_key_id: 'kid-0' }, credential, narrowing)).rejects.toThrow(
      /minted the new key with scopes \[api_keys\.create, api_keys\.delete, api_keys\.read\] instead of \[api_keys\.create, api_keys\.delete, api_keys\.read, mail\.send\]; it was deleted, the current key is kept/,
    );
    expect([...server.keys.keys()]).toEqual(['kid-0']);
  });

  test('fails without minting when the key may not manage keys (403), or is unknown (401)', async () => {
    server.keys.set('kid-1', { id: 'kid-1', key: 'SG.send-only', name: 'send-only', scopes: ['mail.send'] });
    await expect(base.rotate({ api_key: 'SG.send-only', api_key_id: 'kid-1' }, credential, fetch)).rejects.toThrow(
      'sendgrid: SendGrid GET /v3/api_keys/{id} answered HTTP 403: access forbidden',
    );
    await expect(base.rotate({ api_key: 'SG.nope', api_key_id: 'kid-0' }, credential, fetch)).rejects.toThrow(/HTTP 401: authorization required/);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  test('never mints a key without scopes (SendGrid would give it full access)', async () => {
    // SendGrid answering a key with only its implicit 2FA scope.
    const bare: typeof fetch = async (input, init) =>
      init?.method === 'GET'
        ? new Response(JSON.stringify({ result: [{ name: 'odd', api_key_id: 'kid-0', scopes: ['2fa_required'] }] }), { status: 200 })
        : fetch(input, init);
    await expect(base.rotate({ api_key: 'SG.key-0', api_key_id: 'kid-0' }, credential, bare)).rejects.toThrow(/refusing to mint a key without scopes/);
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  test('the fake API refuses a create without a name, as SendGrid does', async () => {
    const res = await fetch(`${server.url}/v3/api_keys`, {
      method: 'POST',
      headers: { Authorization: 'Bearer SG.key-0', 'Content-Type': 'application/json' },
      body: JSON.stringify({ scopes: ['mail.send'] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ field: 'name', message: 'missing required argument' }] });
  });

  test('defaults to the real API base URL, https only', async () => {
    const calls: string[] = [];
    const recording: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('{}', { status: 401 });
    };
    await expect(rotator.rotate({ api_key: 'k', api_key_id: 'i' }, credential, recording)).rejects.toThrow(/HTTP 401/);
    expect(calls).toEqual(['https://api.sendgrid.com/v3/api_keys/i']);
    await expect(sendgridApiKeyRotator('http://api.sendgrid.com').rotate({ api_key: 'k', api_key_id: 'i' }, credential, recording)).rejects.toThrow(
      /must use https/,
    );
  });
});

describe('manual and the registry', () => {
  test('manual is not automatic and changes nothing', async () => {
    const r = rotators().manual;
    expect(r.automatic).toBe(false);
    await expect(r.rotate({ a: '1' }, { name: 'x', rotator: 'manual', store: 'vault' }, fetch)).resolves.toEqual({ a: '1' });
  });

  test("CREDENTIALS is read with the table's defaults, and every problem is reported at once", () => {
    expect(
      credentialsFrom(
        JSON.stringify({ hubspot: { rotator: 'oauth2-refresh', tokenUrl: 'https://api.hubapi.com/oauth/v1/token', description: 'x' }, jira: {} }),
      ),
    ).toEqual({
      hubspot: { name: 'hubspot', rotator: 'oauth2-refresh', tokenUrl: 'https://api.hubapi.com/oauth/v1/token', store: 'vault' },
      jira: { name: 'jira', rotator: 'manual', store: 'vault' },
    });
    expect(() => credentialsFrom(JSON.stringify({ a: { rotator: 'magic' }, b: { rotator: 'oauth2-refresh', store: 's3' } }))).toThrow(
      /CREDENTIALS\.a\.rotator: expected one of manual, oauth2-refresh, sendgrid-api-key, openai-service-account, github-app, got "magic"\n- CREDENTIALS\.b\.store: expected vault or aws, got "s3"\n- CREDENTIALS\.b: the oauth2-refresh rotator needs tokenUrl/,
    );
    expect(() => credentialsFrom('{not json')).toThrow(/CREDENTIALS is not JSON/);
  });
});
