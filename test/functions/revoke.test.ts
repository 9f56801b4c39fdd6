/**
 * The revoke function on a real OpenBao (the seed's synthesized Vault
 * resources replayed) and moto, logged in with its own least-privilege
 * AppRole role: an alarm cuts one agent off at once and leaves the others alone.
 */
import { CreateRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  AlarmKind,
  alarmName,
  callLogGroupName,
  METRICS,
  ORPHAN_REVOKES,
  parseVaultPolicy,
  revocationMarker,
  revokerVaultPolicy,
  SECRET_NAMES,
} from '../../model';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { handler as revokeHandler } from '../../functions/revoke';
import { revocationMessage } from '../../functions/revoke/message';
import { revokeAgent } from '../../functions/revoke/revoke-agent';
import { handler as rotateHandler } from '../../functions/rotate';
import { appRoleLogin } from '../../functions/shared/vault';
import { jsonLogger } from '../../functions/shared/log';
import { FakeSlack, startFakeSlack } from '../support/fake-slack';
import { expectStatus } from '../support/vault-client';
import {
  AgentSessionBefore,
  agentLogin,
  agentSession,
  alarmNotification,
  captureLogs,
  DENIED_RATE_TRIGGER,
  functionEnv,
  functionLogin,
  metricSum,
  openAgentSessions,
  revokeAndWait,
  revoked,
  snsAlarmEvent,
  startWorld,
  withEnv,
  World,
} from './world';

const SCHEDULE_GROUP = 'scoped-agents-expiry';

const logs = captureLogs();
let world: World;
let slack: FakeSlack;
let webhookArn: string;
const fleetName = (): string => world.fleet.settings.name;
const kv = (): string => world.fleet.settings.kvMount;
/** The notification CloudWatch sends for the agent's alarm `kind`, with the description as synthesized. */
const alarm = (agent: string, kind: AlarmKind, state = 'ALARM', description?: string): Record<string, unknown> => {
  const name = alarmName(fleetName(), agent, kind);
  const synthesized = Object.values(world.stack.json.resource!.aws_cloudwatch_metric_alarm).find((a) => a.alarm_name === name)!;
  return alarmNotification(name, state, DENIED_RATE_TRIGGER, { AlarmDescription: description ?? synthesized.alarm_description });
};
const revokeEnv = (): Record<string, string> => functionEnv(world, 'revoke', { WEBHOOK_SECRET_ARN: webhookArn });
const revoke = (...alarms: Record<string, unknown>[]): Promise<{ revoked: string[] }> => withEnv(revokeEnv(), () => revokeHandler(snsAlarmEvent(...alarms)));

/** The agents' sessions before any revocation: a live token each, and the secret-id it came from. */
let before: Map<string, AgentSessionBefore>;

beforeAll(async () => {
  [world, slack] = await Promise.all([startWorld(), startFakeSlack()]);
  webhookArn = (
    await world.aws.secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.webhook(fleetName()), SecretString: JSON.stringify({ url: slack.webhookUrl }) }))
  ).ARN!;
  // invoice-summarizer has aws: scopes, so an IAM role (with its own inline policy); the others have none.
  await world.aws.iam.send(
    new CreateRoleCommand({ RoleName: 'agent-invoice-summarizer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }),
  );
  await world.aws.iam.send(
    new PutRolePolicyCommand({
      RoleName: 'agent-invoice-summarizer',
      PolicyName: 'agent-invoice-summarizer',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::acme-invoices' }],
      }),
    }),
  );
  before = await openAgentSessions(world, ['lead-enricher', 'email-notifier', 'invoice-summarizer']);
}, 60_000);

afterAll(async () => {
  await Promise.all([world?.stop(), slack?.stop()]);
});

