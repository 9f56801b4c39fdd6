/**
 * Revocation reaches the provider: on a real OpenBao (the seed, with
 * lead-enricher also sending mail, so it has two credentials) and moto, the
 * revoke function — logged in with its own least-privilege role, reading the
 * CREDENTIALS the stack synthesizes — cuts the agent off in Vault, then
 * revokes each of its credentials at the provider (local servers that check
 * the documented requests), with the management credential where the
 * provider needs one. A failing provider does not stop the other, nor the
 * Vault cut-off; the message and the marker say which were revoked and
 * which need a hand.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { handler as revokeHandler } from '../../functions/revoke';
import { revocationText } from '../../functions/revoke/message';
import { revokeAgent } from '../../functions/revoke/revoke-agent';
import { jsonLogger } from '../../functions/shared/log';
import { appRoleLogin } from '../../functions/shared/vault';
import { alarmName, revocationMarker, SECRET_NAMES } from '../../model/operations';
import { managementEntry } from '../../model/providers';
import { tempDir } from '../helpers';
import { FakeProviders, startFakeProviders } from '../support/fake-providers';
import { FakeSendGrid, startFakeSendGrid } from '../support/fake-sendgrid';
import { FakeSlack, startFakeSlack } from '../support/fake-slack';
import { expectStatus } from '../support/vault-client';
import {
  AgentSessionBefore,
  alarmNotification,
  captureLogs,
  DENIED_RATE_TRIGGER,
  functionEnv,
  functionLogin,
  openAgentSessions,
  revoked,
  snsAlarmEvent,
  startWorld,
  withEnv,
  World,
} from './world';

const ROOT = resolve(__dirname, '..', '..');
captureLogs();
let world: World;
let providers: FakeProviders;
let sendgrid: FakeSendGrid;
let slack: FakeSlack;
let env: Record<string, string>;
let before: Map<string, AgentSessionBefore>;
const kv = (): string => world.fleet.settings.kvMount;

/** The CREDENTIALS the stack gives the revoke function, with each provider's base URL pointed at the local servers. */
function synthesizedCredentials(): Record<string, Record<string, string>> {
  const fn = Object.values(world.stack.json.resource!.aws_lambda_function).find((f) => String(f.function_name).endsWith('-revoke'))!;
  return JSON.parse((fn.environment as { variables: Record<string, string> }).variables.CREDENTIALS!);
}

beforeAll(async () => {
  const table = join(tempDir(), 'agents.yaml');
  const seed = readFileSync(join(ROOT, 'agents.yaml'), 'utf8');
  // lead-enricher also sends mail: two credentials, at two providers.
  writeFileSync(
    table,
    seed.replace(
      '      - { action: Write tag, scopes: [crm.tags.write] }',
      '      - { action: Write tag, scopes: [crm.tags.write] }\n      - { action: Mail the owner, scopes: [mail.send] }',
    ),
  );
  [world, providers, sendgrid, slack] = await Promise.all([
    startWorld({ table }),
    startFakeProviders(),
    startFakeSendGrid([
      { id: 'lead-key-id', key: 'SG.lead', name: 'lead-enricher', scopes: ['mail.send'] },
      { id: 'email-key-id', key: 'SG.email', name: 'email-notifier', scopes: ['mail.send'] },
      { id: 'mgmt-key-id', key: 'SG.mgmt', name: 'scoped-agents management', scopes: ['api_keys.delete', 'api_keys.read', 'api_keys.create'] },
    ]),
    startFakeSlack(),
  ]);
  const credentials = synthesizedCredentials();
  credentials.hubspot!.baseUrl = providers.url;
  credentials.sendgrid!.baseUrl = sendgrid.url;
  const webhook = await world.aws.secrets.send(
    new CreateSecretCommand({ Name: SECRET_NAMES.webhook(world.fleet.settings.name), SecretString: JSON.stringify({ url: slack.webhookUrl }) }),
  );
  env = functionEnv(world, 'revoke', { CREDENTIALS: JSON.stringify(credentials), WEBHOOK_SECRET_ARN: webhook.ARN! });

  const put = async (path: string, data: Record<string, string>): Promise<void> => {
    expectStatus(await world.root.request('POST', `${kv()}/data/${path}`, { body: { data } }), 200, `seed ${path}`);
  };
  providers.live.add('lead-refresh');
  await put('agents/lead-enricher/hubspot', { access_token: 'hub-access', refresh_token: 'lead-refresh', client_id: 'c', client_secret: 's' });
  await put('agents/lead-enricher/sendgrid', { api_key: 'SG.lead', api_key_id: 'lead-key-id' });
  await put('agents/email-notifier/sendgrid', { api_key: 'SG.email', api_key_id: 'email-key-id' });
  await put(managementEntry('sendgrid-management'), { api_key: 'SG.mgmt' });
  before = await openAgentSessions(world, ['lead-enricher', 'email-notifier']);
}, 120_000);
afterAll(async () => Promise.all([world?.stop(), providers?.stop(), sendgrid?.stop(), slack?.stop()]));

