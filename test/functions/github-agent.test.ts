/**
 * The rotate and revoke functions on a `github-actions` agent, which logs in
 * with its workflow's OIDC token and has no AppRole role: on a real OpenBao
 * with the synthesized Vault resources of test/fixtures/github-agents.yaml
 * replayed (the JWT backend pointed at a key pair of the test), each function
 * logged in with its own synthesized AppRole role and policy.
 *
 * Rotation skips the secret-id (nothing to issue, nothing delivered, not a
 * failure) and still handles the agent's SaaS credentials and metrics;
 * revocation empties its policy and revokes its live JWT-issued tokens, and a
 * new workflow run's login then carries a policy that grants nothing.
 */
import { PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { join } from 'path';
import { revocationText } from '../../functions/revoke/message';
import { revokeAgent, Revocation } from '../../functions/revoke/revoke-agent';
import { AgentRotation, rotateAgent } from '../../functions/rotate/rotate-agent';
import { rotators } from '../../functions/rotate/rotators';
import { jsonLogger } from '../../functions/shared/log';
import { appRoleLogin, Vault } from '../../functions/shared/vault';
import { Fleet, githubVaultAudience, METRICS, rotateCommand } from '../../model';
import { loadFleet } from '../../table';
import { tempDir } from '../helpers';
import { githubTokenIssuer } from '../support/github-oidc';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { replayVault } from '../support/replay';
import { synthesizeTable } from '../support/synthesized';
import { expectStatus, VaultClient, vaultClient } from '../support/vault-client';

const TABLE = { table: 'test/fixtures/github-agents.yaml' };
const AGENT = 'release-bot';
const issuer = githubTokenIssuer();

let server: OpenBaoServer;
let root: VaultClient;
let fleet: Fleet;
const logs: Record<string, unknown>[] = [];
const log = jsonLogger((line) => logs.push(JSON.parse(line)));

/** An AWS client stand-in that records every command it is sent. */
function recorder(): { sent: { name: string; input: unknown }[]; client: any } {
  const sent: { name: string; input: unknown }[] = [];
  return {
    sent,
    client: {
      send: async (command: { constructor: { name: string }; input: unknown }) => (sent.push({ name: command.constructor.name, input: command.input }), {}),
    },
  };
}

/** Logs a fleet function in with its own synthesized AppRole role, as it does at run time. */
async function functionLogin(role: 'revoke' | 'rotate'): Promise<Vault> {
  const base = `auth/approle/role/scoped-agents-${role}`;
  const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, 'role-id').body.data.role_id;
  const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, 'secret-id').body.data.secret_id;
  return appRoleLogin(server.addr, 'approle', { role_id: roleId, secret_id: secretId });
}

/** A workflow run of the agent logs in with its OIDC token. */
async function workflowLogin(): Promise<{ status: number; token?: string }> {
  const agent = fleet.agents.find((a) => a.name === AGENT)!;
  const jwt = issuer.sign(issuer.claims(agent.github!.repository, agent.github!.environment, githubVaultAudience(fleet.settings)));
  const res = await vaultClient(server.addr).request('POST', `auth/${fleet.settings.jwtMount}/login`, { body: { role: `agent-${AGENT}`, jwt } });
  return { status: res.status, token: res.body?.auth?.client_token };
}

beforeAll(async () => {
  const [started, synthesized, loaded] = await Promise.all([startOpenBao({ allowApiAuditDevices: true }), synthesizeTable(TABLE), loadFleet(TABLE)]);
  server = started;
  fleet = loaded;
  root = vaultClient(server.addr, { token: server.rootToken });
  await replayVault(synthesized.stacks[0], root, {
    awsSecretsEngine: 'kv-stand-in',
    auditFilePath: join(tempDir('scoped-agents-audit-'), 'audit.log'),
    jwtKeySource: { jwt_validation_pubkeys: [issuer.publicKeyPem] },
  });
});
afterAll(async () => {
  await server?.stop();
});

