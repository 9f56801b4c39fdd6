/**
 * The revoke and rotate functions across shards, on a real OpenBao and moto:
 * the seed table sharded by name (`fleet.shards: { by: name, count: 4 }`) is
 * synthesized into a shared stack and shard stacks, joined with mergeShards
 * and replayed. The functions' own policies (shared stack) name no agent;
 * their AppRole roles also carry every shard's policy, and each shard stack
 * grants exactly its own agents. Revocation and rotation must work through
 * that, and stop at the agents no shard names.
 */
import { CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { handler as revokeHandler } from '../../functions/revoke';
import { AgentRotation } from '../../functions/rotate/rotate-agent';
import { handler as rotateHandler } from '../../functions/rotate';
import {
  alarmName,
  functionShardPolicyName,
  METRICS,
  parseVaultPolicy,
  revocationMarker,
  revokerAgentRules,
  rotatorAgentRules,
  SECRET_NAMES,
  shardsOf,
} from '../../model';
import { loadFleet } from '../../table';
import { expectStatus, VaultClient, vaultClient } from '../support/vault-client';
import {
  AgentSessionBefore,
  agentLogin,
  alarmNotification,
  captureLogs,
  DENIED_RATE_TRIGGER,
  functionEnv,
  functionLogin,
  metricSum,
  mintAgentLogin,
  openAgentSessions,
  revokeAndWait,
  revoked,
  shardedSeed,
  snsAlarmEvent,
  startWorld,
  withEnv,
  World,
} from './world';

const SCHEDULE_GROUP = 'scoped-agents-expiry';
/** Where the seed's three agents land with `count: 4` (checked below, from their names' SHA-256): two non-empty shards. */
const SHARD_01 = 'scoped-agents-shard-01';
const SHARD_03 = 'scoped-agents-shard-03';
/** Every bucket of `count: 4`: the functions' roles list all four, empty ones too (00 and 02 have no stack). */
const ALL_SHARDS = ['scoped-agents-shard-00', SHARD_01, 'scoped-agents-shard-02', SHARD_03];
/** An AppRole role in the same Vault that no shard (and no row of the table) names. */
const STRAY = 'not-in-table';

const logs = captureLogs();
// The seed has no fleet: block: shardedSeed adds `fleet: { name: scoped-agents, shards: { by: name, count: 4 } }`.
const table = shardedSeed('{ by: name, count: 4 }');
let world: World;
const fleetName = (): string => world.fleet.settings.name;
const kv = (): string => world.fleet.settings.kvMount;
const mount = (): string => world.fleet.settings.appRoleMount;
const alarm = (agent: string): Record<string, unknown> => alarmNotification(alarmName(fleetName(), agent, 'denied-rate'), 'ALARM', DENIED_RATE_TRIGGER);
const revoke = (...alarms: Record<string, unknown>[]): Promise<{ revoked: string[] }> =>
  withEnv(functionEnv(world, 'revoke'), () => revokeHandler(snsAlarmEvent(...alarms)));
const rotateEnv = (): Record<string, string> =>
  functionEnv(world, 'rotate', {
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scoped-agents-scheduler',
    FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:scoped-agents-rotate',
    ROTATION_GRACE_SECONDS: '1',
  });
const rotate = <T = AgentRotation>(event: unknown): Promise<T> => withEnv(rotateEnv(), () => rotateHandler(event) as Promise<T>);

/** The agents' sessions before any revocation: a live token each, and the secret-id it came from. */
let before: Map<string, AgentSessionBefore>;
const loginOf = (role: 'revoke' | 'rotate' | 'gateway'): Promise<{ role_id: string; secret_id: string }> => functionLogin(world, role);

/** Logs in as the function, as the Lambda does (its stored role-id and secret-id); the login answer and a client with the token. */
async function functionSession(
  role: 'revoke' | 'rotate' | 'gateway',
): Promise<{ auth: { client_token: string; policies: string[]; token_policies: string[] }; client: VaultClient }> {
  const res = expectStatus(await vaultClient(world.bao.addr).request('POST', `auth/${mount()}/login`, { body: await loginOf(role) }), 200, `${role} login`);
  return { auth: res.body.auth, client: vaultClient(world.bao.addr, { token: res.body.auth.client_token }) };
}

/** A policy's rules as read from the server: path and capabilities. */
async function rulesOnServer(name: string): Promise<{ path: string; capabilities: string[] }[]> {
  return parseVaultPolicy(expectStatus(await world.root.request('GET', `sys/policies/acl/${name}`), 200, `read policy ${name}`).body.data.policy);
}

/** A policy as one of the synthesized stacks (not the joined one) declares it. */
function synthesizedPolicy(stack: string, name: string): string {
  const json = world.stacks.find((s) => s.name === stack)!.json;
  return Object.values(json.resource?.vault_policy ?? {}).find((p) => p.name === name)!.policy as string;
}

async function delivered(agent: string): Promise<{ role_id: string; secret_id: string }> {
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: SECRET_NAMES.agentLogin(fleetName(), agent) }));
  return JSON.parse(res.SecretString!);
}

