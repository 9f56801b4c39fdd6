/**
 * Proof by simulation of the web-identity trust of `github-actions` agents:
 * each such agent's IAM role, read back from `cdk.tf.json`, is assumed with
 * `sts:AssumeRoleWithWebIdentity` by GitHub's OIDC provider presenting tokens
 * of chosen claims (test/support/iam-simulator.ts, `decideWebIdentity`).
 *
 * Held to the table, not to the synthesized policy: the role is assumed only
 * with audience `sts.amazonaws.com` and subject
 * `repo:<repository>:environment:<environment>` of the agent's `github:`
 * binding. Every other subject (another environment, repository, owner, a
 * branch or pull-request job, another agent's binding), audience or provider,
 * and a plain `sts:AssumeRole`, is denied.
 *
 * The OIDC provider's ARN is what IAM gives a provider of that URL in the
 * proofs' account (test/support/terraform-refs.ts).
 */
import type { Agent, Fleet } from '../../model';
import { callAll, moduleAt } from '../support/bridge';
import { decide, decideWebIdentity, PROOF_ACCOUNT } from '../support/iam-simulator';
import { PROOF_TABLES, readStacks, SynthesizedStack } from '../support/synthesized';
import { resolveReferences } from '../support/terraform-refs';

const HOST = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER = `arn:aws:iam::${PROOF_ACCOUNT}:oidc-provider/${HOST}`;
const TABLES_PROVEN = [...PROOF_TABLES, { label: 'GitHub agents (test/fixtures/github-agents.yaml)', files: { table: 'test/fixtures/github-agents.yaml' } }];

const loaded = callAll(
  TABLES_PROVEN.flatMap((t) => [
    { module: moduleAt('test/support/synthesized.ts'), fn: 'synthesizeTable', args: [t.files] },
    { module: moduleAt('table/load-fleet.ts'), fn: 'loadFleet', args: [t.files] },
  ]),
);
const TABLES = TABLES_PROVEN.map((t, i) => ({
  label: t.label,
  stacks: readStacks((loaded[2 * i] as { outDir: string }).outDir),
  fleet: loaded[2 * i + 1] as Fleet,
}));

interface TrustStatement {
  readonly Effect: string;
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}
interface WebIdentityRole {
  readonly table: string;
  readonly agent: Agent;
  readonly roleArn: string;
  /** As synthesized. */
  readonly trustText: string;
  /** References resolved. */
  readonly trust: { readonly Version: string; readonly Statement: readonly TrustStatement[] };
  /** The provider resources of the stack. */
  readonly providers: readonly Record<string, unknown>[];
}

/** Every agent role of the tables that trusts a federated principal, or belongs to a github-actions agent. */
function webIdentityRoles(): { roles: WebIdentityRole[]; problems: string[] } {
  const roles: WebIdentityRole[] = [];
  const problems: string[] = [];
  for (const table of TABLES) {
    for (const stack of table.stacks as SynthesizedStack[]) {
      const providers = Object.values(stack.json.resource?.aws_iam_openid_connect_provider ?? {});
      for (const [id, r] of Object.entries(stack.json.resource?.aws_iam_role ?? {})) {
        const name = String((r.tags as Record<string, string> | undefined)?.agent ?? '');
        const agent = table.fleet.agents.find((a) => a.name === name);
        const text = String(r.assume_role_policy);
        const federated = text.includes('"Federated"');
        if (!agent) continue;
        if (agent.platform !== 'github-actions') {
          if (federated) problems.push(`${table.label}: aws_iam_role.${id} of ${agent.name} (${agent.platform}) trusts a federated principal`);
          continue;
        }
        roles.push({
          table: table.label,
          agent,
          roleArn: `arn:aws:iam::${PROOF_ACCOUNT}:role/${String(r.name)}`,
          trustText: text,
          trust: JSON.parse(resolveReferences(stack, text)),
          providers,
        });
      }
    }
  }
  return { roles, problems };
}
const { roles: ROLES, problems: PROBLEMS } = webIdentityRoles();
const ALL_GITHUB: readonly Agent[] = TABLES.flatMap((t) => t.fleet.agents.filter((a) => a.platform === 'github-actions'));

const subjectOf = (repository: string, environment: string): string => `repo:${repository}:environment:${environment}`;
const claims = (aud: string | undefined, sub: string | undefined): Record<string, string> => ({
  ...(aud === undefined ? {} : { [`${HOST}:aud`]: aud }),
  ...(sub === undefined ? {} : { [`${HOST}:sub`]: sub }),
});

interface Case {
  readonly name: string;
  readonly provider: string;
  readonly claims: Record<string, string>;
  readonly expected: 'Allowed' | 'ImplicitlyDenied';
}