test('the function logs in with its own AppRole role, carrying exactly the policy model/operations.ts declares, which reaches only the agents', async () => {
  // The policy and AppRole role as the fleet synthesizes them (replayed), not written by this test.
  expect(world.functionPolicy).toEqual({ revoke: 'synthesized', rotate: 'synthesized' });
  const onServer = expectStatus(await world.root.request('GET', 'sys/policies/acl/scoped-agents-revoke'), 200, 'read policy').body.data.policy;
  const declared = revokerVaultPolicy(
    world.fleet.settings,
    world.fleet.agents.map((a) => a.name),
  ).map(({ path, capabilities }) => ({ path, capabilities: [...capabilities] }));
  expect(parseVaultPolicy(onServer)).toEqual(declared);
  const vault = await appRoleLogin(world.bao.addr, world.fleet.settings.appRoleMount, await loginOf('revoke'));
  const self = await vault.request('GET', 'auth/token/lookup-self');
  // No default policy either: lookup-self itself is not granted.
  expect(self.status).toBe(403);
  const token = (await world.root.request('LIST', 'auth/token/accessors')).body.data.keys as string[];
  const policies = await Promise.all(
    token.map(async (a) => (await world.root.request('POST', 'auth/token/lookup-accessor', { body: { accessor: a } })).body.data.policies),
  );
  expect(policies).toContainEqual(['scoped-agents-revoke']);
  // The agent-* globs do not reach the functions' own policies or roles.
  expect((await vault.request('PUT', 'sys/policies/acl/scoped-agents-rotate', { policy: '' })).status).toBe(403);
  expect((await vault.request('LIST', 'auth/approle/role/scoped-agents-rotate/secret-id')).status).toBe(403);
  // It reads agents' credentials (to revoke them at the provider), and never writes one.
  expect((await vault.request('POST', `${kv()}/data/agents/lead-enricher/hubspot`, { data: { token: 'x' } })).status).toBe(403);
  expect((await vault.request('GET', `${kv()}/metadata/agents/lead-enricher/hubspot`)).status).toBe(403);
});