beforeAll(async () => {
  // The seed's agents must land in at least two shards, or "another shard" would prove nothing.
  const fleet = await loadFleet({ table });
  const layout = shardsOf(fleet).map((s) => s.stack);
  if (new Set(layout).size < 2) throw new Error(`the sharded seed puts every agent in one shard (${layout.join(', ')}): pick another count`);

  world = await startWorld({ table, sharded: true });
  await world.aws.scheduler.send(new CreateScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
  for (const agent of world.fleet.agents.map((a) => a.name)) {
    await world.aws.secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.agentLogin(fleetName(), agent), SecretString: '{}' }));
  }
  before = await openAgentSessions(
    world,
    world.fleet.agents.map((a) => a.name),
  );
  // A role and policy in the same Vault that no row and no shard names, with a live secret-id.
  expectStatus(
    await world.root.request('PUT', `sys/policies/acl/agent-${STRAY}`, {
      body: { policy: `path "${kv()}/data/agents/${STRAY}/*" { capabilities = ["read"] }` },
    }),
    204,
    'write stray policy',
  );
  expectStatus(
    await world.root.request('POST', `auth/${mount()}/role/agent-${STRAY}`, { body: { token_policies: [`agent-${STRAY}`], token_no_default_policy: true } }),
    204,
    'create stray role',
  );
  await mintAgentLogin(world, STRAY);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

test("the sharded seed synthesizes a shared stack and two shard stacks, replayed joined, with the functions' policies as synthesized", () => {
  expect(world.shards.map((s) => ({ stack: s.stack, agents: s.agents.map((a) => a.name) }))).toEqual([
    { stack: SHARD_01, agents: ['email-notifier'] },
    { stack: SHARD_03, agents: ['invoice-summarizer', 'lead-enricher'] },
  ]);
  expect(world.stacks.map((s) => s.name)).toEqual(['scoped-agents', SHARD_01, SHARD_03]);
  // Each shard stack reads the shared one through remote state; the joined stack does not.
  for (const shard of [SHARD_01, SHARD_03]) {
    expect(Object.keys(world.stacks.find((s) => s.name === shard)!.json.data?.terraform_remote_state ?? {})).toEqual([
      'cross-stack-reference-input-scoped-agents',
    ]);
  }
  expect(world.stack.name).toBe('scoped-agents');
  expect(JSON.stringify(world.stack.json)).not.toContain('terraform_remote_state');
  // Never the model fallback: that one names every agent in the function's own policy.
  expect(world.functionPolicy).toEqual({ revoke: 'synthesized', rotate: 'synthesized' });
});

