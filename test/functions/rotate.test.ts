/**
 * The rotate function on a real OpenBao (the seed's synthesized Vault resources
 * replayed) and moto, logged in with its own least-privilege AppRole role,
 * against local OAuth 2.0 and SendGrid servers that check the documented
 * request shapes.
 */
import { GetScheduleCommand, ListSchedulesCommand, CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'crypto';
import { METRICS, parseVaultPolicy, rotatorVaultPolicy, SECRET_NAMES } from '../../model';
import { handler as rotateHandler } from '../../functions/rotate';
import { AgentRotation, atExpression, rotateAgent } from '../../functions/rotate/rotate-agent';
import { rotators } from '../../functions/rotate/rotators';
import { Rotator } from '../../functions/rotate/rotators/rotator';
import { jsonLogger } from '../../functions/shared/log';
import { appRoleLogin } from '../../functions/shared/vault';
import { FakeOAuth2, startFakeOAuth2 } from '../support/fake-oauth2';
import { FakeSendGrid, startFakeSendGrid } from '../support/fake-sendgrid';
import { expectStatus } from '../support/vault-client';
import { captureLogs, agentLogin, agentSession, functionEnv, functionLogin, metricSum, mintAgentLogin, startWorld, withEnv, World } from './world';

const SCHEDULE_GROUP = 'scoped-agents-expiry';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:scoped-agents-rotate';
const SCHEDULER_ROLE_ARN = 'arn:aws:iam::123456789012:role/scoped-agents-scheduler';
const MANAGE_KEYS = ['api_keys.create', 'api_keys.delete', 'api_keys.read'];
const HUBSPOT_SEED = { client_id: 'hubspot-client-id', client_secret: 'hubspot-client-secret', refresh_token: 'rt-seed', access_token: 'at-seed' };
const SENDGRID_SEED = { api_key: 'SG.seed-key-0', api_key_id: 'kid-0', name: 'email-notifier' };
const AWS_KEPT = { api_key: 'SG.aws-kept-key', api_key_id: 'kid-aws', name: 'email-notifier mailer' };

const logs = captureLogs();
let world: World;
let oauth: FakeOAuth2;
let sendgrid: FakeSendGrid;
let mailerArn: string;
const kv = (): string => world.fleet.settings.kvMount;
const fleetName = (): string => world.fleet.settings.name;

const rotateEnv = (): Record<string, string> =>
  functionEnv(world, 'rotate', {
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN,
    FUNCTION_ARN,
    ROTATION_GRACE_SECONDS: '1',
    SENDGRID_API_URL: sendgrid.url,
    CREDENTIALS: JSON.stringify({
      hubspot: { rotator: 'oauth2-refresh', tokenUrl: oauth.tokenUrl, store: 'vault' },
      sendgrid: { rotator: 'sendgrid-api-key', store: 'vault' },
      mailer: { rotator: 'sendgrid-api-key', store: 'aws' },
    }),
  });
const rotate = <T = AgentRotation>(event: unknown): Promise<T> => withEnv(rotateEnv(), () => rotateHandler(event) as Promise<T>);

async function kvEntry(agent: string, secret: string, version?: number): Promise<{ version: number; data: Record<string, string> }> {
  const res = expectStatus(await world.root.request('GET', `${kv()}/data/agents/${agent}/${secret}${version ? `?version=${version}` : ''}`), 200, 'read entry');
  return { version: res.body.data.metadata.version, data: res.body.data.data };
}
async function currentVersion(agent: string, secret: string): Promise<number> {
  return expectStatus(await world.root.request('GET', `${kv()}/metadata/agents/${agent}/${secret}`), 200, 'read metadata').body.data.current_version;
}
async function delivered(agent: string): Promise<{ role_id: string; secret_id: string }> {
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: SECRET_NAMES.agentLogin(fleetName(), agent) }));
  return JSON.parse(res.SecretString!);
}
async function secretIdAccessor(agent: string, secretId: string): Promise<string> {
  const res = expectStatus(
    await world.root.request('POST', `auth/approle/role/agent-${agent}/secret-id/lookup`, { body: { secret_id: secretId } }),
    200,
    'look up secret-id',
  );
  return res.body.data.secret_id_accessor;
}
async function schedule(name: string): Promise<{
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  FlexibleTimeWindow?: { Mode?: string };
  Target?: { Arn?: string; RoleArn?: string; Input?: string };
}> {
  return world.aws.scheduler.send(new GetScheduleCommand({ GroupName: SCHEDULE_GROUP, Name: name }));
}
/** Waits until the `at(…)` time of a schedule has passed, as EventBridge Scheduler would. */
async function untilDue(expiresAt: string): Promise<void> {
  const wait = Date.parse(expiresAt) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait + 50));
}

