import { readFileSync } from 'fs';
import { Fleet, gatewayAgentConfig, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { fleetFromYaml } from '../helpers';
import { byName, ref, synthFleet, TerraformJson } from '../synth-helpers';

/**
 * The fleet's gateway as synthesized: its table, function, Function URL,
 * Vault login, IAM policy and output, each agent's item and gateway-key
 * secret; and no gateway at all for a fleet whose scopes grant no endpoint.
 */

let seed: Fleet;
let seedTf: TerraformJson;
let fixtureTf: TerraformJson;

const dataRef = (tf: TerraformJson, type: string, attr: string): string => {
  const data = (tf as unknown as { data: Record<string, Record<string, unknown>> }).data;
  return `\${data.${type}.${Object.keys(data[type])[0]}.${attr}}`;
};
const arnIn = (tf: TerraformJson, service: string, resource: string): string =>
  `arn:${dataRef(tf, 'aws_partition', 'partition')}:${service}:${dataRef(tf, 'aws_region', 'region')}:${dataRef(tf, 'aws_caller_identity', 'account_id')}:${resource}`;
const keyOf = (tf: TerraformJson): string => `\${aws_kms_key.${Object.keys(tf.resource.aws_kms_key)[0]}.arn}`;
const items = (tf: TerraformJson): Record<string, { pk: { S: string }; config: { S: string } }> =>
  Object.fromEntries(
    Object.values(tf.resource.aws_dynamodb_table_item ?? {}).map((i) => {
      const item = JSON.parse(String(i.item));
      return [item.pk.S, item];
    }),
  );

beforeAll(async () => {
  seed = await loadFleet({ table: 'agents.yaml' });
  seedTf = synthFleet(seed).tf;
  fixtureTf = synthFleet(await loadFleet({ table: 'test/fixtures/fleet.yaml' })).tf;
});

describe('the seed (its scopes grant HubSpot and SendGrid endpoints)', () => {
  test('has one table: on demand, keyed by pk, expiring by expiresAt, recoverable, encrypted with the fleet key, protected from deletion', () => {
    expect(Object.values(seedTf.resource.aws_dynamodb_table).map(({ '//': _m, ...t }) => t)).toEqual([
      {
        name: 'scoped-agents-gateway',
        billing_mode: 'PAY_PER_REQUEST',
        hash_key: 'pk',
        attribute: [{ name: 'pk', type: 'S' }],
        ttl: { attribute_name: 'expiresAt', enabled: true },
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true, kms_key_arn: keyOf(seedTf) },
        deletion_protection_enabled: true,
        tags: { fleet: 'scoped-agents', component: 'gateway', 'managed-by': 'scoped-agents' },
      },
    ]);
  });

  test('serves the gateway function through a streaming Function URL, authenticated by the gateway itself, output as gateway_url', () => {
    const fn = byName(seedTf, 'aws_lambda_function', 'function_name')['scoped-agents-gateway'];
    expect(fn).toMatchObject({
      timeout: 300,
      memory_size: 512,
      reserved_concurrent_executions: 50,
      handler: 'index.handler',
      tracing_config: { mode: 'Active' },
    });
    const [urlId, url] = Object.entries(seedTf.resource.aws_lambda_function_url)[0];
    expect(Object.keys(seedTf.resource.aws_lambda_function_url)).toHaveLength(1);
    expect({ ...url, '//': undefined }).toEqual({
      '//': undefined,
      function_name: ref(seedTf, 'aws_lambda_function', 'scoped-agents-gateway', 'function_name', 'function_name'),
      authorization_type: 'NONE',
      invoke_mode: 'RESPONSE_STREAM',
    });
    expect((seedTf as unknown as { output: Record<string, { value: string }> }).output.gateway_url.value).toBe(
      `\${aws_lambda_function_url.${urlId}.function_url}`,
    );
  });

  test('its role may read its login, read and count in its table, write its agents’ call logs and its own: nothing of another agent', () => {
    const policy = JSON.parse(String(byName(seedTf, 'aws_iam_role_policy')['scoped-agents-gateway'].policy));
    const statements = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(Object.keys(statements)).toEqual([
      'ReadAgentsAndCountCalls',
      'ReadItsVaultLogin',
      'SendFailedEventsToItsQueue',
      'Trace',
      'UseFleetKey',
      'WriteCallLogs',
      'WriteItsLog',
    ]);
    expect(statements.ReadAgentsAndCountCalls).toEqual({
      Sid: 'ReadAgentsAndCountCalls',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: [ref(seedTf, 'aws_dynamodb_table', 'scoped-agents-gateway')],
    });
    expect(statements.ReadItsVaultLogin.Resource).toEqual([
      ref(seedTf, 'aws_secretsmanager_secret', 'scoped-agents/scoped-agents/functions/gateway/vault-login'),
    ]);
    // invoice-summarizer calls no SaaS API: its call log is not the gateway's to write.
    expect(statements.WriteCallLogs.Resource).toEqual([
      arnIn(seedTf, 'logs', 'log-group:/scoped-agents/scoped-agents/agents/email-notifier:log-stream:*'),
      arnIn(seedTf, 'logs', 'log-group:/scoped-agents/scoped-agents/agents/lead-enricher:log-stream:*'),
      arnIn(seedTf, 'logs', 'log-group:/scoped-agents/scoped-agents/gateway:log-stream:*'),
    ]);
  });

  test('its Vault login reads exactly the entries it injects and its agents’ revocation markers; its tokens carry only that policy', () => {
    const policy = byName(seedTf, 'vault_policy')['scoped-agents-gateway'];
    expect(parseVaultPolicy(String(policy.policy))).toEqual([
      { path: 'kv/data/agents/email-notifier/sendgrid', capabilities: ['read'] },
      { path: 'kv/data/agents/lead-enricher/hubspot', capabilities: ['read'] },
      { path: 'kv/data/control/revoked/email-notifier', capabilities: ['read'] },
      { path: 'kv/data/control/revoked/lead-enricher', capabilities: ['read'] },
    ]);
    expect(byName(seedTf, 'vault_approle_auth_backend_role', 'role_name')['scoped-agents-gateway']).toMatchObject({
      token_policies: [ref(seedTf, 'vault_policy', 'scoped-agents-gateway', 'name')],
      token_no_default_policy: true,
      token_ttl: 900,
      token_max_ttl: 900,
      secret_id_ttl: 0,
    });
  });

  test('each agent calling through it has its item: how it authenticates, its limit, its endpoints and where the gateway reads the credential', () => {
    const all = items(seedTf);
    expect(Object.keys(all).sort()).toEqual(['agent#email-notifier', 'agent#lead-enricher']);
    expect(JSON.parse(all['agent#lead-enricher'].config.S)).toEqual({
      agent: 'lead-enricher',
      auth: 'gateway-key',
      maxCallsPerMinute: 1000,
      apis: {
        hubspot: {
          baseUrl: 'https://api.hubapi.com',
          placement: { type: 'bearer' },
          credential: {
            secret: 'hubspot',
            store: 'vault',
            location: 'kv/data/agents/lead-enricher/hubspot',
            field: 'access_token',
            rotator: 'oauth2-refresh',
            tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
          },
          endpoints: [
            'GET /crm/v3/objects/contacts',
            'GET /crm/v3/objects/contacts/*',
            'PATCH /crm/v3/objects/contacts/*',
            'POST /crm/v3/objects/contacts/search',
          ],
          scopes: {
            'crm.contacts.read': ['GET /crm/v3/objects/contacts', 'GET /crm/v3/objects/contacts/*', 'POST /crm/v3/objects/contacts/search'],
            'crm.tags.write': ['PATCH /crm/v3/objects/contacts/*'],
          },
        },
      },
    });
    // The item is what the model says, written once: the constructs add nothing of their own.
    expect(JSON.parse(all['agent#email-notifier'].config.S)).toEqual(
      gatewayAgentConfig(
        seed.agents.find((a) => a.name === 'email-notifier')!,
        seed,
      ),
    );
    const item = Object.values(seedTf.resource.aws_dynamodb_table_item)[0];
    expect(item.table_name).toBe(ref(seedTf, 'aws_dynamodb_table', 'scoped-agents-gateway', 'name'));
    expect(item.hash_key).toBe('pk');
  });

  test('each hosted agent has a gateway-key secret the rotation fills, encrypted with the fleet key; the agents hold no SaaS credential', () => {
    const secrets = byName(seedTf, 'aws_secretsmanager_secret');
    expect(Object.keys(secrets).filter((n) => n.endsWith('/gateway-key'))).toEqual([
      'scoped-agents/scoped-agents/agents/email-notifier/gateway-key',
      'scoped-agents/scoped-agents/agents/lead-enricher/gateway-key',
    ]);
    expect(secrets['scoped-agents/scoped-agents/agents/lead-enricher/gateway-key'].kms_key_id).toBe(keyOf(seedTf));
    expect(seedTf.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });
});

describe('no gateway where none is asked for', () => {
  test('the fixture (no http: grants) has no table, no gateway function, no Function URL, no output, no items', () => {
    for (const type of ['aws_dynamodb_table', 'aws_dynamodb_table_item', 'aws_lambda_function_url']) expect(fixtureTf.resource[type]).toBeUndefined();
    expect(Object.keys(byName(fixtureTf, 'aws_lambda_function', 'function_name'))).not.toContain('acme-agents-gateway');
    expect((fixtureTf as unknown as { output?: object }).output).toBeUndefined();
    const rotate = byName(fixtureTf, 'aws_lambda_function', 'function_name')['acme-agents-rotate'].environment as { variables: Record<string, string> };
    expect(rotate.variables).not.toHaveProperty('GATEWAY_TABLE');
  });

  test('fleet.gateway: false keeps the seed without one: its agents read their own entries again', async () => {
    const seedText = readFileSync('agents.yaml', 'utf8');
    const off = synthFleet(await fleetFromYaml(seedText.replace('version: 1\n', 'version: 1\nfleet: { gateway: false }\n'))).tf;
    expect(off.resource.aws_dynamodb_table).toBeUndefined();
    expect(parseVaultPolicy(String(byName(off, 'vault_policy')['agent-lead-enricher'].policy)).map((r) => r.path)).toContain(
      'kv/data/agents/lead-enricher/hubspot',
    );
  });
});

describe('a credential the gateway injects from Secrets Manager', () => {
  test("the gateway's role reads exactly that secret; the agent gets no IAM role for it", async () => {
    const yaml = readFileSync('agents.yaml', 'utf8') + '\ncredentials:\n  sendgrid: { store: aws }\n';
    const tf = synthFleet(await fleetFromYaml(yaml)).tf;
    const policy = JSON.parse(String(byName(tf, 'aws_iam_role_policy')['scoped-agents-gateway'].policy));
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadInjectedCredentials')).toEqual({
      Sid: 'ReadInjectedCredentials',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [arnIn(tf, 'secretsmanager', 'secret:scoped-agents/scoped-agents/agents/email-notifier/sendgrid-??????')],
    });
    expect(Object.keys(byName(tf, 'aws_iam_role'))).not.toContain('agent-email-notifier');
    expect(JSON.parse(items(tf)['agent#email-notifier'].config.S).apis.sendgrid.credential).toEqual({
      secret: 'sendgrid',
      store: 'aws',
      location: 'scoped-agents/scoped-agents/agents/email-notifier/sendgrid',
      field: 'api_key',
      rotator: 'sendgrid-api-key',
    });
  });
});