describe("the revoke function's sharded login", () => {
  test('its token carries exactly scoped-agents-revoke and the four shard policy names, and nothing else (no default policy)', async () => {
    const { auth, client } = await functionSession('revoke');
    const expected = ['scoped-agents-revoke', ...ALL_SHARDS.map((s) => functionShardPolicyName('revoke', s))];
    expect(expected).toEqual([
      'scoped-agents-revoke',
      'scoped-agents-revoke-scoped-agents-shard-00',
      'scoped-agents-revoke-scoped-agents-shard-01',
      'scoped-agents-revoke-scoped-agents-shard-02',
      'scoped-agents-revoke-scoped-agents-shard-03',
    ]);
    expect(auth.token_policies).toEqual(expected);
    expect(auth.policies).toEqual(expected);
    // The token as the server holds it (the token's own lookup-self is refused: no default policy).
    expect((await client.request('GET', 'auth/token/lookup-self')).status).toBe(403);
    const looked = expectStatus(await world.root.request('POST', 'auth/token/lookup', { body: { token: auth.client_token } }), 200, 'look up the revoke token')
      .body.data;
    expect(looked.policies).toEqual(expected);
    expect(looked.meta).toEqual({ role_name: 'scoped-agents-revoke' });
  });

  test('its own policy (shared stack) names no agent: only the token and revocation-marker paths, and reading credentials to revoke at the provider', async () => {
    expect(await rulesOnServer('scoped-agents-revoke')).toEqual([
      { path: 'auth/token/accessors', capabilities: ['list', 'sudo'] },
      { path: 'auth/token/lookup-accessor', capabilities: ['update'] },
      { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
      { path: `${kv()}/data/agents/*`, capabilities: ['read'] },
      { path: `${kv()}/data/control/revoked/*`, capabilities: ['create', 'read', 'update'] },
      { path: `${kv()}/data/management/*`, capabilities: ['read'] },
    ]);
  });

  test("the policy of lead-enricher's shard is installed with exactly the agent paths of that shard's agents, as its stack synthesizes it", async () => {
    const name = functionShardPolicyName('revoke', SHARD_03);
    expect(await rulesOnServer(name)).toEqual([
      { path: 'auth/approle/role/agent-invoice-summarizer/secret-id', capabilities: ['list'] },
      { path: 'auth/approle/role/agent-invoice-summarizer/secret-id-accessor/destroy', capabilities: ['update'] },
      { path: 'auth/approle/role/agent-lead-enricher/secret-id', capabilities: ['list'] },
      { path: 'auth/approle/role/agent-lead-enricher/secret-id-accessor/destroy', capabilities: ['update'] },
      { path: 'sys/policies/acl/agent-invoice-summarizer', capabilities: ['read', 'update'] },
      { path: 'sys/policies/acl/agent-lead-enricher', capabilities: ['read', 'update'] },
    ]);
    // The same rules model/operations.ts declares for the shard's agents, and the text of the shard stack's own resource.
    const declared = revokerAgentRules(world.fleet.settings, ['invoice-summarizer', 'lead-enricher']).map(({ path, capabilities }) => ({
      path,
      capabilities: [...capabilities],
    }));
    expect(await rulesOnServer(name)).toEqual(declared);
    const onServer = expectStatus(await world.root.request('GET', `sys/policies/acl/${name}`), 200, 'read policy').body.data.policy;
    expect(onServer).toBe(synthesizedPolicy(SHARD_03, name));
  });

  test("the other shard's policy names only email-notifier; the empty buckets have no policy on the server", async () => {
    expect((await rulesOnServer(functionShardPolicyName('revoke', SHARD_01))).map((r) => r.path)).toEqual([
      'auth/approle/role/agent-email-notifier/secret-id',
      'auth/approle/role/agent-email-notifier/secret-id-accessor/destroy',
      'sys/policies/acl/agent-email-notifier',
    ]);
    for (const empty of ['scoped-agents-shard-00', 'scoped-agents-shard-02']) {
      const name = functionShardPolicyName('revoke', empty);
      expect({ name, status: (await world.root.request('GET', `sys/policies/acl/${name}`)).status }).toEqual({ name, status: 404 });
    }
  });
});

describe("the gateway's sharded login", () => {
  test('its token carries scoped-agents-gateway and the four shard policy names; its own policy names no agent', async () => {
    const { auth } = await functionSession('gateway');
    expect(auth.token_policies).toEqual(['scoped-agents-gateway', ...ALL_SHARDS.map((s) => functionShardPolicyName('gateway', s))]);
    expect(await rulesOnServer('scoped-agents-gateway')).toEqual([]);
  });

  test("each shard grants it exactly its own gateway agents' entries and markers: it reads lead-enricher's and email-notifier's, nothing of invoice-summarizer", async () => {
    expect(await rulesOnServer(functionShardPolicyName('gateway', SHARD_03))).toEqual([
      { path: `${kv()}/data/agents/lead-enricher/hubspot`, capabilities: ['read'] },
      { path: `${kv()}/data/control/revoked/lead-enricher`, capabilities: ['read'] },
    ]);
    expect(await rulesOnServer(functionShardPolicyName('gateway', SHARD_01))).toEqual([
      { path: `${kv()}/data/agents/email-notifier/sendgrid`, capabilities: ['read'] },
      { path: `${kv()}/data/control/revoked/email-notifier`, capabilities: ['read'] },
    ]);
    const { client } = await functionSession('gateway');
    expect((await client.request('GET', `${kv()}/data/agents/lead-enricher/hubspot`)).status).toBe(200);
    expect((await client.request('GET', `${kv()}/data/agents/email-notifier/sendgrid`)).status).toBe(200);
    expect((await client.request('GET', `${kv()}/data/control/revoked/invoice-summarizer`)).status).toBe(403);
  });

  test("each shard adds to the gateway's IAM role the call logs of its own gateway agents, by the role's name", () => {
    const policies = (stack: string) =>
      Object.values(world.stacks.find((s) => s.name === stack)!.json.resource?.aws_iam_role_policy ?? {}).filter((p) => p.role === 'scoped-agents-gateway');
    const [shard03] = policies(SHARD_03);
    expect(shard03.name).toBe('scoped-agents-gateway-03');
    const statement = JSON.parse(String(shard03.policy)).Statement;
    expect(statement.map((x: { Sid: string }) => x.Sid)).toEqual(['WriteCallLogs']);
    expect(statement[0].Resource).toEqual([expect.stringMatching(/:log-group:\/scoped-agents\/scoped-agents\/agents\/lead-enricher:log-stream:\*$/)]);
    expect(policies(SHARD_01).map((p) => p.name)).toEqual(['scoped-agents-gateway-01']);
    // The shared stack's own policy of the role names no agent's call log.
    const shared = Object.values(world.stacks.find((s) => s.name === 'scoped-agents')!.json.resource!.aws_iam_role_policy).find(
      (p) => p.name === 'scoped-agents-gateway',
    )!;
    expect(String(shared.policy)).not.toContain('/agents/');
  });
});

describe(`a denied-rate alarm on lead-enricher (${SHARD_03})`, () => {
  let result: { revoked: string[] };
  let elapsed: number;
  beforeAll(async () => {
    ({ result, elapsed } = await revokeAndWait(before.get('lead-enricher')!, () => revoke(alarm('lead-enricher'))));
  });

  test('the function revokes it, and its live token gets 403 within 5 s on every path it had', async () => {
    expect(result).toEqual({ revoked: ['lead-enricher'] });
    expect(elapsed).toBeLessThan(5_000);
    // Every path it had: its token's own (the gateway, not the agent, reads its HubSpot entry).
    await revoked.tokenRefused(world, before.get('lead-enricher')!, 'lead-enricher');
  });

  test('its token is revoked, not only powerless: the accessor no longer exists', async () => {
    await revoked.accessorGone(world, before.get('lead-enricher')!);
  });

  test('no new login succeeds: its secret-ids are destroyed', async () => {
    await revoked.loginRefused(world, before.get('lead-enricher')!, 'lead-enricher');
  });

  test('its Vault policy now grants nothing, and says when and by which alarm', async () => {
    await revoked.policyEmptied(world, 'lead-enricher');
  });

  test('the revocation is recorded at the marker, and the function logged it complete', async () => {
    const marker = expectStatus(await world.root.request('GET', `${kv()}/data/${revocationMarker('lead-enricher')}`), 200, 'read marker').body.data.data;
    expect(marker).toMatchObject({
      agent: 'lead-enricher',
      alarm: 'scoped-agents/scoped-agents/lead-enricher/denied-rate',
      kind: 'denied-rate',
      alarmTime: '2026-11-27T18:01:00.123Z',
    });
    const revoked = logs.find((l) => l.message === 'revoked agent lead-enricher');
    expect(revoked).toMatchObject({ agent: 'lead-enricher', policy: 'emptied', secretIdsDestroyed: 1, tokensRevoked: 1, awsRole: 'absent', problems: [] });
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  test(`email-notifier, in another shard (${SHARD_01}), is untouched: token, secret-id, policy and KV entry`, async () => {
    const { client, login } = before.get('email-notifier')!;
    expect((await client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
    expect((await client.request('POST', 'auth/token/renew-self', { body: {} })).status).toBe(200);
    expect((await agentLogin(world, login)).status).toBe(200);
    const policy = expectStatus(await world.root.request('GET', 'sys/policies/acl/agent-email-notifier'), 200, 'read policy').body.data.policy;
    expect(policy).toBe(synthesizedPolicy(SHARD_01, 'agent-email-notifier'));
    expect((await world.root.request('GET', `${kv()}/data/${revocationMarker('email-notifier')}`)).status).toBe(404);
  });

  test(`invoice-summarizer, in the same shard, is untouched too: a revocation is per agent, not per shard`, async () => {
    const { client, login } = before.get('invoice-summarizer')!;
    expect((await client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
    expect((await agentLogin(world, login)).status).toBe(200);
    const policy = expectStatus(await world.root.request('GET', 'sys/policies/acl/agent-invoice-summarizer'), 200, 'read policy').body.data.policy;
    expect(policy).toBe(synthesizedPolicy(SHARD_03, 'agent-invoice-summarizer'));
  });
});

describe.each([
  { agent: 'email-notifier', shard: SHARD_01 },
  { agent: 'invoice-summarizer', shard: SHARD_03 },
])("rotating $agent ($shard) through the rotate function's sharded login", ({ agent, shard }) => {
  let old: { role_id: string; secret_id: string };
  let result: AgentRotation;
  beforeAll(async () => {
    old = before.get(agent)!.login;
    result = await rotate({ action: 'rotate', agent });
  });

  test("the rotate token carries scoped-agents-rotate and the four shard policies; the shard's policy names exactly its agents", async () => {
    const { auth } = await functionSession('rotate');
    expect(auth.token_policies).toEqual(['scoped-agents-rotate', ...ALL_SHARDS.map((s) => `scoped-agents-rotate-${s}`)]);
    const agents = world.shards.find((s) => s.stack === shard)!.agents.map((a) => a.name);
    const declared = rotatorAgentRules(world.fleet.settings, agents).map(({ path, capabilities }) => ({ path, capabilities: [...capabilities] }));
    expect(await rulesOnServer(functionShardPolicyName('rotate', shard))).toEqual(declared);
    expect(declared.map((r) => r.path).filter((p) => !p.includes(`/agent-${agent}/`))).toEqual(
      agents
        .filter((a) => a !== agent)
        .flatMap((a) => ['role-id', 'secret-id', 'secret-id-accessor/destroy', 'secret-id-accessor/lookup'].map((s) => `auth/approle/role/agent-${a}/${s}`)),
    );
  });

  test("delivers a new secret-id with the agent's role-id, with which the agent logs in carrying its own policy", async () => {
    expect(result).toMatchObject({ agent, credentials: [], successes: 1, failures: 0 });
    expect(result.refused).toBeUndefined();
    expect(result.secretIdError).toBeUndefined();
    const now = await delivered(agent);
    expect(now.role_id).toBe(old.role_id);
    expect(now.secret_id).not.toBe(old.secret_id);
    const res = expectStatus(await agentLogin(world, now), 200, 'login with the delivered secret-id');
    expect(res.body.auth.token_policies).toEqual([`agent-${agent}`]);
    expect(await metricSum(world, agent, METRICS.rotationSuccesses)).toBe(1);
    expect(await metricSum(world, agent, METRICS.rotationFailures)).toBe(0);
  });

  test('the scheduled expiry, run after the grace, destroys the previous secret-id and keeps the new one', async () => {
    const due = Date.parse(result.secretId!.expiresPreviousAt) - Date.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due + 50));
    await rotate({ action: 'expire-previous', agent, keepAccessor: result.secretId!.accessor });
    expect((await agentLogin(world, old)).status).toBe(400);
    expect((await agentLogin(world, await delivered(agent))).status).toBe(200);
    const left = expectStatus(await world.root.request('LIST', `auth/${mount()}/role/agent-${agent}/secret-id`), 200, 'list secret-ids').body.data.keys;
    expect(left).toEqual([result.secretId!.accessor]);
  });
});

describe(`least privilege still holds: agent-${STRAY}, in no shard`, () => {
  test("fails when the revoke function's token acts on a role or policy no shard names: 403 on each path", async () => {
    const { client } = await functionSession('revoke');
    const accessor = (
      expectStatus(await world.root.request('LIST', `auth/${mount()}/role/agent-${STRAY}/secret-id`), 200, 'list stray secret-ids').body.data.keys as string[]
    )[0];
    const refused = [
      ['LIST', `auth/approle/role/agent-${STRAY}/secret-id`, undefined],
      ['POST', `auth/approle/role/agent-${STRAY}/secret-id-accessor/destroy`, { secret_id_accessor: accessor }],
      ['GET', `sys/policies/acl/agent-${STRAY}`, undefined],
      ['PUT', `sys/policies/acl/agent-${STRAY}`, { policy: '' }],
      // Nor the functions' own roles and policies, nor the shard policies themselves.
      ['LIST', 'auth/approle/role/scoped-agents-rotate/secret-id', undefined],
      ['PUT', `sys/policies/acl/${functionShardPolicyName('revoke', SHARD_03)}`, { policy: '' }],
    ] as const;
    for (const [method, path, body] of refused) {
      expect({ method, path, status: (await client.request(method, path, body ? { body } : {})).status }).toEqual({ method, path, status: 403 });
    }
    // The same token does reach a shard's agent: the 403s above are the policy's, not a broken login.
    expect((await client.request('LIST', 'auth/approle/role/agent-email-notifier/secret-id')).status).toBe(200);
    // Nothing of the stray role changed.
    expect(
      expectStatus(await world.root.request('LIST', `auth/${mount()}/role/agent-${STRAY}/secret-id`), 200, 'list stray secret-ids').body.data.keys,
    ).toEqual([accessor]);
    expect(
      parseVaultPolicy(expectStatus(await world.root.request('GET', `sys/policies/acl/agent-${STRAY}`), 200, 'read stray policy').body.data.policy),
    ).toEqual([{ path: `${kv()}/data/agents/${STRAY}/*`, capabilities: ['read'] }]);
  });

  test("fails when the rotate function's token asks for a role-id or a secret-id of a role no shard names: 403", async () => {
    const { client } = await functionSession('rotate');
    expect((await client.request('GET', `auth/approle/role/agent-${STRAY}/role-id`)).status).toBe(403);
    expect((await client.request('POST', `auth/approle/role/agent-${STRAY}/secret-id`, { body: {} })).status).toBe(403);
    expect((await client.request('GET', 'auth/approle/role/agent-email-notifier/role-id')).status).toBe(200);
  });

  test('fails when an alarm names an agent in no shard: the handler throws naming each refused step, and the stray role keeps its secret-id and policy', async () => {
    const secretIds = expectStatus(await world.root.request('LIST', `auth/${mount()}/role/agent-${STRAY}/secret-id`), 200, 'list stray secret-ids').body.data
      .keys;
    const policy = expectStatus(await world.root.request('GET', `sys/policies/acl/agent-${STRAY}`), 200, 'read stray policy').body.data.policy;
    const error = await revoke(alarm(STRAY)).then(
      () => new Error('expected the revocation to throw'),
      (e: Error) => e,
    );
    // Whitespace collapsed: the listing step quotes Vault's multi-line error as is (functions/shared/approle.ts).
    expect(error.message.replace(/\s+/g, ' ')).toBe(
      `revocation incomplete for ${STRAY} (` +
        `empty the Vault policy: read policy agent-${STRAY}: GET sys/policies/acl/agent-${STRAY} answered HTTP 403: 1 error occurred: * permission denied; ` +
        `destroy the secret-ids: list the secret-ids of agent-${STRAY}: LIST auth/approle/role/agent-${STRAY}/secret-id answered HTTP 403: 1 error occurred: * permission denied )`,
    );
    expect(
      expectStatus(await world.root.request('LIST', `auth/${mount()}/role/agent-${STRAY}/secret-id`), 200, 'list stray secret-ids').body.data.keys,
    ).toEqual(secretIds);
    expect(expectStatus(await world.root.request('GET', `sys/policies/acl/agent-${STRAY}`), 200, 'read stray policy').body.data.policy).toBe(policy);
  });
});
