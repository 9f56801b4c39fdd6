/**
 * Proof on a real OpenBao that a `github-actions` agent's JWT role is bound
 * exactly: the synthesized `vault_jwt_auth_backend` and its roles are replayed
 * (test/support/replay.ts) with one change, the key source — a key pair this
 * test generates stands in for GitHub's published keys — and GitHub-shaped
 * OIDC tokens signed with it log in, or are refused.
 *
 * What is proven, for every github-actions agent of the table: a token with
 * GitHub's issuer, the fleet's audience and the agent's repository and
 * environment logs in and gets exactly the agent's policy and TTLs; a token
 * for another repository, another environment, another agent's binding, a
 * wrong audience, another issuer, an expired token, one signed by another
 * key, and one whose claims are glob patterns are all refused.
 */
import { join } from 'path';
import { Agent, agentResourceName, Fleet, githubVaultAudience } from '../../model';
import { loadFleet } from '../../table';
import { GITHUB_ISSUER, githubTokenIssuer, GithubTokenIssuer } from '../support/github-oidc';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { replayVault, ReplaySummary } from '../support/replay';
import { SynthesizedStack, synthesizeTable } from '../support/synthesized';
import { expectStatus, VaultClient, vaultClient, VaultResponse } from '../support/vault-client';
import { tempDir } from '../helpers';

const TABLE = { table: 'test/fixtures/github-agents.yaml' };

let server: OpenBaoServer;
let root: VaultClient;
let anonymous: VaultClient;
let fleet: Fleet;
let stack: SynthesizedStack;
let issuer: GithubTokenIssuer;
let summary: ReplaySummary;

beforeAll(async () => {
  issuer = githubTokenIssuer();
  const [started, synthesized, loaded] = await Promise.all([startOpenBao({ allowApiAuditDevices: true }), synthesizeTable(TABLE), loadFleet(TABLE)]);
  server = started;
  fleet = loaded;
  stack = synthesized.stacks[0];
  root = vaultClient(server.addr, { token: server.rootToken });
  anonymous = vaultClient(server.addr);
  summary = await replayVault(stack, root, {
    awsSecretsEngine: 'kv-stand-in',
    auditFilePath: join(tempDir('scoped-agents-audit-'), 'audit.log'),
    jwtKeySource: { jwt_validation_pubkeys: [issuer.publicKeyPem] },
  });
});
afterAll(async () => {
  await server?.stop();
});

const MOUNT = 'github-actions';
const githubAgents = (): Agent[] => fleet.agents.filter((a) => a.platform === 'github-actions');
const login = (role: string, jwt: string): Promise<VaultResponse> => anonymous.request('POST', `auth/${MOUNT}/login`, { body: { role, jwt } });
/** A token for `agent`'s own binding, with any claims changed. */
const tokenFor = (agent: Agent, overrides: Record<string, unknown> = {}, signer: GithubTokenIssuer = issuer): string =>
  signer.sign(issuer.claims(agent.github!.repository, agent.github!.environment, githubVaultAudience(fleet.settings), overrides));
/** Vault refuses a JWT login with 400 and a reason (the JWT plugin's error). */
function expectRefused(res: VaultResponse, reason: RegExp): void {
  if (process.env.SHOW_REFUSALS) process.stdout.write(`${res.status} ${JSON.stringify(res.body)}\n`);
  expect(res.status).toBe(400);
  expect(res.body.errors.join('; ')).toMatch(reason);
  expect(res.body.auth).toBeUndefined();
}

test('the table has github-actions agents in two repositories, two of them in one repository', async () => {
  expect(githubAgents().map((a) => `${a.name}=${a.github!.repository}@${a.github!.environment}`)).toEqual([
    'docs-bot=acme/docs@publish',
    'release-bot=acme/checkout@production',
    'staging-bot=acme/checkout@staging',
  ]);
});

test('the replay applied the synthesized JWT backend, changing only its key source', async () => {
  expect(summary.applied).toMatchObject({ vault_jwt_auth_backend: 1, vault_jwt_auth_backend_role: 3 });
  const synthesized = Object.values(stack.json.resource!.vault_jwt_auth_backend);
  expect(synthesized).toEqual([expect.objectContaining({ path: MOUNT, type: 'jwt', oidc_discovery_url: GITHUB_ISSUER, bound_issuer: GITHUB_ISSUER })]);
  expect((await root.request('GET', 'sys/auth')).body.data[`${MOUNT}/`]).toMatchObject({ type: 'jwt' });
  const config = expectStatus(await root.request('GET', `auth/${MOUNT}/config`), 200, 'read config').body.data;
  expect(config.bound_issuer).toBe(GITHUB_ISSUER);
  expect((config.jwt_validation_pubkeys as string[]).map((k) => k.trim())).toEqual([issuer.publicKeyPem.trim()]);
  expect(config.oidc_discovery_url).toBe('');
});

test('the replay refuses a JWT backend whose keys are on the internet, unless the test gives its own', async () => {
  const fresh = await startOpenBao({ allowApiAuditDevices: true });
  try {
    await expect(replayVault(stack, vaultClient(fresh.addr, { token: fresh.rootToken }), { awsSecretsEngine: 'kv-stand-in' })).rejects.toThrow(
      /vault_jwt_auth_backend\.\S+ takes its keys from https:\/\/token\.actions\.githubusercontent\.com, which this machine does not reach/,
    );
  } finally {
    await fresh.stop();
  }
});