beforeAll(async () => {
  [world, oauth, sendgrid] = await Promise.all([
    startWorld({ seeds: { seed__lead_enricher__hubspot: HUBSPOT_SEED, seed__email_notifier__sendgrid: SENDGRID_SEED } }),
    startFakeOAuth2({ clientId: HUBSPOT_SEED.client_id, clientSecret: HUBSPOT_SEED.client_secret, refreshToken: HUBSPOT_SEED.refresh_token }),
    startFakeSendGrid([
      { id: 'kid-0', key: SENDGRID_SEED.api_key, name: 'email-notifier', scopes: ['mail.send', ...MANAGE_KEYS, '2fa_required'] },
      { id: 'kid-aws', key: AWS_KEPT.api_key, name: AWS_KEPT.name, scopes: ['mail.send', ...MANAGE_KEYS] },
    ]),
  ]);
  await world.aws.scheduler.send(new CreateScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
  for (const agent of world.fleet.agents.map((a) => a.name)) {
    await world.aws.secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.agentLogin(fleetName(), agent), SecretString: '{}' }));
  }
  mailerArn = (
    await world.aws.secrets.send(
      new CreateSecretCommand({ Name: `scoped-agents/${fleetName()}/agents/email-notifier/mailer`, SecretString: JSON.stringify(AWS_KEPT) }),
    )
  ).ARN!;
}, 60_000);

afterAll(async () => {
  await Promise.all([world?.stop(), oauth?.stop(), sendgrid?.stop()]);
});

test('the rotate login carries exactly its declared policy: it may not write the revocation marker, read policies or other KV paths', async () => {
  const onServer = expectStatus(await world.root.request('GET', 'sys/policies/acl/scoped-agents-rotate'), 200, 'read policy').body.data.policy;
  const declared = rotatorVaultPolicy(
    world.fleet.settings,
    world.fleet.agents.map((a) => a.name),
  ).map(({ path, capabilities }) => ({ path, capabilities: [...capabilities] }));
  expect(parseVaultPolicy(onServer)).toEqual(declared);
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: world.loginSecretArn.rotate }));
  const vault = await appRoleLogin(world.bao.addr, 'approle', JSON.parse(res.SecretString!));
  expect((await vault.request('POST', `${kv()}/data/control/revoked/lead-enricher`, { data: { x: '1' } })).status).toBe(403);
  expect((await vault.request('GET', 'sys/policies/acl/agent-lead-enricher')).status).toBe(403);
  expect((await vault.request('POST', `${kv()}/data/shared/hubspot`, { data: { x: '1' } })).status).toBe(403);
  expect((await vault.request('POST', 'auth/approle/role/scoped-agents-revoke/secret-id', {})).status).toBe(403);
  // Not even an agent's role configuration (its token_policies): only its role-id and secret-id paths.
  expect((await vault.request('POST', 'auth/approle/role/agent-lead-enricher', { token_policies: ['root'] })).status).toBe(403);
});