const alarm = (agent: string): Record<string, unknown> => {
  const name = alarmName(world.fleet.settings.name, agent, 'denied-rate');
  const synthesized = Object.values(world.stack.json.resource!.aws_cloudwatch_metric_alarm).find((a) => a.alarm_name === name)!;
  return alarmNotification(name, 'ALARM', DENIED_RATE_TRIGGER, { AlarmDescription: synthesized.alarm_description });
};

test('the synthesized CREDENTIALS name each credential’s revoker, its management credential and its provider', () => {
  expect(synthesizedCredentials()).toEqual({
    hubspot: {
      rotator: 'oauth2-refresh',
      tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
      store: 'vault',
      revoker: 'hubspot-refresh-token',
      provider: 'hubspot',
    },
    sendgrid: { rotator: 'sendgrid-api-key', store: 'vault', revoker: 'sendgrid-api-key', management: 'sendgrid-management', provider: 'sendgrid' },
  });
});

describe('a denied-rate alarm on email-notifier', () => {
  beforeAll(async () => {
    expect(await withEnv(env, () => revokeHandler(snsAlarmEvent(alarm('email-notifier'))))).toEqual({ revoked: ['email-notifier'] });
  });

  test('its SendGrid key is deleted at SendGrid with the management key, after the Vault cut-off', async () => {
    await revoked.tokenRefused(world, before.get('email-notifier')!, 'email-notifier');
    expect(sendgrid.keys.has('email-key-id')).toBe(false);
    expect(sendgrid.keys.has('lead-key-id')).toBe(true);
    expect(sendgrid.requests.map((r) => [r.method, r.path, r.headers.authorization, r.status])).toEqual([
      ['DELETE', '/v3/api_keys/email-key-id', 'Bearer SG.mgmt', 204],
    ]);
  });

  test('the marker records how the credential fared at its provider', async () => {
    const marker = expectStatus(await world.root.request('GET', `${kv()}/data/${revocationMarker('email-notifier')}`), 200, 'marker').body.data.data;
    expect(marker.providers).toEqual([
      { credential: 'sendgrid', provider: 'SendGrid', outcome: 'revoked', detail: 'SendGrid DELETE /v3/api_keys/{api_key_id} → 204' },
    ]);
    expect(marker.alarm).toBe(alarmName(world.fleet.settings.name, 'email-notifier', 'denied-rate'));
  });

  test('the message says it was revoked at SendGrid, and the re-enable steps mint a new key before the rotation', () => {
    const text = slack.accepted.at(-1)!.text;
    expect(text).toContain('At the providers:\n- sendgrid: revoked at SendGrid (SendGrid DELETE /v3/api_keys/{api_key_id} → 204)\n');
    expect(text).toContain(
      `3. Mint a new sendgrid credential at SendGrid (the old one was revoked there) and write it to the agent's entry: vault kv put -mount=${kv()} agents/email-notifier/sendgrid @sendgrid.json\n4. Issue a new secret-id`,
    );
  });

  test('running it again is harmless: nothing to revoke at SendGrid', async () => {
    await withEnv(env, () => revokeHandler(snsAlarmEvent(alarm('email-notifier'))));
    const marker = expectStatus(await world.root.request('GET', `${kv()}/data/${revocationMarker('email-notifier')}`), 200, 'marker').body.data.data;
    expect(marker.providers).toEqual([
      { credential: 'sendgrid', provider: 'SendGrid', outcome: 'nothing-to-revoke', detail: 'SendGrid DELETE /v3/api_keys/{api_key_id} → 404 (no such key)' },
    ]);
  });
});