describe(`rotating ${AGENT}`, () => {
  let rotation: AgentRotation;
  const secrets = recorder();
  const scheduler = recorder();
  const cloudwatch = recorder();

  beforeAll(async () => {
    rotation = await rotateAgent(
      {
        vault: await functionLogin('rotate'),
        secrets: secrets.client,
        scheduler: scheduler.client,
        cloudwatch: cloudwatch.client,
        fetch,
        now: () => new Date(),
        log,
        rotators: rotators({ now: () => new Date() }),
      },
      {
        fleet: fleet.settings.name,
        kvMount: fleet.settings.kvMount,
        appRoleMount: fleet.settings.appRoleMount,
        graceSeconds: fleet.settings.rotationGrace,
        scheduleGroup: fleet.settings.name,
        schedulerRoleArn: 'arn:aws:iam::123456789012:role/gh-agents-scheduler',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gh-agents-rotate',
        credentials: { slack: { name: 'slack', rotator: 'manual', store: 'vault' } },
      },
      AGENT,
    );
  });

  test('issues no secret-id and is no failure: it has no AppRole role', () => {
    expect(rotation).toMatchObject({ agent: AGENT, failures: 0, successes: 0 });
    expect(rotation.secretId).toBeUndefined();
    expect(rotation.secretIdError).toBeUndefined();
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', message: `rotate ${AGENT}: no AppRole role agent-${AGENT}; no secret-id to rotate` }));
  });

  test('delivers nothing to Secrets Manager and schedules no expiry', () => {
    expect(secrets.sent).toEqual([]);
    expect(scheduler.sent).toEqual([]);
  });

  test('still handles its SaaS credential (slack, rotated by hand) and publishes its metrics', () => {
    expect(rotation.credentials).toEqual([{ name: 'slack', outcome: 'manual' }]);
    expect(cloudwatch.sent).toEqual([
      {
        name: 'PutMetricDataCommand',
        input: expect.objectContaining({
          Namespace: METRICS.namespace,
          MetricData: [
            expect.objectContaining({ MetricName: METRICS.rotationSuccesses, Value: 0, Dimensions: [{ Name: METRICS.dimension, Value: AGENT }] }),
            expect.objectContaining({ MetricName: METRICS.rotationFailures, Value: 0, Dimensions: [{ Name: METRICS.dimension, Value: AGENT }] }),
          ],
        }),
      },
    ]);
  });
});

describe(`revoking ${AGENT}`, () => {
  let revocation: Revocation;
  let liveToken: string;
  const iam = recorder();

  beforeAll(async () => {
    const before = await workflowLogin();
    expect(before.status).toBe(200);
    liveToken = before.token!;
    revocation = await revokeAgent(
      { vault: await functionLogin('revoke'), iam: iam.client, now: () => new Date(), log },
      { fleet: fleet.settings.name, kvMount: fleet.settings.kvMount, appRoleMount: fleet.settings.appRoleMount },
      AGENT,
      { alarm: `scoped-agents/${fleet.settings.name}/${AGENT}/denied-rate`, kind: 'denied-rate', reason: 'test', alarmTime: new Date().toISOString() },
    );
  });

  test('completes: policy emptied, its live JWT token revoked, no secret-id to destroy, older AWS sessions denied', () => {
    expect(revocation).toMatchObject({ problems: [], policy: 'emptied', secretIdsDestroyed: 0, appRole: 'absent', awsRole: 'denied-older-sessions' });
    expect(revocation.tokensRevoked).toBeGreaterThanOrEqual(1);
    expect(iam.sent.map((c) => c.name)).toEqual([PutRolePolicyCommand.name]);
    expect(iam.sent[0].input).toMatchObject({ RoleName: `agent-${AGENT}`, PolicyName: `agent-${AGENT}-revoked` });
  });

  test("the message's re-enable steps are the runbook's for an OIDC agent: no secret-id to issue", () => {
    const text = revocationText(revocation, fleet.settings.kvMount);
    expect(text).toContain('- no AppRole role (it logs in with its OIDC token): its new tokens carry the emptied policy');
    expect(text).toContain(
      `3. Run its rotation (its SaaS credentials; it has no secret-id, its next workflow run logs in with a new OIDC token): ${rotateCommand(fleet.settings.name, AGENT)}`,
    );
    expect(text).not.toContain('Issue a new secret-id');
  });

  test('the token of the run before the revocation no longer works', async () => {
    expect((await vaultClient(server.addr, { token: liveToken }).request('GET', 'auth/token/lookup-self')).status).toBe(403);
  });

  test('a new workflow run still logs in, but its token may do nothing, not even look itself up', async () => {
    const after = await workflowLogin();
    expect(after.status).toBe(200);
    const client = vaultClient(server.addr, { token: after.token });
    expect((await client.request('GET', 'auth/token/lookup-self')).status).toBe(403);
    expect((await client.request('GET', `${fleet.settings.kvMount}/data/agents/${AGENT}/slack`)).status).toBe(403);
  });

  test('other agents are untouched: staging-bot still logs in and reads itself', async () => {
    const staging = fleet.agents.find((a) => a.name === 'staging-bot')!;
    const jwt = issuer.sign(issuer.claims(staging.github!.repository, staging.github!.environment, githubVaultAudience(fleet.settings)));
    const res = expectStatus(
      await vaultClient(server.addr).request('POST', `auth/${fleet.settings.jwtMount}/login`, { body: { role: 'agent-staging-bot', jwt } }),
      200,
      'login',
    );
    expect((await vaultClient(server.addr, { token: res.body.auth.client_token }).request('GET', 'auth/token/lookup-self')).status).toBe(200);
  });
});