describe('rotating lead-enricher (AppRole secret-id and an oauth2-refresh HubSpot token)', () => {
  let old: { role_id: string; secret_id: string };
  let result: AgentRotation;
  let started: number;
  beforeAll(async () => {
    old = await mintAgentLogin(world, 'lead-enricher');
    started = Date.now();
    result = await rotate({ action: 'rotate', agent: 'lead-enricher' });
  });

  test("delivers a new secret-id to the agent's Secrets Manager secret, and it logs in with the agent's policy", async () => {
    const login = await delivered('lead-enricher');
    expect(login.secret_id).not.toBe(old.secret_id);
    expect(login.role_id).toBe(old.role_id);
    const res = expectStatus(await agentLogin(world, login), 200, 'login with the delivered secret-id');
    expect(res.body.auth.token_policies).toEqual(['agent-lead-enricher']);
    expect(res.body.auth.metadata).toMatchObject({ 'issued-by': 'scoped-agents-rotate', role_name: 'agent-lead-enricher' });
    expect(result.secretId?.accessor).toBe(await secretIdAccessor('lead-enricher', login.secret_id));
  });

  test('the previous secret-id keeps working during the grace period', async () => {
    expect((await agentLogin(world, old)).status).toBe(200);
  });

  test('creates a one-shot schedule at now + grace that targets this function with the expiry event, deleted after it runs', async () => {
    const names = (await world.aws.scheduler.send(new ListSchedulesCommand({ GroupName: SCHEDULE_GROUP }))).Schedules?.map((s) => s.Name);
    expect(names).toContain(result.secretId!.expirySchedule);
    expect(result.secretId!.expirySchedule).toBe(`lead-enricher-expire-${result.secretId!.accessor.replace(/-/g, '').slice(0, 12)}`);
    const s = await schedule(result.secretId!.expirySchedule);
    const at = Date.parse(result.secretId!.expiresPreviousAt);
    expect(at).toBeGreaterThanOrEqual(started + 1_000);
    expect(at).toBeLessThanOrEqual(Math.ceil((Date.now() + 1_000) / 1000) * 1000);
    expect(s).toMatchObject({
      ScheduleExpression: atExpression(new Date(at)),
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: FUNCTION_ARN, RoleArn: SCHEDULER_ROLE_ARN },
    });
    expect(JSON.parse(s.Target!.Input!)).toEqual({ action: 'expire-previous', agent: 'lead-enricher', keepAccessor: result.secretId!.accessor });
  });

  test("once the grace period ends, the schedule's event destroys the previous secret-id: refused; the new one logs in", async () => {
    const s = await schedule(result.secretId!.expirySchedule);
    await untilDue(result.secretId!.expiresPreviousAt);
    const expiry = await rotate<{ destroyed: number; kept: number }>(JSON.parse(s.Target!.Input!));
    expect(expiry).toMatchObject({ agent: 'lead-enricher', destroyed: 1, kept: 1 });
    const refused = await agentLogin(world, old);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatch(/invalid (role or )?secret id/i);
    expect((await agentLogin(world, await delivered('lead-enricher'))).status).toBe(200);
  });

  test("the HubSpot entry advanced by exactly one version, holding the provider's new tokens; the previous version is still readable", async () => {
    expect(result.credentials).toEqual([
      { name: 'hubspot', outcome: 'rotated', fromVersion: 1, toVersion: 2 },
      { name: 'mailer', outcome: 'secrets-manager' },
      { name: 'sendgrid', outcome: 'absent' },
    ]);
    expect(await currentVersion('lead-enricher', 'hubspot')).toBe(2);
    expect((await kvEntry('lead-enricher', 'hubspot', 1)).data).toEqual(HUBSPOT_SEED);
    const now = await kvEntry('lead-enricher', 'hubspot');
    expect(now.version).toBe(2);
    expect(now.data).toEqual({
      ...HUBSPOT_SEED,
      access_token: oauth.issued[0],
      refresh_token: oauth.refreshToken(),
      token_type: 'bearer',
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(now.data.expires_at) - started).toBeGreaterThanOrEqual(1_800_000 - 1_000);
    expect(oauth.requests.map((r) => r.status)).toEqual([200]);
  });

  test('the agent logs in with its new secret-id; the gateway, which injects its HubSpot token, reads the new one (the agent may not)', async () => {
    const session = await agentSession(world, await delivered('lead-enricher'));
    expect((await session.request('GET', 'auth/token/lookup-self')).status).toBe(200);
    expect((await session.request('GET', `${kv()}/data/agents/lead-enricher/hubspot`)).status).toBe(403);
    const gateway = await appRoleLogin(world.bao.addr, 'approle', await functionLogin(world, 'gateway'));
    const res = await gateway.call('GET', `${kv()}/data/agents/lead-enricher/hubspot`, undefined, [200], 'the gateway reads the entry');
    expect(res.body.data.data.access_token).toBe(oauth.issued[0]);
  });

  test('publishes RotationSuccesses = 2 (secret-id and HubSpot) and RotationFailures = 0', async () => {
    expect(await metricSum(world, 'lead-enricher', METRICS.rotationSuccesses)).toBe(2);
    expect(await metricSum(world, 'lead-enricher', METRICS.rotationFailures)).toBe(0);
  });
});

