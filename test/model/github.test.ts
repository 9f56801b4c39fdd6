import {
  Agent,
  awsAccessOf,
  BUILTIN_FLEET_SETTINGS,
  deliveryFor,
  githubEnvironmentVariables,
  githubJwtRoleFor,
  githubOwners,
  githubSubject,
  githubTrustPolicyFor,
  githubVaultAudience,
  loginMethodOf,
  Problem,
  vaultPolicyRulesFor,
} from '../../model';
import { BASE_SCOPES, fleetFromYaml, problemsOf, resolvedAgent } from '../helpers';

/** release-bot, a github-actions agent, with the given changes. */
function agent(overrides: Partial<Agent>): Agent {
  return resolvedAgent({
    name: 'release-bot',
    owner: 'platform@acme.example',
    platform: 'github-actions',
    github: { repository: 'acme/checkout', environment: 'production' },
    ...overrides,
  });
}
const S3_READ = { kind: 'aws', name: 'deploy.artifacts.read', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::acme-artifacts/releases/*'] } as const;
const settings = { ...BUILTIN_FLEET_SETTINGS, name: 'acme-agents' };

describe('GitHub OIDC bindings', () => {
  test('the subject of a job of one environment, in GitHub’s default template', () => {
    expect(githubSubject({ repository: 'acme/checkout', environment: 'production' })).toBe('repo:acme/checkout:environment:production');
  });

  test('the Vault audience is one string per fleet', () => {
    expect(githubVaultAudience(settings)).toBe('scoped-agents:acme-agents');
    expect(githubVaultAudience(BUILTIN_FLEET_SETTINGS)).toBe('scoped-agents:scoped-agents');
  });

  test('the JWT role binds exactly the repository, the environment and one audience, and carries only the agent’s policy', () => {
    expect(githubJwtRoleFor(agent({ credentialTtl: 600, credentialMaxTtl: 1800, boundCidrs: ['10.0.0.0/8'] }), settings)).toEqual({
      roleName: 'agent-release-bot',
      roleType: 'jwt',
      userClaim: 'sub',
      boundAudiences: ['scoped-agents:acme-agents'],
      boundClaims: { repository: 'acme/checkout', environment: 'production' },
      boundClaimsType: 'string',
      tokenPolicies: ['agent-release-bot'],
      tokenNoDefaultPolicy: true,
      tokenType: 'service',
      tokenTtl: 600,
      tokenMaxTtl: 1800,
      tokenExplicitMaxTtl: 1800,
      tokenBoundCidrs: ['10.0.0.0/8'],
    });
  });

  test('fails when the agent has no github: binding', () => {
    expect(() => githubJwtRoleFor(agent({ platform: 'claude', github: undefined }), settings)).toThrow(
      'agent release-bot has no github: binding, so no GitHub JWT role',
    );
  });

  test('the IAM trust admits only GitHub’s provider, for sts.amazonaws.com and the exact subject (StringEquals)', () => {
    const provider = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    expect(githubTrustPolicyFor(provider, { repository: 'acme/checkout', environment: 'production' })).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyItsRepositoryEnvironment',
          Effect: 'Allow',
          Principal: { Federated: provider },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:acme/checkout:environment:production',
            },
          },
        },
      ],
    });
  });

  test('the owners the fleet writes to: its github-actions agents’ and the runbook repository’s, sorted and once each', () => {
    const agents = [
      agent({}),
      agent({ name: 'docs-bot', github: { repository: 'acme/docs', environment: 'publish' } }),
      agent({ name: 'x', platform: 'claude', github: undefined }),
    ];
    expect(githubOwners({ agents, settings })).toEqual(['acme']);
    expect(githubOwners({ agents, settings: { ...settings, runbooks: { repository: 'acme-docs/runbooks', path: 'runbooks' } } })).toEqual([
      'acme',
      'acme-docs',
    ]);
    expect(githubOwners({ agents: [agents[2]], settings })).toEqual([]);
  });
});

describe('how an agent logs in and reaches AWS', () => {
  test.each([
    ['github-actions with a binding', 'github-jwt', agent({})],
    ['claude', 'approle', agent({ platform: 'claude', github: undefined })],
    ['generic', 'approle', agent({ platform: 'generic', github: undefined })],
  ] as const)('%s logs in with %s', (_label, method, a) => {
    expect(loginMethodOf(a)).toBe(method);
  });

  test.each([
    ['no aws: scope', 'none', agent({})],
    ['a github-actions agent with aws: scopes', 'github-oidc', agent({ scopes: [S3_READ] })],
    ['another agent with aws: scopes', 'vault-broker', agent({ platform: 'openai', github: undefined, scopes: [S3_READ] })],
    [
      'an agent with its own principal',
      'own-principal',
      agent({ platform: 'generic', github: undefined, scopes: [S3_READ], awsPrincipal: 'arn:aws:iam::123456789012:role/runtime' }),
    ],
  ] as const)('%s → %s', (_label, access, a) => {
    expect(awsAccessOf(a)).toBe(access);
  });

  test('a github-actions agent’s Vault policy has no AWS session path: it reaches AWS with its OIDC token', () => {
    expect(vaultPolicyRulesFor(agent({ scopes: [S3_READ] }), settings).map((r) => r.path)).toEqual(['auth/token/lookup-self', 'auth/token/renew-self']);
    expect(vaultPolicyRulesFor(agent({ platform: 'openai', github: undefined, scopes: [S3_READ] }), settings).map((r) => r.path)).toContain(
      'aws/creds/agent-release-bot',
    );
  });
});

describe('delivery', () => {
  const credentials = {
    hubspot: { name: 'hubspot', rotator: 'oauth2-refresh', tokenUrl: 'https://api.hubapi.com/oauth/v1/token', store: 'vault' },
    mailer: { name: 'mailer', rotator: 'sendgrid-api-key', store: 'aws' },
  } as const;

  test('an AppRole agent: its credentials by reference, its login from the rotation’s delivery secret', () => {
    const a = agent({
      name: 'lead-enricher',
      platform: 'claude',
      github: undefined,
      scopes: [
        { kind: 'secret', name: 'crm.contacts.read', secret: 'hubspot' },
        { kind: 'secret', name: 'mail.send', secret: 'mailer' },
        { kind: 'vault', name: 'x.encrypt', path: 'transit/encrypt/x', capabilities: ['update'] },
      ],
    });
    expect(deliveryFor(a, { settings, credentials })).toEqual({
      agent: 'lead-enricher',
      platform: 'claude',
      login: 'approle',
      aws: 'vault-broker',
      usesVault: true,
      settings: [
        { env: 'VAULT_ADDR', value: undefined, description: "Vault's address" },
        { env: 'VAULT_AUTH_PATH', value: 'approle', description: 'path of the AppRole auth backend' },
        { env: 'VAULT_AWS_CREDS_PATH', value: 'aws/creds/agent-lead-enricher', description: 'where Vault issues its AWS sessions' },
      ],
      credentials: [
        {
          env: 'HUBSPOT_ACCESS_TOKEN',
          name: 'LEAD_ENRICHER_HUBSPOT',
          source: { store: 'vault', mount: 'kv', path: 'agents/lead-enricher/hubspot', field: 'access_token' },
          description: 'hubspot credential (crm.contacts.read)',
        },
        {
          env: 'MAILER_API_KEY',
          name: 'LEAD_ENRICHER_MAILER',
          source: { store: 'secrets-manager', name: 'scoped-agents/acme-agents/agents/lead-enricher/mailer', field: 'api_key' },
          description: 'mailer credential (mail.send)',
        },
      ],
      vaultLogin: {
        roleId: {
          env: 'VAULT_ROLE_ID',
          name: 'LEAD_ENRICHER_VAULT_ROLE_ID',
          source: { store: 'secrets-manager', name: 'scoped-agents/acme-agents/agents/lead-enricher/vault-login', field: 'role_id' },
          description: 'AppRole role-id of agent-lead-enricher',
        },
        secretId: {
          env: 'VAULT_SECRET_ID',
          name: 'LEAD_ENRICHER_VAULT_SECRET_ID',
          source: { store: 'secrets-manager', name: 'scoped-agents/acme-agents/agents/lead-enricher/vault-login', field: 'secret_id' },
          description: 'AppRole secret-id of agent-lead-enricher (a new one at every rotation)',
        },
      },
    });
  });

  test('a github-actions agent: no stored login, the JWT role and audience as plain settings', () => {
    const d = deliveryFor(agent({ scopes: [S3_READ] }), { settings: { ...settings, vaultAddr: 'https://vault.acme.example:8200' }, credentials: {} });
    expect(d.vaultLogin).toBeUndefined();
    expect(d).toMatchObject({ login: 'github-jwt', aws: 'github-oidc', usesVault: true, credentials: [] });
    expect(d.settings.map((s) => [s.env, s.value])).toEqual([
      ['VAULT_ADDR', 'https://vault.acme.example:8200'],
      ['VAULT_AUTH_PATH', 'github-actions'],
      ['VAULT_ROLE', 'agent-release-bot'],
      ['VAULT_AUDIENCE', 'scoped-agents:acme-agents'],
    ]);
  });

  test('the GitHub environment’s variables, sorted; AWS_ROLE_ARN only with a role', () => {
    expect(githubEnvironmentVariables(agent({}), settings, { vaultAddr: 'https://v', roleArn: 'arn:aws:iam::1:role/agent-release-bot' })).toEqual({
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/agent-release-bot',
      VAULT_ADDR: 'https://v',
      VAULT_AUDIENCE: 'scoped-agents:acme-agents',
      VAULT_AUTH_PATH: 'github-actions',
      VAULT_ROLE: 'agent-release-bot',
    });
    expect(Object.keys(githubEnvironmentVariables(agent({}), settings, { vaultAddr: 'https://v' }))).toEqual([
      'VAULT_ADDR',
      'VAULT_AUDIENCE',
      'VAULT_AUTH_PATH',
      'VAULT_ROLE',
    ]);
  });
});

/** A table with a fleet: block and agents spliced in. */
const table = (fleet: string, agents: string): string => `version: 1
fleet:
${fleet}
defaults:
  owner: platform@acme.example
${BASE_SCOPES}
agents:
${agents}`;
const GITHUB_AGENT = (name: string, repository: string, extra = ''): string =>
  `  - name: ${name}\n    platform: github-actions\n    github: { repository: ${repository}, environment: production }\n${extra}    actions:\n      - { action: Read the bucket, scopes: [storage.buckets.read] }\n`;
const problem = (p: Partial<Problem>): Problem => expect.objectContaining(p) as unknown as Problem;

describe('fleet.runbooks and fleet.jwtMount', () => {
  test('runbooks: the repository, the branch, the path (default runbooks/<fleet>)', async () => {
    const withDefaults = await fleetFromYaml(table('  name: acme-agents\n  runbooks: { repository: acme/docs }', GITHUB_AGENT('release-bot', 'acme/checkout')));
    expect(withDefaults.settings.runbooks).toEqual({ repository: 'acme/docs', path: 'runbooks/acme-agents' });
    expect(withDefaults.settings.jwtMount).toBe('github-actions');
    const given = await fleetFromYaml(
      table('  runbooks: { repository: acme/docs, branch: ops/runbooks, path: agents/on-call }\n  jwtMount: gha', GITHUB_AGENT('release-bot', 'acme/checkout')),
    );
    expect(given.settings.runbooks).toEqual({ repository: 'acme/docs', branch: 'ops/runbooks', path: 'agents/on-call' });
    expect(given.settings.jwtMount).toBe('gha');
  });

  test('no runbooks: the setting is absent', async () => {
    expect((await fleetFromYaml(table('  name: acme-agents', GITHUB_AGENT('release-bot', 'acme/checkout')))).settings.runbooks).toBeUndefined();
  });

  test('fails when the runbook repository, branch or path is not one, naming each', async () => {
    const problems = await problemsOf(table('  runbooks: { repository: docs, branch: "../main", path: /abs/ }', GITHUB_AGENT('release-bot', 'acme/checkout')));
    expect(problems).toEqual([
      problem({ rule: 'invalid-value', line: 3, value: 'docs', message: 'repository is not owner/name', fix: expect.stringContaining('acme/runbooks') }),
      problem({ rule: 'invalid-value', line: 3, value: '../main', message: 'branch is not a branch name' }),
      problem({ rule: 'invalid-value', line: 3, value: '/abs/', message: expect.stringContaining('path is not a folder of the repository') }),
    ]);
  });

  test('fails on an unknown key under runbooks', async () => {
    const problems = await problemsOf(table('  runbooks: { repository: acme/docs, folder: x }', GITHUB_AGENT('release-bot', 'acme/checkout')));
    expect(problems).toEqual([problem({ rule: 'unknown-key', value: 'folder' })]);
  });

  test('fails when jwtMount is not a safe name, or is the AppRole backend’s path', async () => {
    expect(await problemsOf(table('  jwtMount: GitHub_Actions', GITHUB_AGENT('release-bot', 'acme/checkout')))).toEqual([
      problem({ rule: 'unsafe-name', value: 'GitHub_Actions', message: 'jwtMount is not lowercase kebab-case', fix: 'use a name such as github-actions' }),
    ]);
    expect(await problemsOf(table('  jwtMount: logins\n  appRoleMount: logins', GITHUB_AGENT('release-bot', 'acme/checkout')))).toEqual([
      problem({ rule: 'invalid-value', value: 'logins', message: 'jwtMount and appRoleMount name the same path; each auth backend needs its own' }),
    ]);
  });

  test('fails when the fleet’s GitHub repositories belong to two owners (one provider, GITHUB_OWNER)', async () => {
    const problems = await problemsOf(
      table('  runbooks: { repository: acme/docs }', GITHUB_AGENT('release-bot', 'acme/checkout') + GITHUB_AGENT('fork-bot', 'other/checkout')),
    );
    expect(problems).toEqual([
      problem({
        rule: 'invalid-value',
        agent: 'fork-bot',
        value: 'other/checkout',
        message: "the fleet's GitHub repositories belong to acme and other; its GitHub provider writes to one owner (GITHUB_OWNER)",
        fix: expect.stringContaining('under acme'),
      }),
    ]);
  });

  test('fails when a github-actions agent names an awsPrincipal: its role trusts GitHub’s OIDC token', async () => {
    const problems = await problemsOf(
      table('  name: acme-agents', GITHUB_AGENT('release-bot', 'acme/checkout', '    awsPrincipal: arn:aws:iam::123456789012:role/runner\n')),
    );
    expect(problems).toEqual([
      problem({
        rule: 'unused-setting',
        agent: 'release-bot',
        value: 'arn:aws:iam::123456789012:role/runner',
        message: expect.stringContaining('awsPrincipal does not apply to a github-actions agent'),
      }),
    ]);
  });
});
