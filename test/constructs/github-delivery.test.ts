import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { AgentFleet } from '../../constructs/agent-fleet';
import { AgentGithubEnvironment } from '../../constructs/agent-github-environment';
import { terraformLiteral } from '../../constructs/fleet-runbooks';
import { Fleet, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { fleetFromYaml } from '../helpers';
import { byName, deref, synthFleet, TerraformJson } from '../synth-helpers';

let seed: Fleet;
let fixture: Fleet;
let github: Fleet;
let seedTf: TerraformJson;
let fixtureTf: TerraformJson;
let githubTf: TerraformJson;

beforeAll(async () => {
  [seed, fixture, github] = await Promise.all([
    loadFleet({ table: 'agents.yaml' }),
    loadFleet({ table: 'test/fixtures/fleet.yaml' }),
    loadFleet({ table: 'test/fixtures/github-agents.yaml' }),
  ]);
  ({ tf: seedTf } = synthFleet(seed));
  ({ tf: fixtureTf } = synthFleet(fixture));
  ({ tf: githubTf } = synthFleet(github));
});

const resources = (tf: TerraformJson, type: string): Record<string, unknown>[] => Object.values(tf.resource[type] ?? {});
const githubAgents = (fleet: Fleet): string[] => fleet.agents.filter((a) => a.platform === 'github-actions').map((a) => a.name);

describe('a fleet without github-actions agents or runbooks (the seed)', () => {
  test('has no JWT backend, no OIDC provider, no GitHub provider and no GitHub resource', () => {
    for (const type of [
      'vault_jwt_auth_backend',
      'vault_jwt_auth_backend_role',
      'aws_iam_openid_connect_provider',
      'github_repository_environment',
      'github_actions_environment_variable',
      'github_repository_file',
    ]) {
      expect(seedTf.resource[type]).toBeUndefined();
    }
    expect(Object.keys(seedTf.provider ?? {}).sort()).toEqual(['aws', 'vault']);
  });
});

describe.each([
  ['the fixture', () => fixtureTf, () => fixture],
  ['the GitHub table', () => githubTf, () => github],
] as const)('%s', (_label, tf, fleet) => {
  test('declares the GitHub provider once, empty: token and owner come from GITHUB_TOKEN and GITHUB_OWNER', () => {
    expect(tf().provider?.github).toEqual([{}]);
  });

  test("mounts one JWT backend for GitHub's OIDC issuer at fleet.jwtMount", () => {
    expect(resources(tf(), 'vault_jwt_auth_backend')).toEqual([
      expect.objectContaining({
        path: 'github-actions',
        type: 'jwt',
        oidc_discovery_url: 'https://token.actions.githubusercontent.com',
        bound_issuer: 'https://token.actions.githubusercontent.com',
      }),
    ]);
  });

  test('gives each github-actions agent a JWT role bound to exactly its repository, environment and the fleet audience, carrying only its own policy', () => {
    const roles = byName(tf(), 'vault_jwt_auth_backend_role', 'role_name');
    expect(Object.keys(roles).sort()).toEqual(
      githubAgents(fleet())
        .map((n) => `agent-${n}`)
        .sort(),
    );
    for (const name of githubAgents(fleet())) {
      const agent = fleet().agents.find((a) => a.name === name)!;
      const role = roles[`agent-${name}`];
      expect(role).toMatchObject({
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: [`scoped-agents:${fleet().settings.name}`],
        bound_claims: { repository: agent.github!.repository, environment: agent.github!.environment },
        bound_claims_type: 'string',
        token_no_default_policy: true,
        token_type: 'service',
        token_ttl: agent.credentialTtl,
        token_max_ttl: agent.credentialMaxTtl,
        token_explicit_max_ttl: agent.credentialMaxTtl,
      });
      expect(Object.keys(role.bound_claims as object).sort()).toEqual(['environment', 'repository']);
      for (const value of Object.values(role.bound_claims as Record<string, string>)) expect(value).not.toMatch(/[*?,]/);
      expect((role.token_policies as string[]).map((p) => deref(tf(), p))).toEqual([`agent-${name}`]);
      expect(deref(tf(), String(role.backend))).toBe('github-actions');
      expect(role).not.toHaveProperty('bound_subject');
    }
  });

  test('github-actions agents get no AppRole role, no Vault AWS role, no aws/creds path and no delivery secret; the others keep theirs', () => {
    const appRoles = Object.keys(byName(tf(), 'vault_approle_auth_backend_role', 'role_name'));
    const others = fleet()
      .agents.filter((a) => a.platform !== 'github-actions')
      .map((a) => `agent-${a.name}`);
    expect(appRoles.filter((r) => r.startsWith('agent-')).sort()).toEqual(others.sort());
    const secrets = resources(tf(), 'aws_secretsmanager_secret').map((s) => String(s.name));
    for (const name of githubAgents(fleet())) {
      expect(Object.keys(byName(tf(), 'vault_aws_secret_backend_role'))).not.toContain(`agent-${name}`);
      expect(
        parseVaultPolicy(String(byName(tf(), 'vault_policy')[`agent-${name}`].policy))
          .map((r) => r.path)
          .filter((p) => p.includes('/creds/')),
      ).toEqual([]);
      expect(secrets).not.toContain(`scoped-agents/${fleet().settings.name}/agents/${name}/vault-login`);
    }
    for (const name of others) expect(secrets).toContain(`scoped-agents/${fleet().settings.name}/agents/${name.slice('agent-'.length)}/vault-login`);
  });

  test('keeps a rotation schedule for every agent: for a github-actions agent it rotates its SaaS credentials and publishes metrics, and skips the secret-id', () => {
    const schedules = byName(tf(), 'aws_scheduler_schedule');
    for (const agent of fleet().agents)
      expect(JSON.parse(String((schedules[`agent-${agent.name}`].target as { input: string }).input))).toEqual({ action: 'rotate', agent: agent.name });
  });

  test("creates GitHub's OIDC provider for AWS once, and each github-actions IAM role trusts only it, for its own subject", () => {
    const providers = tf().resource.aws_iam_openid_connect_provider;
    expect(Object.values(providers)).toEqual([
      expect.objectContaining({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] }),
    ]);
    const providerRef = `\${aws_iam_openid_connect_provider.${Object.keys(providers)[0]}.arn}`;
    const iamRoles = byName(tf(), 'aws_iam_role');
    for (const agent of fleet().agents.filter((a) => a.platform === 'github-actions' && a.scopes.some((s) => s.kind === 'aws'))) {
      expect(JSON.parse(String(iamRoles[`agent-${agent.name}`].assume_role_policy)).Statement).toEqual([
        {
          Sid: 'OnlyItsRepositoryEnvironment',
          Effect: 'Allow',
          Principal: { Federated: providerRef },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': `repo:${agent.github!.repository}:environment:${agent.github!.environment}`,
            },
          },
        },
      ]);
    }
  });

  test("manages each github-actions agent's repository environment and exactly its variables; no secret is stored in GitHub", () => {
    const environments = resources(tf(), 'github_repository_environment');
    expect(environments.map((e) => `${e.repository}@${e.environment}`).sort()).toEqual(
      fleet()
        .agents.filter((a) => a.platform === 'github-actions')
        .map((a) => `${a.github!.repository.split('/')[1]}@${a.github!.environment}`)
        .sort(),
    );
    for (const type of Object.keys(tf().resource)) expect(type).not.toMatch(/^github_.*secret/);
    const variables = Object.entries(tf().resource.github_actions_environment_variable);
    for (const agent of fleet().agents.filter((a) => a.platform === 'github-actions')) {
      const own = variables.filter(([id]) => id.startsWith(`fleet_${agent.name}_Github_`)).map(([, v]) => v);
      const byVar = Object.fromEntries(own.map((v) => [String(v.variable_name), v]));
      const hasRole = agent.scopes.some((s) => s.kind === 'aws');
      expect(Object.keys(byVar).sort()).toEqual([...(hasRole ? ['AWS_ROLE_ARN'] : []), 'VAULT_ADDR', 'VAULT_AUDIENCE', 'VAULT_AUTH_PATH', 'VAULT_ROLE']);
      expect(byVar.VAULT_ADDR.value).toBe(fleet().settings.vaultAddr);
      expect(byVar.VAULT_AUDIENCE.value).toBe(`scoped-agents:${fleet().settings.name}`);
      expect(byVar.VAULT_AUTH_PATH.value).toBe('github-actions');
      expect(byVar.VAULT_ROLE.value).toBe(`agent-${agent.name}`);
      if (hasRole) expect(byVar.AWS_ROLE_ARN.value).toMatch(new RegExp(`^\\$\\{aws_iam_role\\.fleet_${agent.name}_Aws_[0-9A-F]+\\.arn\\}$`));
      for (const v of own) {
        expect(v.repository).toBe(agent.github!.repository.split('/')[1]);
        // The environment resource's name: each variable waits for its environment.
        expect(v.environment).toMatch(new RegExp(`^\\$\\{github_repository_environment\\.fleet_${agent.name}_Github_[0-9A-F]+\\.environment\\}$`));
      }
    }
  });

  test('commits each runbook to the docs repository: path, branch, message, overwrite, and the page itself', () => {
    const files = byName(tf(), 'github_repository_file', 'file');
    const { runbooks } = fleet().settings;
    expect(Object.keys(files).sort()).toEqual(
      fleet()
        .agents.map((a) => `${runbooks!.path}/${a.name}.md`)
        .sort(),
    );
    for (const agent of fleet().agents) {
      const file = files[`${runbooks!.path}/${agent.name}.md`];
      expect(file).toMatchObject({
        repository: runbooks!.repository.split('/')[1],
        commit_message: `Runbook of agent ${agent.name}, from the agent table of fleet ${fleet().settings.name} (scoped-agents)`,
        overwrite_on_create: true,
      });
      expect(file.branch).toBe(runbooks!.branch);
      // The page itself, read from what Terraform will commit: its title, every section, its owner and its Vault policy.
      const page = String(file.content)
        .replace(/\$\$\{/g, '${')
        .replace(/%%\{/g, '%{');
      expect(page.startsWith(`# Runbook: ${agent.name}\n`)).toBe(true);
      expect(page.match(/^#{2,3} .+$/gm)).toEqual([
        '## Who and where',
        '## What it may do, and why',
        '## How it logs in',
        '## Calling through the gateway',
        '## Where its secrets live',
        '## Lifetimes',
        '## Rotation',
        '### Rotate by hand',
        '## Alarms',
        '## Revocation',
        '### Revoke by hand',
        '### Re-enable',
      ]);
      expect(page).toContain(`| owner | ${agent.owner} |`);
      expect(page).toContain(`policy \`agent-${agent.name}\``);
    }
  });
});