describe('rotating email-notifier (a SendGrid API key in KV, another kept in Secrets Manager)', () => {
  let result: AgentRotation;
  beforeAll(async () => {
    result = await rotate({ action: 'rotate', agent: 'email-notifier' });
  });

  test("mints a new key with exactly the old key's scopes, stores it as the next version, then deletes the old key", async () => {
    expect(result.credentials.find((c) => c.name === 'sendgrid')).toEqual({ name: 'sendgrid', outcome: 'rotated', fromVersion: 1, toVersion: 2 });
    const now = await kvEntry('email-notifier', 'sendgrid');
    expect(now.version).toBe(2);
    expect((await kvEntry('email-notifier', 'sendgrid', 1)).data).toEqual(SENDGRID_SEED);
    const minted = sendgrid.keys.get(now.data.api_key_id)!;
    expect(minted.key).toBe(now.data.api_key);
    expect([...minted.scopes].sort()).toEqual(['2fa_required', 'mail.send', ...MANAGE_KEYS].sort());
    expect(now.data.name).toMatch(/^email-notifier \(rotated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/);
    expect(sendgrid.keys.has('kid-0')).toBe(false);
    const calls = sendgrid.requests.map(
      (r) => `${r.method} ${r.path} ${r.status} ${r.headers.authorization === `Bearer ${SENDGRID_SEED.api_key}` ? 'old' : 'new'}`,
    );
    expect(calls).toEqual(['GET /v3/api_keys/kid-0 200 old', 'POST /v3/api_keys 201 old', 'DELETE /v3/api_keys/kid-0 204 new']);
  });

  test('leaves the credential kept in AWS to its Secrets Manager rotation rule', async () => {
    expect(result.credentials.find((c) => c.name === 'mailer')).toEqual({ name: 'mailer', outcome: 'secrets-manager' });
    const current = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: mailerArn }));
    expect(JSON.parse(current.SecretString!)).toEqual(AWS_KEPT);
  });
});