describe('a denied-rate alarm on lead-enricher', () => {
  let elapsed: number;
  beforeAll(async () => {
    // Poll as an agent would: the live token must be refused within 5 s of the alarm's delivery.
    const cut = await revokeAndWait(before.get('lead-enricher')!, () => revoke(alarm('lead-enricher', 'denied-rate')));
    expect(cut.result).toEqual({ revoked: ['lead-enricher'] });
    elapsed = cut.elapsed;
  });

  test('its live token gets 403 within 5 s, on every path it had', async () => {
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

  test('the revocation is recorded at the marker with the alarm, time and reason', async () => {
    const marker = expectStatus(await world.root.request('GET', `${kv()}/data/${revocationMarker('lead-enricher')}`), 200, 'read marker').body.data.data;
    expect(marker).toMatchObject({
      agent: 'lead-enricher',
      alarm: 'scoped-agents/scoped-agents/lead-enricher/denied-rate',
      kind: 'denied-rate',
      alarmTime: '2026-11-27T18:01:00.123Z',
      reason: expect.stringContaining('greater than the threshold (20.0)'),
      revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  test('the other agents are untouched: tokens, secret-ids and policies', async () => {
    for (const agent of ['email-notifier', 'invoice-summarizer']) {
      const { client, login } = before.get(agent)!;
      expect({ agent, status: (await client.request('GET', 'auth/token/lookup-self')).status }).toEqual({ agent, status: 200 });
      expect({ agent, status: (await agentLogin(world, login)).status }).toEqual({ agent, status: 200 });
      const policy = (await world.root.request('GET', `sys/policies/acl/agent-${agent}`)).body.data.policy;
      const synthesized = Object.values(world.stack.json.resource!.vault_policy).find((p) => p.name === `agent-${agent}`)!.policy;
      expect(policy).toBe(synthesized);
    }
    const { client } = before.get('email-notifier')!;
    expect((await client.request('POST', 'auth/token/renew-self', { body: {} })).status).toBe(200);
  });

  test('a message names the agent and the alarm and says exactly how to re-enable it, accepted by the Slack webhook, link-free', () => {
    expect(slack.refused).toEqual([]);
    const posted = slack.accepted.find((m) => m.text.includes('lead-enricher'))!;
    expect(posted).toBeDefined();
    expect(posted.text).toContain('Agent lead-enricher was revoked automatically: alarm scoped-agents/scoped-agents/lead-enricher/denied-rate (denied-rate).');
    expect(posted.text).toContain(
      '1. Delete the revocation marker (rotation refuses the agent while it exists): vault kv metadata delete -mount=kv control/revoked/lead-enricher',
    );
    expect(posted.text).toContain("2. Restore the agent's generated Vault policy agent-lead-enricher: cdktf deploy");
    expect(posted.text).toContain(
      `3. Issue a new secret-id and deliver it to the agent: aws lambda invoke --function-name scoped-agents-rotate --cli-binary-format raw-in-base64-out --payload '{"action":"rotate","agent":"lead-enricher"}' /dev/stdout`,
    );
    expect(posted.text).toContain('no IAM role agent-lead-enricher: no AWS sessions to revoke');
    expect(JSON.stringify(posted)).not.toMatch(/https?:\/\//);
    expect(posted.blocks?.length).toBeGreaterThanOrEqual(5);
    // The same message is in the function's log, plain (not mrkdwn-escaped).
    const logged = logs.find((l) => l.notice === 'revocation' && l.agent === 'lead-enricher');
    expect(logged?.message).toBe(posted.text);
  });

  test('nothing secret reaches the log: no secret-id, no token', () => {
    const text = JSON.stringify(logs);
    for (const [agent, { login }] of before) expect({ agent, leaked: text.includes(login.secret_id) }).toEqual({ agent, leaked: false });
    expect(text).not.toMatch(/"s\.[A-Za-z0-9]{24}"|hvs\./);
  });

  test('running it twice is harmless: no error, nothing more to revoke, the others still work', async () => {
    await expect(revoke(alarm('lead-enricher', 'denied-rate'))).resolves.toEqual({ revoked: ['lead-enricher'] });
    const again = slack.accepted.filter((m) => m.text.includes('Agent lead-enricher was revoked'));
    expect(again).toHaveLength(2);
    expect(again[1].text).toContain('0 live Vault token(s) revoked');
    expect(again[1].text).toContain('0 AppRole secret-id(s) destroyed');
    expect(parseVaultPolicy((await world.root.request('GET', 'sys/policies/acl/agent-lead-enricher')).body.data.policy)).toEqual([]);
    expect((await before.get('email-notifier')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
  });

  test('rotation refuses the revoked agent: no secret-id minted, nothing delivered, no failure metric', async () => {
    await world.aws.scheduler.send(new CreateScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
    await world.aws.secrets.send(new CreateSecretCommand({ Name: SECRET_NAMES.agentLogin(fleetName(), 'lead-enricher'), SecretString: '{}' }));
    const result = await withEnv(rotateEnv(), () => rotateHandler({ action: 'rotate', agent: 'lead-enricher' }));
    expect(result).toMatchObject({ agent: 'lead-enricher', refused: expect.stringContaining('is revoked'), failures: 0 });
    expect((await world.root.request('LIST', 'auth/approle/role/agent-lead-enricher/secret-id')).status).toBe(404);
    expect(await metricSum(world, 'lead-enricher', METRICS.rotationFailures)).toBe(0);
  });

  test('following the message re-enables it: delete the marker, deploy the policy, rotate; the old token stays dead', async () => {
    expectStatus(await world.root.request('DELETE', `${kv()}/metadata/${revocationMarker('lead-enricher')}`), 204, 'delete marker');
    // `cdktf deploy`: the synthesized policy written back, as the provider does.
    const synthesized = Object.values(world.stack.json.resource!.vault_policy).find((p) => p.name === 'agent-lead-enricher')!.policy;
    expectStatus(await world.root.request('PUT', 'sys/policies/acl/agent-lead-enricher', { body: { policy: synthesized } }), 204, 'restore policy');
    await withEnv(rotateEnv(), () => rotateHandler({ action: 'rotate', agent: 'lead-enricher' }));

    const delivered = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: SECRET_NAMES.agentLogin(fleetName(), 'lead-enricher') }));
    const session = await agentSession(world, JSON.parse(delivered.SecretString!));
    expect((await session.request('POST', 'auth/token/renew-self', { body: {} })).status).toBe(200);
    expect((await before.get('lead-enricher')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(403);
  });
});

describe('orphan alarms flag, and revoke only with orphanAction: revoke an agent that made calls before', () => {
  test("the seed's orphan alarms (orphanAction: notify, the default) revoke nobody", async () => {
    const described = alarm('email-notifier', 'orphan').AlarmDescription;
    expect(described).toBe(
      'email-notifier made no call for 24 hours: an orphaned credential that outlived its use. email-notifier is flagged, not revoked: retire it if nobody needs it.',
    );
    logs.length = 0;
    expect(await revoke(alarm('email-notifier', 'orphan'), alarm('invoice-summarizer', 'orphan'))).toEqual({ revoked: [] });
    expect(logs.map((l) => l.message)).toEqual([
      `ignored: ${alarmName(fleetName(), 'email-notifier', 'orphan')}: an orphan alarm only notifies (orphanAction: notify)`,
      `ignored: ${alarmName(fleetName(), 'invoice-summarizer', 'orphan')}: an orphan alarm only notifies (orphanAction: notify)`,
    ]);
    expect((await before.get('email-notifier')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
  });

  test('with orphanAction: revoke, an agent that never made a call is "never used", not revoked', async () => {
    logs.length = 0;
    const result = await revoke(alarm('email-notifier', 'orphan', 'ALARM', `email-notifier made no call for 24 hours. ${ORPHAN_REVOKES}`));
    expect(result).toEqual({ revoked: [] });
    expect(logs.map((l) => l.message)).toEqual([
      `ignored: ${alarmName(fleetName(), 'email-notifier', 'orphan')}: email-notifier was never used (its call log has no call yet); not revoked`,
    ]);
    expect((await before.get('email-notifier')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
  });
});

describe('an orphan alarm with orphanAction: revoke on invoice-summarizer, which made a call before and has an IAM role', () => {
  let from: number;
  let to: number;
  beforeAll(async () => {
    // Its call log holds one call, as the gateway writes it.
    const group = callLogGroupName(fleetName(), 'invoice-summarizer');
    await world.aws.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await world.aws.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'gateway' }));
    await world.aws.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'gateway',
        logEvents: [{ timestamp: Date.now() - 25 * 3_600_000, message: '{"agent":"invoice-summarizer"}' }],
      }),
    );
    from = Date.now();
    await revoke(alarm('invoice-summarizer', 'orphan', 'ALARM', `invoice-summarizer made no call for 24 hours. ${ORPHAN_REVOKES}`));
    to = Date.now();
  });

  test('puts the deny-older-sessions inline policy on its IAM role, with the exact condition', async () => {
    const res = await world.aws.iam.send(new GetRolePolicyCommand({ RoleName: 'agent-invoice-summarizer', PolicyName: 'agent-invoice-summarizer-revoked' }));
    const document = JSON.parse(decodeURIComponent(res.PolicyDocument!));
    const issuedBefore: string = document.Statement?.[0]?.Condition?.DateLessThan?.['aws:TokenIssueTime'];
    expect(document).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'RevokeOlderSessions', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } } },
      ],
    });
    // The revocation time, rounded up to the second: every session issued before the alarm was handled is denied.
    expect(issuedBefore).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(issuedBefore)).toBeGreaterThanOrEqual(from);
    expect(Date.parse(issuedBefore)).toBeLessThanOrEqual(Math.ceil(to / 1000) * 1000);
  });

  test("leaves the role's own grant in place (the deny wins over it) and says how to remove the deny", async () => {
    const names = (await world.aws.iam.send(new ListRolePoliciesCommand({ RoleName: 'agent-invoice-summarizer' }))).PolicyNames;
    expect(names?.sort()).toEqual(['agent-invoice-summarizer', 'agent-invoice-summarizer-revoked']);
    const posted = slack.accepted.find((m) => m.text.includes('Agent invoice-summarizer was revoked'))!;
    expect(posted.text).toMatch(/AWS sessions of role agent-invoice-summarizer issued before \S+Z denied \(inline policy agent-invoice-summarizer-revoked\)/);
    expect(posted.text).toContain('aws iam delete-role-policy --role-name agent-invoice-summarizer --policy-name agent-invoice-summarizer-revoked');
  });

  test('cuts its Vault token too, and leaves email-notifier alone', async () => {
    expect((await before.get('invoice-summarizer')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(403);
    expect((await before.get('email-notifier')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
  });
});

test('alarms that do not call for a revocation change nothing: OK states, rotation failures, other fleets, foreign alarms', async () => {
  const posts = slack.accepted.length;
  const result = await revoke(
    alarm('email-notifier', 'denied-rate', 'OK'),
    alarm('email-notifier', 'call-rate', 'INSUFFICIENT_DATA'),
    alarm('email-notifier', 'rotation-failure'),
    alarmNotification(alarmName('another-fleet', 'email-notifier', 'denied-rate'), 'ALARM', DENIED_RATE_TRIGGER),
    alarmNotification('billing-over-budget', 'ALARM', DENIED_RATE_TRIGGER),
  );
  expect(result).toEqual({ revoked: [] });
  expect(slack.accepted.length).toBe(posts);
  expect((await before.get('email-notifier')!.client.request('GET', 'auth/token/lookup-self')).status).toBe(200);
  expect((await agentLogin(world, before.get('email-notifier')!.login)).status).toBe(200);
});

// Declared last: it destroys email-notifier's secret-ids (the rotate role may, to expire them).
test('fails loudly, naming each refused step, when the Vault login lacks the revoke policy (the rotate role here)', async () => {
  const wrong = await appRoleLogin(world.bao.addr, world.fleet.settings.appRoleMount, await loginOf('rotate'));
  const lines: string[] = [];
  const r = await revokeAgent(
    { vault: wrong, iam: world.aws.iam, now: () => new Date(), log: jsonLogger((l) => lines.push(l)) },
    { fleet: fleetName(), kvMount: kv(), appRoleMount: world.fleet.settings.appRoleMount },
    'email-notifier',
    { alarm: alarmName(fleetName(), 'email-notifier', 'call-rate'), kind: 'call-rate', reason: 'test', alarmTime: '2026-11-27T18:01:00.123Z' },
  );
  expect(r.problems).toEqual([
    expect.stringMatching(/^record the revocation marker: .*HTTP 403/),
    expect.stringMatching(/^empty the Vault policy: .*HTTP 403/),
    expect.stringMatching(/^revoke the live tokens: .*HTTP 403/),
  ]);
  expect(r.secretIdsDestroyed).toBe(1);
  expect(revocationMessage(r, kv()).text).toMatch(/^Agent email-notifier: revocation INCOMPLETE/);
  expect(lines.filter((l) => JSON.parse(l).level === 'error')).toHaveLength(3);
});

const loginOf = (role: 'revoke' | 'rotate'): Promise<{ role_id: string; secret_id: string }> => functionLogin(world, role);

const rotateEnv = (): Record<string, string> =>
  functionEnv(world, 'rotate', {
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scoped-agents-scheduler',
    FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:scoped-agents-rotate',
    ROTATION_GRACE_SECONDS: '1',
    CREDENTIALS: JSON.stringify({ hubspot: { rotator: 'manual', store: 'vault' } }),
  });