describe('options and guards', () => {
  test('an existing OIDC provider ARN is trusted as given, and no provider is created', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'existing-provider');
    new VaultProvider(stack, 'vault', {});
    new AwsProvider(stack, 'aws', {});
    new GithubProvider(stack, 'github', {});
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    new AgentFleet(stack, 'fleet', { fleet: github, githubOidcProviderArn: arn, brokerPrincipalArn: 'arn:aws:iam::123456789012:role/vault' });
    const tf = JSON.parse(Testing.synth(stack, true)) as TerraformJson;
    expect(tf.resource.aws_iam_openid_connect_provider).toBeUndefined();
    const trust = JSON.parse(String(byName(tf, 'aws_iam_role')['agent-release-bot'].assume_role_policy));
    expect(trust.Statement[0].Principal).toEqual({ Federated: arn });
  });

  test('without vaultAddr in the table, VAULT_ADDR is the vault_addr variable', async () => {
    const noAddr = await fleetFromYaml(`version: 1
defaults: { owner: platform@acme.example }
scopes:
  chat.post: { secret: slack }
agents:
  - name: docs-bot
    platform: github-actions
    github: { repository: acme/docs, environment: publish }
    actions: [{ action: Announce, scopes: [chat.post] }]
`);
    const { tf } = synthFleet(noAddr);
    const addr = Object.values(tf.resource.github_actions_environment_variable).find((v) => v.variable_name === 'VAULT_ADDR')!;
    expect(addr.value).toBe('${var.vault_addr}');
    // No IAM role, so no OIDC provider for AWS; the JWT backend is still there.
    expect(tf.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.keys(tf.resource.vault_jwt_auth_backend)).toHaveLength(1);
    expect(
      Object.values(tf.resource.github_actions_environment_variable)
        .map((v) => v.variable_name)
        .sort(),
    ).toEqual(['VAULT_ADDR', 'VAULT_AUDIENCE', 'VAULT_AUTH_PATH', 'VAULT_ROLE']);
  });

  test('a runbook holding ${ or %{ reaches the file literally: Terraform sees $${ and %%{', async () => {
    expect(terraformLiteral('a ${var.x} and %{ if } b')).toBe('a $${var.x} and %%{ if } b');
    const withDollar = await fleetFromYaml(`version: 1
fleet: { runbooks: { repository: acme/docs } }
defaults: { owner: platform@acme.example }
scopes:
  chat.post: { secret: slack, description: "costs $ 5 {per} month" }
agents:
  - name: note-taker
    platform: claude
    actions: [{ action: Post a note, scopes: [chat.post] }]
`);
    const { tf } = synthFleet(withDollar);
    const file = Object.values(tf.resource.github_repository_file)[0];
    expect(String(file.content)).toContain('| Post a note | `chat.post`: costs $ 5 {per} month |');
    // Every ${ and %{ Terraform would read in the committed text is escaped.
    expect(String(file.content).match(/(?<![$%])[$%]\{/g)).toBeNull();
    expect(file).toMatchObject({ file: 'runbooks/scoped-agents/note-taker.md', repository: 'docs' });
    expect(file).not.toHaveProperty('branch');
  });

  test('fails when an agent without a github: binding is given a GitHub environment', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'no-binding');
    expect(() => new AgentGithubEnvironment(stack, 'x', { agent: seed.agents[0], settings: seed.settings, vaultAddr: 'https://v' })).toThrow(
      `agent ${seed.agents[0].name}: only a github-actions agent has a GitHub environment`,
    );
  });
});