describe('a Secrets Manager rotation of the AWS-kept SendGrid key (createSecret, setSecret, testSecret, finishSecret)', () => {
  const token = randomUUID();
  let posts: number;
  beforeAll(async () => {
    posts = sendgrid.requests.filter((r) => r.method === 'POST').length;
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await rotate({ SecretId: mailerArn, ClientRequestToken: token, Step });
    }
  });

  test("AWSCURRENT is the new key (with the old key's scopes), the old value stays as AWSPREVIOUS, and the old key is deleted", async () => {
    // Asked by stage: moto 5.2 answers a stage-less GetSecretValue with the first version, not AWSCURRENT.
    const current = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: mailerArn, VersionStage: 'AWSCURRENT' }));
    expect(current.VersionId).toBe(token);
    const value = JSON.parse(current.SecretString!);
    expect(value.api_key_id).not.toBe(AWS_KEPT.api_key_id);
    expect(sendgrid.keys.get(value.api_key_id)?.key).toBe(value.api_key);
    expect([...sendgrid.keys.get(value.api_key_id)!.scopes].sort()).toEqual(['2fa_required', 'mail.send', ...MANAGE_KEYS].sort());
    const previous = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: mailerArn, VersionStage: 'AWSPREVIOUS' }));
    expect(JSON.parse(previous.SecretString!)).toEqual(AWS_KEPT);
    expect(sendgrid.keys.has('kid-aws')).toBe(false);
  });

  test('a repeated step is harmless: no second key is minted, AWSCURRENT stays', async () => {
    await rotate({ SecretId: mailerArn, ClientRequestToken: token, Step: 'createSecret' });
    await rotate({ SecretId: mailerArn, ClientRequestToken: token, Step: 'finishSecret' });
    expect(sendgrid.requests.filter((r) => r.method === 'POST').length).toBe(posts + 1);
    const stages = (await world.aws.secrets.send(new DescribeSecretCommand({ SecretId: mailerArn }))).VersionIdsToStages!;
    expect(stages[token]).toContain('AWSCURRENT');
  });

  test('publishes a success for the agent', async () => {
    // One from the KV rotation of email-notifier (sendgrid) and the secret-id, one from this rotation.
    expect(await metricSum(world, 'email-notifier', METRICS.rotationSuccesses)).toBe(3);
  });

  test('a revoked agent is refused at createSecret: nothing minted, nothing staged, no failure metric', async () => {
    const marker = `${kv()}/data/control/revoked/email-notifier`;
    expectStatus(await world.root.request('POST', marker, { body: { data: { alarm: 'test' } } }), 200, 'write marker');
    try {
      const posts = sendgrid.requests.filter((r) => r.method === 'POST').length;
      const next = randomUUID();
      await expect(rotate({ SecretId: mailerArn, ClientRequestToken: next, Step: 'createSecret' })).rejects.toThrow(
        'agent email-notifier is revoked: not rotating mailer; delete the revocation marker to re-enable it',
      );
      expect(sendgrid.requests.filter((r) => r.method === 'POST').length).toBe(posts);
      const stages = (await world.aws.secrets.send(new DescribeSecretCommand({ SecretId: mailerArn }))).VersionIdsToStages!;
      expect(stages[next]).toBeUndefined();
      expect(await metricSum(world, 'email-notifier', METRICS.rotationFailures)).toBe(0);
    } finally {
      expectStatus(await world.root.request('DELETE', `${kv()}/metadata/control/revoked/email-notifier`), 204, 'delete marker');
    }
  });
});

describe('a failing provider (the token endpoint answers 400 invalid_grant)', () => {
  let hubspotBefore: { version: number; data: Record<string, string> };
  let loginBefore: { role_id: string; secret_id: string };
  let error: Error;
  beforeAll(async () => {
    // A second credential for lead-enricher, rotated after hubspot (alphabetical order).
    sendgrid.keys.set('kid-1', { id: 'kid-1', key: 'SG.lead-key-1', name: 'lead-enricher', scopes: ['marketing.read', ...MANAGE_KEYS] });
    expectStatus(
      await world.root.request('POST', `${kv()}/data/agents/lead-enricher/sendgrid`, { body: { data: { api_key: 'SG.lead-key-1', api_key_id: 'kid-1' } } }),
      200,
      'seed a second credential',
    );
    hubspotBefore = await kvEntry('lead-enricher', 'hubspot');
    loginBefore = await delivered('lead-enricher');
    oauth.revoke();
    error = await rotate({ action: 'rotate', agent: 'lead-enricher' }).then(
      () => new Error('expected the rotation to throw'),
      (e: Error) => e,
    );
  });

  test("the handler throws, naming the credential and the provider's error", () => {
    expect(error.message).toMatch(/^rotation of lead-enricher failed \(1 failure\(s\)\)/);
    expect(error.message).toMatch(/hubspot: hubspot: token endpoint 127\.0\.0\.1:\d+\/oauth\/v1\/token answered HTTP 400 invalid_grant/);
    // No secret value in the message.
    expect(error.message).not.toContain(hubspotBefore.data.refresh_token);
    expect(error.message).not.toContain(HUBSPOT_SEED.client_secret);
  });

  test('the old value and version are kept: nothing was written', async () => {
    expect(await kvEntry('lead-enricher', 'hubspot')).toEqual(hubspotBefore);
    expect(oauth.requests.at(-1)?.status).toBe(400);
  });

  test('the rest still rotated before it threw: the secret-id, and the credential after it', async () => {
    expect((await delivered('lead-enricher')).secret_id).not.toBe(loginBefore.secret_id);
    expect(await currentVersion('lead-enricher', 'sendgrid')).toBe(2);
    expect(sendgrid.keys.has('kid-1')).toBe(false);
  });

  test('RotationFailures records the failure (read back from CloudWatch)', async () => {
    expect(await metricSum(world, 'lead-enricher', METRICS.rotationFailures)).toBe(1);
    expect(await metricSum(world, 'lead-enricher', METRICS.rotationSuccesses)).toBe(2 + 2);
  });
});