/** Who may assume the role with a token: its one binding, with AWS's audience, through GitHub's provider. */
function casesOf(role: WebIdentityRole): Case[] {
  const { repository, environment } = role.agent.github!;
  const [owner, name] = repository.split('/');
  const own = subjectOf(repository, environment);
  const cases: Case[] = [
    {
      name: `a token of ${repository}, environment ${environment}, for sts.amazonaws.com is allowed`,
      provider: GITHUB_PROVIDER,
      claims: claims('sts.amazonaws.com', own),
      expected: 'Allowed',
    },
  ];
  const denied = (why: string, c: Record<string, string>, provider = GITHUB_PROVIDER): void => {
    cases.push({ name: `${why} is denied`, provider, claims: c, expected: 'ImplicitlyDenied' });
  };
  denied(`another environment of ${repository} (${environment}-x)`, claims('sts.amazonaws.com', subjectOf(repository, `${environment}-x`)));
  denied(`another repository (${repository}-fork), same environment`, claims('sts.amazonaws.com', subjectOf(`${repository}-fork`, environment)));
  denied(`the same repository name under another owner (evil/${name})`, claims('sts.amazonaws.com', subjectOf(`evil/${name}`, environment)));
  denied(`a branch job of ${repository} without an environment`, claims('sts.amazonaws.com', `repo:${repository}:ref:refs/heads/main`));
  denied(`a pull-request job of ${repository}`, claims('sts.amazonaws.com', `repo:${repository}:pull_request`));
  denied('a subject with a wildcard', claims('sts.amazonaws.com', `repo:${owner}/*:environment:*`));
  const others = ALL_GITHUB.filter((a) => a.github!.repository !== repository || a.github!.environment !== environment);
  for (const other of others.filter(
    (a, i) => others.findIndex((b) => subjectOf(b.github!.repository, b.github!.environment) === subjectOf(a.github!.repository, a.github!.environment)) === i,
  )) {
    denied(
      `the binding of ${other.name} (${other.github!.repository}@${other.github!.environment})`,
      claims('sts.amazonaws.com', subjectOf(other.github!.repository, other.github!.environment)),
    );
  }
  denied(`a token for Vault's audience (scoped-agents:…)`, claims('scoped-agents:acme-agents', own));
  denied(`a token for the owner's default audience (https://github.com/${owner})`, claims(`https://github.com/${owner}`, own));
  denied('a token without an audience', claims(undefined, own));
  denied('a token without a subject', claims('sts.amazonaws.com', undefined));
  denied(
    'the right claims through another OIDC provider of the account',
    claims('sts.amazonaws.com', own),
    `arn:aws:iam::${PROOF_ACCOUNT}:oidc-provider/token.actions.example.com`,
  );
  denied("the right claims through GitHub's provider in another account", claims('sts.amazonaws.com', own), `arn:aws:iam::210987654321:oidc-provider/${HOST}`);
  return cases;
}

test('no role of an agent on another platform trusts a federated principal', () => {
  expect(PROBLEMS).toEqual([]);
});

test('every github-actions agent with aws: scopes has a role, in the fixture and the GitHub table', () => {
  expect(ROLES.map((r) => `${r.table}: ${r.agent.name}`).sort()).toEqual([
    'GitHub agents (test/fixtures/github-agents.yaml): release-bot',
    'GitHub agents (test/fixtures/github-agents.yaml): staging-bot',
    'fixture (test/fixtures/fleet.yaml): release-bot',
  ]);
});

describe.each(ROLES.map((r) => [`${r.table}: ${r.agent.name}`, r] as const))('%s', (_label, role) => {
  test("its trust names GitHub's OIDC provider of the stack, and exactly the aud and sub of its binding with StringEquals", () => {
    expect(role.providers).toEqual([expect.objectContaining({ url: `https://${HOST}`, client_id_list: ['sts.amazonaws.com'] })]);
    expect(role.trust.Statement).toEqual([
      {
        Sid: 'OnlyItsRepositoryEnvironment',
        Effect: 'Allow',
        Principal: { Federated: GITHUB_PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com', [`${HOST}:sub`]: subjectOf(role.agent.github!.repository, role.agent.github!.environment) },
        },
      },
    ]);
    expect(role.trustText).toMatch(/"Federated":"\$\{aws_iam_openid_connect_provider\.[^.}]+\.arn\}"/);
  });

  test.each(casesOf(role).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await decideWebIdentity({ provider: c.provider, roleArn: role.roleArn, trust: role.trust, claims: c.claims })).toBe(c.expected);
  });

  test('no role or user of the account may sts:AssumeRole it, even with a policy of its own allowing it', async () => {
    for (const principal of [
      `arn:aws:iam::${PROOF_ACCOUNT}:role/someone-else`,
      `arn:aws:iam::${PROOF_ACCOUNT}:root`,
      `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/vault-broker/proof`,
    ]) {
      const decision = await decide({
        principal,
        identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }],
        action: 'sts:AssumeRole',
        resource: role.roleArn,
        resourcePolicy: role.trust,
      });
      expect(decision).toBe('ImplicitlyDenied');
    }
  });
});