describe.each(['release-bot', 'staging-bot', 'docs-bot'])('%s', (name) => {
  const agent = (): Agent => fleet.agents.find((a) => a.name === name)!;
  const role = `agent-${name}`;

  test(`its role on the server is bound to exactly its repository, environment and the fleet's audience`, async () => {
    const data = expectStatus(await root.request('GET', `auth/${MOUNT}/role/${role}`), 200, 'read role').body.data;
    expect(data).toMatchObject({
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: [githubVaultAudience(fleet.settings)],
      bound_claims: { repository: [agent().github!.repository], environment: [agent().github!.environment] },
      bound_claims_type: 'string',
      token_policies: [role],
      token_no_default_policy: true,
      token_type: 'service',
      token_ttl: agent().credentialTtl,
      token_max_ttl: agent().credentialMaxTtl,
      token_explicit_max_ttl: agent().credentialMaxTtl,
    });
    expect(data.bound_subject).toBe('');
  });

  test(`a token of its repository and environment logs in and gets exactly ${role}, for the table's TTLs`, async () => {
    const res = expectStatus(await login(role, tokenFor(agent())), 200, `${name} logs in`);
    expect(res.body.auth.policies).toEqual([role]);
    expect(res.body.auth.token_policies).toEqual([role]);
    expect(res.body.auth.lease_duration).toBe(agent().credentialTtl);
    expect(res.body.auth.metadata).toMatchObject({ role });
    const self = expectStatus(
      await vaultClient(server.addr, { token: res.body.auth.client_token }).request('GET', 'auth/token/lookup-self'),
      200,
      'lookup-self',
    );
    expect(self.body.data.policies).toEqual([role]);
    expect(self.body.data.explicit_max_ttl).toBe(agent().credentialMaxTtl);
    expect(self.body.data.ttl).toBeLessThanOrEqual(agent().credentialTtl);
    expect(self.body.data.ttl).toBeGreaterThan(agent().credentialTtl - 60);
  });

  test("its token may not read another agent's policy, rewrite its role or read the backend's configuration", async () => {
    const res = expectStatus(await login(role, tokenFor(agent())), 200, 'login');
    const client = vaultClient(server.addr, { token: res.body.auth.client_token });
    for (const other of githubAgents().filter((a) => a.name !== name)) {
      const denied = await client.request('GET', `sys/policies/acl/${agentResourceName(other)}`);
      expect(denied.status).toBe(403);
    }
    expect((await client.request('POST', `auth/${MOUNT}/role/${role}`, { body: { bound_claims: {} } })).status).toBe(403);
    expect((await client.request('GET', `auth/${MOUNT}/config`)).status).toBe(403);
  });

  test('a token of another repository is refused', async () => {
    const repository = `${agent().github!.repository}-fork`;
    expectRefused(
      await login(role, tokenFor(agent(), { repository, sub: `repo:${repository}:environment:${agent().github!.environment}` })),
      /claim "repository" does not match/,
    );
  });

  test('a token of another owner with the same repository name is refused', async () => {
    const repository = `evil/${agent().github!.repository.split('/')[1]}`;
    expectRefused(await login(role, tokenFor(agent(), { repository, repository_owner: 'evil' })), /claim "repository" does not match/);
  });

  test('a token of another environment of its repository is refused', async () => {
    expectRefused(
      await login(role, tokenFor(agent(), { environment: 'dev', sub: `repo:${agent().github!.repository}:environment:dev` })),
      /claim "environment" does not match/,
    );
  });

  test('a token of a job without an environment is refused', async () => {
    expectRefused(
      await login(role, tokenFor(agent(), { environment: undefined, sub: `repo:${agent().github!.repository}:ref:refs/heads/main` })),
      /claim "environment" is missing/,
    );
  });

  test('a token whose repository and environment are `*` is refused', async () => {
    const [owner] = agent().github!.repository.split('/');
    expectRefused(await login(role, tokenFor(agent(), { repository: `${owner}/*`, environment: '*' })), /claim "(repository|environment)" does not match/);
  });

  test('a token for another audience is refused, AWS’s among them', async () => {
    expectRefused(
      await login(role, tokenFor(agent(), { aud: 'sts.amazonaws.com' })),
      /invalid audience \(aud\) claim: audience claim does not match any expected audience/,
    );
    expectRefused(
      await login(role, tokenFor(agent(), { aud: `https://github.com/${agent().github!.repository.split('/')[0]}` })),
      /invalid audience \(aud\) claim: audience claim does not match any expected audience/,
    );
  });

  test('a token of another issuer is refused', async () => {
    expectRefused(await login(role, tokenFor(agent(), { iss: 'https://token.actions.example.com' })), /invalid issuer \(iss\) claim/);
  });

  test('an expired token is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectRefused(
      await login(role, tokenFor(agent(), { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
      /invalid expiration time \(exp\) claim: token is expired/,
    );
  });

  test('a token signed by another key is refused', async () => {
    expectRefused(await login(role, tokenFor(agent(), {}, githubTokenIssuer())), /no known key successfully validated the token signature/);
  });

  test("tokens for every other agent's binding are refused by its role", async () => {
    for (const other of githubAgents().filter((a) => a.name !== name)) {
      const res = await login(role, tokenFor(other));
      expectRefused(res, /claim "(repository|environment)" does not match any associated bound claim values/);
    }
  });
});

test('an AppRole agent of the same fleet has no JWT role', async () => {
  expect((await root.request('GET', `auth/${MOUNT}/role/agent-note-taker`)).status).toBe(404);
  expect((await root.request('GET', 'auth/approle/role/agent-note-taker')).status).toBe(200);
  for (const agent of githubAgents()) expect((await root.request('GET', `auth/approle/role/${agentResourceName(agent)}`)).status).toBe(404);
});