test('manual credentials are reported for a human, never written, and are not failures (the pure function, called directly)', async () => {
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: world.loginSecretArn.rotate }));
  const vault = await appRoleLogin(world.bao.addr, 'approle', JSON.parse(res.SecretString!));
  const lines: string[] = [];
  const versionBefore = await currentVersion('email-notifier', 'sendgrid');
  const result = await rotateAgent(
    { vault, ...world.aws, fetch, now: () => new Date(), log: jsonLogger((l) => lines.push(l)), rotators: rotators({ sendgridApiUrl: sendgrid.url }) },
    {
      fleet: fleetName(),
      kvMount: kv(),
      appRoleMount: 'approle',
      graceSeconds: 3600,
      scheduleGroup: SCHEDULE_GROUP,
      schedulerRoleArn: SCHEDULER_ROLE_ARN,
      functionArn: FUNCTION_ARN,
      credentials: { sendgrid: { name: 'sendgrid', rotator: 'manual', store: 'vault' } },
    },
    'email-notifier',
  );
  expect(result.credentials).toEqual([{ name: 'sendgrid', outcome: 'manual' }]);
  expect(result.failures).toBe(0);
  expect(await currentVersion('email-notifier', 'sendgrid')).toBe(versionBefore);
  expect(lines.map((l) => JSON.parse(l).message)).toContain(
    'rotate email-notifier: credential sendgrid is rotated by hand (rotator manual): rotate it at the provider and write the new value to kv/agents/email-notifier/sendgrid',
  );
});

test('check-and-set: a value written meanwhile is never overwritten; the rotation fails and takes its new credential back', async () => {
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: world.loginSecretArn.rotate }));
  const vault = await appRoleLogin(world.bao.addr, 'approle', JSON.parse(res.SecretString!));
  const operator = { api_key: 'SG.written-by-an-operator', api_key_id: 'kid-op' };
  const retired: unknown[][] = [];
  const racing: Rotator = {
    automatic: true,
    async rotate() {
      // Someone writes the entry while the provider is minting.
      expectStatus(await world.root.request('POST', `${kv()}/data/agents/email-notifier/sendgrid`, { body: { data: operator } }), 200, 'concurrent write');
      return { api_key: 'SG.minted', api_key_id: 'kid-minted' };
    },
    async retire(...args) {
      retired.push(args.slice(0, 2));
    },
  };
  const versionBefore = await currentVersion('email-notifier', 'sendgrid');
  const result = await rotateAgent(
    { vault, ...world.aws, fetch, now: () => new Date(), log: jsonLogger(() => undefined), rotators: { ...rotators(), 'sendgrid-api-key': racing } },
    {
      fleet: fleetName(),
      kvMount: kv(),
      appRoleMount: 'approle',
      graceSeconds: 3600,
      scheduleGroup: SCHEDULE_GROUP,
      schedulerRoleArn: SCHEDULER_ROLE_ARN,
      functionArn: FUNCTION_ARN,
      credentials: { sendgrid: { name: 'sendgrid', rotator: 'sendgrid-api-key', store: 'vault' } },
    },
    'email-notifier',
  );
  expect(result.credentials).toEqual([
    {
      name: 'sendgrid',
      outcome: 'failed',
      fromVersion: versionBefore,
      error: expect.stringMatching(
        /check-and-set parameter did not match the current version.*the provider's new credential was not stored and was revoked again/,
      ),
    },
  ]);
  expect(await kvEntry('email-notifier', 'sendgrid')).toEqual({ version: versionBefore + 1, data: operator });
  // retire(next, current): the freshly minted key is the one taken back.
  expect(retired).toEqual([[{ api_key: 'SG.minted', api_key_id: 'kid-minted' }, expect.objectContaining({ api_key_id: expect.any(String) })]]);
});