describe('a denied-rate alarm on lead-enricher while HubSpot fails', () => {
  let error: Error;
  beforeAll(async () => {
    sendgrid.requests.length = 0;
    // HubSpot answers 500 to every attempt (three): it stays failed.
    providers.failNext('/oauth/v1/refresh-tokens/', [500, 500, 500]);
    error = (await withEnv(env, () => revokeHandler(snsAlarmEvent(alarm('lead-enricher')))).catch((e: unknown) => e)) as Error;
  });

  test('the Vault cut-off is complete anyway: token refused, secret-ids gone, policy empty', async () => {
    await revoked.tokenRefused(world, before.get('lead-enricher')!, 'lead-enricher');
    await revoked.loginRefused(world, before.get('lead-enricher')!, 'lead-enricher');
    await revoked.policyEmptied(world, 'lead-enricher');
  });

  test('its SendGrid key is revoked all the same; its HubSpot token is still alive there', () => {
    expect(sendgrid.keys.has('lead-key-id')).toBe(false);
    expect(providers.live.has('lead-refresh')).toBe(true);
    expect(providers.requests.filter((r) => r.path.startsWith('/oauth/v1/refresh-tokens/')).map((r) => r.status)).toEqual([500, 500, 500]);
  });

  test('the function fails (so Lambda retries), naming the provider and its status', () => {
    expect(error.message).toBe(
      'revocation incomplete for lead-enricher (revoke hubspot at HubSpot: HubSpot DELETE /oauth/v1/refresh-tokens/{refresh_token} answered HTTP 500: temporarily unavailable; ' +
        'revoke by hand at HubSpot, here: https://app.hubspot.com (Settings → Integrations → Private Apps, or Connected Apps))',
    );
  });

  test('the message says which were revoked and which need a hand, and never shows a credential', () => {
    const text = slack.accepted.at(-1)!.text;
    expect(text).toMatch(/^Agent lead-enricher: revocation INCOMPLETE/);
    expect(text).toContain(
      'At the providers:\n' +
        '- hubspot: FAILED at HubSpot (HTTP 500): HubSpot DELETE /oauth/v1/refresh-tokens/{refresh_token} answered HTTP 500: temporarily unavailable; ' +
        'revoke by hand at HubSpot, here: https://app.hubspot.com (Settings → Integrations → Private Apps, or Connected Apps)\n' +
        '- sendgrid: revoked at SendGrid (SendGrid DELETE /v3/api_keys/{api_key_id} → 204)\n',
    );
    for (const secret of ['lead-refresh', 'hub-access', 'SG.lead', 'SG.mgmt']) expect(text).not.toContain(secret);
  });

  test("Lambda's retry revokes HubSpot too, once it answers", async () => {
    await withEnv(env, () => revokeHandler(snsAlarmEvent(alarm('lead-enricher'))));
    expect(providers.live.has('lead-refresh')).toBe(false);
    const marker = expectStatus(await world.root.request('GET', `${kv()}/data/${revocationMarker('lead-enricher')}`), 200, 'marker').body.data.data;
    expect(marker.providers.map((p: { outcome: string }) => p.outcome)).toEqual(['revoked', 'nothing-to-revoke']);
  });
});

test('the message text of a credential without a revoker says where to revoke it by hand', () => {
  const text = revocationText(
    {
      agent: 'a',
      fleet: 'f',
      cause: { alarm: 'x', kind: 'call-rate', reason: 'r', alarmTime: 't' },
      revokedAt: '2026-12-04T00:00:00Z',
      policy: 'emptied',
      secretIdsDestroyed: 1,
      appRole: 'present',
      tokensRevoked: 1,
      awsRole: 'absent',
      denyPolicyName: 'agent-a-revoked',
      providers: [
        {
          credential: 'jira',
          provider: 'jira',
          outcome: 'by-hand',
          detail: "jira has no revocation endpoint scoped-agents calls; revoke by hand at jira, here: jira's console",
        },
      ],
      problems: [],
    },
    'kv',
  );
  expect(text).toContain("At the providers:\n- jira: jira has no revocation endpoint scoped-agents calls; revoke by hand at jira, here: jira's console\n");
  expect(text).toContain("Revoke the old jira credential at jira by hand if not done yet, mint a new one and write it to the agent's entry");
});

test('a credential kept in Secrets Manager is named for a person to revoke, if the agent holds one', async () => {
  const settings = { fleet: 'f', kvMount: kv(), appRoleMount: world.fleet.settings.appRoleMount };
  const credentials = {
    salesforce: {
      name: 'salesforce',
      rotator: 'oauth2-refresh' as const,
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
      store: 'aws' as const,
    },
  };
  const vault = await appRoleLogin(world.bao.addr, world.fleet.settings.appRoleMount, await functionLogin(world, 'revoke'));
  const r = await revokeAgent(
    { vault, iam: world.aws.iam, now: () => new Date(), log: jsonLogger(() => undefined), fetch },
    { ...settings, credentials },
    'invoice-summarizer',
    { alarm: alarmName('f', 'invoice-summarizer', 'call-rate'), kind: 'call-rate', reason: 'test', alarmTime: '2026-12-04T00:00:00Z' },
  );
  expect(r.providers).toEqual([
    {
      credential: 'salesforce',
      provider: 'salesforce',
      outcome: 'by-hand',
      detail:
        "if invoice-summarizer holds one, it is kept in Secrets Manager, which the revoke function does not read; revoke by hand at salesforce, here: salesforce's console",
    },
  ]);
});
