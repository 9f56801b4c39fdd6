import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ScopedAgent } from '../../constructs/scoped-agent';
import { Fleet, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { fleetFromYaml } from '../helpers';
import { byName, synthFleet, TerraformJson } from '../synth-helpers';

let fleet: Fleet;
let tf: TerraformJson;

beforeAll(async () => {
  fleet = await loadFleet({ table: 'test/fixtures/fleet.yaml' });
  ({ tf } = synthFleet(fleet));
});

const agent = (name: string) => fleet.agents.find((a) => a.name === name)!;
const policyOf = (name: string) => parseVaultPolicy(String(byName(tf, 'vault_policy')[`agent-${name}`].policy));
const roleOf = (name: string) => byName(tf, 'vault_approle_auth_backend_role', 'role_name')[`agent-${name}`];

describe('ScopedAgent over the fixture table', () => {
  test('grants vault: scopes with their capabilities and the entries of every secret, merged per credential', () => {
    expect(policyOf('report-writer')).toEqual([
      { path: 'agent-secrets/data/agents/report-writer/slack', capabilities: ['read'] },
      { path: 'auth/token/lookup-self', capabilities: ['read'] },
      { path: 'auth/token/renew-self', capabilities: ['update'] },
      { path: 'secret/data/reports/archive', capabilities: ['read'] },
      { path: 'secret/metadata/reports', capabilities: ['list'] },
      { path: 'transit/decrypt/reports', capabilities: ['update'] },
      { path: 'transit/encrypt/reports', capabilities: ['update'] },
    ]);
    expect(policyOf('ticket-triager')).toEqual([
      { path: 'agent-secrets/data/agents/ticket-triager/jira', capabilities: ['read'] },
      { path: 'agent-secrets/data/agents/ticket-triager/slack', capabilities: ['read'] },
      { path: 'auth/token/lookup-self', capabilities: ['read'] },
      { path: 'auth/token/renew-self', capabilities: ['update'] },
    ]);
  });

  test('gives two agents that use the same scope two separate entries', () => {
    const entries = byName(tf, 'vault_kv_secret_v2');
    expect(Object.keys(entries).sort()).toEqual(['agents/report-writer/slack', 'agents/ticket-triager/jira', 'agents/ticket-triager/slack']);
    expect((entries['agents/ticket-triager/jira'].custom_metadata as { data: { scopes: string } }).data.scopes).toBe('tickets.comment,tickets.read');
  });

  test("applies an agent's TTL overrides and bound CIDRs to its AppRole role", () => {
    expect(roleOf('report-writer')).toMatchObject({
      token_ttl: 300,
      token_max_ttl: 1800,
      token_explicit_max_ttl: 1800,
      secret_id_bound_cidrs: ['10.20.0.0/16', '10.30.1.0/24'],
      token_bound_cidrs: ['10.20.0.0/16', '10.30.1.0/24'],
    });
    expect(roleOf('data-loader')).toMatchObject({ token_ttl: 900, token_max_ttl: 7200 });
  });

  test('lets an explicit runtime principal assume the role, with no Vault broker and no aws/creds grant', () => {
    const role = byName(tf, 'aws_iam_role')['agent-data-loader'];
    expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
      { Sid: 'OnlyItsOnePrincipal', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/data-loader-runtime' }, Action: 'sts:AssumeRole' },
    ]);
    expect(role).toMatchObject({ max_session_duration: 7200, permissions_boundary: 'arn:aws:iam::123456789012:policy/agent-boundary' });
    // release-bot (github-actions) reaches AWS with its workflow's OIDC token, not through Vault.
    expect(Object.keys(byName(tf, 'vault_aws_secret_backend_role')).sort()).toEqual(['agent-deal-scorer']);
    expect(policyOf('data-loader').map((r) => r.path)).not.toContain('agent-aws/creds/agent-data-loader');
  });

  test('sorts and de-duplicates the actions and resources of a table that lists them out of order, twice, in other case', async () => {
    const table = [
      'version: 1',
      'scopes:',
      '  files.move:',
      '    aws:',
      '      actions: [s3:PutObject, s3:GetObject, s3:PutObject, s3:getobject, S3:DeleteObject]',
      '      resources: ["arn:aws:s3:::acme-b/*", "arn:aws:s3:::acme-a/*", "arn:aws:s3:::acme-b/*"]',
      'agents:',
      '  - { name: mover, owner: ops@acme.example, actions: [{ action: Move files, scopes: [files.move] }, { action: Again, scopes: [files.move, files.move] }] }',
      '',
    ].join('\n');
    const { tf: out } = synthFleet(await fleetFromYaml(table));
    expect(JSON.parse(String(byName(out, 'aws_iam_role_policy')['agent-mover'].policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FilesMove',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
          Resource: ['arn:aws:s3:::acme-a/*', 'arn:aws:s3:::acme-b/*'],
        },
      ],
    });
  });

  test('writes one statement per aws: scope, actions and resources sorted', () => {
    const policies = Object.values(tf.resource.aws_iam_role_policy).map((p) => JSON.parse(String(p.policy)));
    expect(policies).toContainEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'WarehouseLoad', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::acme-warehouse/staging/*'] },
        {
          Sid: 'WarehouseTablesWrite',
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
        },
      ],
    });
  });
});

/** Literal stand-ins for what FleetOperations gives each agent. */
const OPERATIONS = {
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:acme-agents-alarms',
  keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0b7f6a55-1d5e-4c3b-9c1a-2f1e0c9d8b7a',
  rotateFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:acme-agents-rotate',
  rotateFunctionName: 'acme-agents-rotate',
  scheduleGroup: 'acme-agents',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/acme-agents-scheduler',
};

describe('ScopedAgent on its own', () => {
  function render(name: string, extra: Partial<ConstructorParameters<typeof ScopedAgent>[2]> = {}) {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'single');
    new VaultProvider(stack, 'vault', {});
    new AwsProvider(stack, 'aws', {});
    const construct = new ScopedAgent(stack, name, {
      agent: agent(name),
      settings: fleet.settings,
      kvMount: 'agent-secrets',
      appRoleBackend: 'agent-login',
      operations: OPERATIONS,
      ...extra,
    });
    return { stack, construct, tf: JSON.parse(Testing.synth(stack, true)) as TerraformJson };
  }

  test('exposes its names and role ARN', () => {
    const { construct } = render('data-loader');
    expect(construct.vaultPolicyName).toBe('agent-data-loader');
    expect(construct.vault.appRoleName).toBe('agent-data-loader');
    expect(construct.aws?.roleName).toBe('agent-data-loader');
    expect(construct.roleArn).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(Object.keys(construct.secrets)).toEqual([]);
  });

  test('creates no IAM resources for an agent without aws: scopes', () => {
    const { construct, tf: out } = render('ticket-triager');
    expect(construct.aws).toBeUndefined();
    expect(construct.roleArn).toBeUndefined();
    expect(out.resource.aws_iam_role).toBeUndefined();
    expect(Object.keys(construct.secrets).sort()).toEqual(['jira', 'slack']);
  });

  test('fails when a brokered agent has no AWS secrets engine to broker it', () => {
    expect(() => render('deal-scorer', { credentials: fleet.credentials })).toThrow(
      'agent deal-scorer: an IAM role needs awsPrincipal or both awsSecretBackend and brokerPrincipalArn',
    );
  });

  test('fails when a github-actions agent has no JWT backend, or its IAM role no GitHub OIDC provider', () => {
    expect(() => render('release-bot')).toThrow("agent release-bot: a github-actions agent needs jwtBackend, the JWT auth backend for GitHub's OIDC tokens");
    expect(() => render('release-bot', { jwtBackend: 'github-actions' })).toThrow(
      'agent release-bot: the IAM role of a github-actions agent needs githubOidcProviderArn',
    );
  });

  test('warns with a stable id when the token TTL is shorter than the shortest AWS session', () => {
    const short = { ...agent('data-loader'), credentialTtl: 300 };
    const app = Testing.app();
    const stack = new TerraformStack(app, 'short');
    const construct = new ScopedAgent(stack, 'data-loader', {
      agent: short,
      settings: fleet.settings,
      kvMount: 'kv',
      appRoleBackend: 'approle',
      operations: OPERATIONS,
    });
    const warnings = construct.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual([
      '[scoped-agents:aws-session-minimum] agent data-loader: credentialTtl is below 15m; its Vault token keeps it, its AWS sessions last 15m',
    ]);
  });
});