test("an earlier expiry never destroys a later rotation's secret-id: each destroys only what was issued before the one it keeps", async () => {
  const first = await rotate({ action: 'rotate', agent: 'invoice-summarizer' });
  const firstLogin = await delivered('invoice-summarizer');
  const second = await rotate({ action: 'rotate', agent: 'invoice-summarizer' });
  const secondLogin = await delivered('invoice-summarizer');
  const firstInput = JSON.parse((await schedule(first.secretId!.expirySchedule)).Target!.Input!);
  const secondInput = JSON.parse((await schedule(second.secretId!.expirySchedule)).Target!.Input!);
  await untilDue(second.secretId!.expiresPreviousAt);

  await rotate(firstInput);
  expect((await agentLogin(world, secondLogin)).status).toBe(200);
  expect((await agentLogin(world, firstLogin)).status).toBe(200);
  await rotate(secondInput);
  expect((await agentLogin(world, secondLogin)).status).toBe(200);
  expect((await agentLogin(world, firstLogin)).status).toBe(400);
});

test('nothing secret reaches the log: no secret-id, token or API key', async () => {
  const text = JSON.stringify(logs);
  expect(logs.some((l) => String(l.message).startsWith('rotated agent lead-enricher: 2 succeeded, 0 failed'))).toBe(true);
  for (const agent of world.fleet.agents.map((a) => a.name)) expect(text).not.toContain((await delivered(agent)).secret_id);
  const hubspot = (await kvEntry('lead-enricher', 'hubspot')).data;
  for (const secret of [
    ...oauth.issued,
    hubspot.refresh_token,
    HUBSPOT_SEED.client_secret,
    HUBSPOT_SEED.refresh_token,
    SENDGRID_SEED.api_key,
    AWS_KEPT.api_key,
    ...[...sendgrid.keys.values()].map((k) => k.key),
  ]) {
    expect({ secret, leaked: text.includes(secret) }).toEqual({ secret, leaked: false });
  }
});

test('a run that cannot log in to Vault fails loudly and still records RotationFailures', async () => {
  const broken = await world.aws.secrets.send(
    new CreateSecretCommand({
      Name: 'scoped-agents/broken/functions/rotate/vault-login',
      SecretString: JSON.stringify({ role_id: 'nope', secret_id: 'nope' }),
    }),
  );
  const failuresBefore = await metricSum(world, 'invoice-summarizer', METRICS.rotationFailures);
  await expect(
    withEnv({ ...rotateEnv(), VAULT_LOGIN_SECRET_ARN: broken.ARN! }, () => rotateHandler({ action: 'rotate', agent: 'invoice-summarizer' })),
  ).rejects.toThrow(/AppRole login of this function: POST auth\/approle\/login answered HTTP 400/);
  expect(await metricSum(world, 'invoice-summarizer', METRICS.rotationFailures)).toBe(failuresBefore + 1);
});

test('refuses events it does not know, and agent names that are not safe in Vault paths', async () => {
  await expect(rotate({ action: 'rotate', agent: '../sys' })).rejects.toThrow(/agent must be an agent name/);
  await expect(rotate({ action: 'expire-previous', agent: 'lead-enricher' })).rejects.toThrow(/needs keepAccessor/);
  await expect(rotate({ hello: 'world' })).rejects.toThrow(/unknown event: .*got keys hello/);
});
