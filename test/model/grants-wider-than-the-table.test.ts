/**
 * Grants wider than the table says (issue: hostile input, class 2): wildcards
 * that span resources instead of narrowing inside one, grants on the fleet's
 * own machinery, derived names two owners would share, reserved mounts, and
 * names the far side compares without case. Each is refused in validation;
 * wildcards are found by `check` too, by the same reading of an ARN.
 */
import { join } from 'path';
import { Problem } from '../../model';
import { loadFleet } from '../../table';
import { noWildcardResource } from '../../review/rules';
import { arnWildcardProblem } from '../../model/arn';
import { BASE_SCOPES, problemsOf, writeFiles } from '../helpers';
import { cloneJson, editPolicy, find, memoryOutput } from '../review/support/review-fixtures';
import { synthesizeTable } from '../support/synthesized';

/** A table with one extra scope `extra.scope` (an aws: grant on `resources`) used by agent lead-enricher. */
const withAwsScope = (actions: string[], resources: string[], fleetLines = ''): string =>
  `version: 1\n${fleetLines ? `fleet:\n${fleetLines}` : ''}scopes:\n  extra.scope:\n    aws: { actions: [${actions.join(', ')}], resources: [${resources.map((r) => JSON.stringify(r)).join(', ')}] }\n` +
  'agents:\n  - { name: lead-enricher, owner: growth@acme.example, actions: [{ action: Do it, scopes: [extra.scope] }] }\n';

const rulesOf = (problems: Problem[]): [string, string | undefined, string][] => problems.map((p) => [p.rule, p.value, p.message]);

describe('wildcards in ARNs: only inside one named resource', () => {
  it.each([
    [
      'arn:aws:logs:us-east-1:123456789012:log-group:/*',
      "has a wildcard where the resource is named; in logs ARNs a wildcard may only narrow a named log group's streams (log-group:NAME:*), or a named log group's streams",
    ],
    [
      'arn:aws:iam::123456789012:role/service-role/*',
      'has a wildcard, and iam ARNs name each resource in full (a path such as role/service-role/ is part of the name)',
    ],
    [
      'arn:aws:sqs:eu-west-1:123456789012:jobs-*',
      'has a wildcard, and sqs ARNs name each resource in full (a path such as role/service-role/ is part of the name)',
    ],
    [
      'arn:aws:lambda:eu-west-1:123456789012:function:*',
      "has a wildcard where the resource is named; in lambda ARNs a wildcard may only narrow a named function's versions and aliases",
    ],
    [
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*',
      "has a wildcard where the resource is named; in secretsmanager ARNs a wildcard may only narrow a named secret's random suffix (name-??????)",
    ],
    [
      'arn:aws:dynamodb:eu-west-1:123456789012:table/orders*',
      "has a wildcard where the resource is named; in dynamodb ARNs a wildcard may only narrow a named table's indexes or streams",
    ],
  ])('fails on %s in validate', async (arn, why) => {
    expect(rulesOf(await problemsOf(withAwsScope(['iam:PassRole'], [arn])))).toEqual([['wildcard-resource', arn, `resource ${why}`]]);
  });

  it.each([
    'arn:aws:s3:::acme-invoices/uploads/*',
    'arn:aws:s3:::acme-invoices/*',
    'arn:aws:logs:eu-west-1:123456789012:log-group:/acme/app:*',
    'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-??????',
    'arn:aws:lambda:eu-west-1:123456789012:function:checkout:*',
    'arn:aws:scheduler:eu-west-1:123456789012:schedule/acme-jobs/*',
  ])('loads %s: a wildcard narrowing inside one named resource', async (arn) => {
    const dir = writeFiles({ 'agents.yaml': withAwsScope(['s3:GetObject'], [arn]) });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents[0].scopes).toEqual([
      { kind: 'aws', name: 'extra.scope', actions: ['s3:GetObject'], resources: [arn] },
    ]);
  });

  test('check finds the same wildcards in synthesized policies', async () => {
    const { stacks } = await synthesizeTable({ table: 'agents.yaml' });
    const json = cloneJson(stacks[0]);
    editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) => {
      doc.Statement[0].Resource = ['arn:aws:logs:us-east-1:123456789012:log-group:/*'];
      doc.Statement[1].Resource = ['arn:aws:iam::123456789012:role/service-role/*'];
    });
    const findings = await noWildcardResource.evaluate(memoryOutput([{ name: stacks[0].name, json }]));
    expect(
      findings
        .filter((f) => f.agent)
        .map((f) => f.grant)
        .sort(),
    ).toEqual(['s3:ListBucket on arn:aws:logs:us-east-1:123456789012:log-group:/*', 's3:PutObject on arn:aws:iam::123456789012:role/service-role/*']);
    expect(arnWildcardProblem('arn:aws:logs:us-east-1:123456789012:log-group:/*')).toBe(
      "has a wildcard where the resource is named; in logs ARNs a wildcard may only narrow a named log group's streams (log-group:NAME:*), or a named log group's streams",
    );
  });
});

describe("grants on the fleet's own machinery", () => {
  const FIX = "remove it: the fleet's functions manage their own resources, and an agent reaches its own role and secrets through its credential set";
  it.each([
    [
      "the revoke function's Vault login",
      'secretsmanager:GetSecretValue',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scoped-agents/scoped-agents/functions/revoke/vault-login-AbCdEf',
      'reaches a secret of scoped-agents (scoped-agents/scoped-agents/functions/revoke/vault-login-AbCdEf: logins, credentials, the webhook), which only the fleet itself may touch',
    ],
    [
      "another agent's role",
      'iam:UpdateAssumeRolePolicy',
      'arn:aws:iam::123456789012:role/agent-email-notifier',
      "reaches an agent's IAM role (agent-email-notifier), which only the fleet itself may touch",
    ],
    [
      "a function's role, in other case",
      'iam:PassRole',
      'arn:aws:iam::123456789012:role/Scoped-Agents-Rotate',
      "reaches the fleet's IAM role scoped-agents-rotate, which only the fleet itself may touch",
    ],
    [
      "another agent's call log",
      'logs:PutLogEvents',
      'arn:aws:logs:eu-west-1:123456789012:log-group:/scoped-agents/scoped-agents/agents/email-notifier:*',
      "reaches the fleet's log group /scoped-agents/scoped-agents/agents/email-notifier (call logs, the trail), which only the fleet itself may touch",
    ],
    [
      'the fleet key',
      'kms:Decrypt',
      'arn:aws:kms:eu-west-1:123456789012:alias/scoped-agents/scoped-agents',
      'reaches the fleet key (alias/scoped-agents/scoped-agents), which only the fleet itself may touch',
    ],
    [
      'the alarm topic',
      'sns:Publish',
      'arn:aws:sns:eu-west-1:123456789012:scoped-agents-alarms',
      "reaches the fleet's alarm topic scoped-agents-alarms, which only the fleet itself may touch",
    ],
    [
      'the revoke function',
      'lambda:UpdateFunctionCode',
      'arn:aws:lambda:eu-west-1:123456789012:function:scoped-agents-revoke',
      "reaches the fleet's function scoped-agents-revoke, which only the fleet itself may touch",
    ],
  ])('fails on a grant on %s', async (_label, action, arn, why) => {
    expect(await problemsOf(withAwsScope([action], [arn]))).toEqual([
      expect.objectContaining({ rule: 'fleet-resource', file: 'agents.yaml', line: 4, value: arn, message: `resource ${why}`, fix: FIX }),
    ]);
  });

  it('fails on a grant on the state bucket', async () => {
    const fleetLines = '  state: { s3: { bucket: acme-terraform-state, region: eu-west-1 } }\n';
    expect(rulesOf(await problemsOf(withAwsScope(['s3:GetObject'], ['arn:aws:s3:::acme-terraform-state/scoped-agents/*'], fleetLines)))).toEqual([
      [
        'fleet-resource',
        'arn:aws:s3:::acme-terraform-state/scoped-agents/*',
        "resource reaches the state bucket acme-terraform-state, which holds every stack's state, which only the fleet itself may touch",
      ],
    ]);
  });
});

describe('derived names two owners would share', () => {
  it('fails when a fleet named agent and an agent named revoke would share the IAM role agent-revoke', async () => {
    const yaml = `version: 1\nfleet:\n  name: agent\n${BASE_SCOPES}agents:\n  - { name: revoke, owner: o@acme.example, actions: [{ action: Upload, scopes: [storage.objects.create] }] }\n`;
    const problems = (await problemsOf(yaml)).filter((p) => p.rule === 'name-clash');
    expect(problems.map((p) => [p.line, p.agent, p.value, p.message, p.fix])).toEqual([
      [
        16,
        'revoke',
        'agent-revoke',
        'IAM role agent-revoke would belong to both the revoke function of fleet agent and agent revoke (compared without case)',
        'rename the agent, or the fleet (fleet.name)',
      ],
    ]);
  });

  it('fails when a credential named vault-login is kept in AWS (it would be the login delivery secret)', async () => {
    const yaml = `version: 1\nscopes:\n  x.use: { secret: vault-login }\ncredentials:\n  vault-login: { store: aws }\nagents:\n  - { name: lead-enricher, owner: o@acme.example, actions: [{ action: Use, scopes: [x.use] }] }\n`;
    expect((await problemsOf(yaml)).filter((p) => p.rule === 'name-clash').map((p) => p.message)).toEqual([
      'Secrets Manager secret scoped-agents/scoped-agents/agents/lead-enricher/vault-login would belong to both the Vault login of agent lead-enricher and the vault-login credential of agent lead-enricher',
    ]);
  });

  it('fails when scopes s3.read, s3-read and s3_read of one agent would give three statements one Sid', async () => {
    const aws = 'aws: { actions: [s3:GetObject], resources: ["arn:aws:s3:::acme-a/*"] }';
    const yaml = `version: 1\nscopes:\n  s3.read: { ${aws} }\n  s3-read: { ${aws} }\n  s3_read: { ${aws} }\nagents:\n  - { name: lead-enricher, owner: o@acme.example, actions: [{ action: Read, scopes: [s3.read, s3-read, s3_read] }] }\n`;
    const problems = (await problemsOf(yaml)).filter((p) => p.rule === 'name-clash');
    expect(problems.map((p) => [p.line, p.column, p.value, p.message])).toEqual([
      [3, 3, 'S3Read', 'IAM statement Sid of agent-lead-enricher S3Read would belong to both scope s3-read and scope s3.read (compared without case)'],
      [5, 3, 'S3Read', 'IAM statement Sid of agent-lead-enricher S3Read would belong to both scope s3-read and scope s3_read (compared without case)'],
    ]);
    expect(problems[0].fix).toBe('rename one of the scopes so their names differ in more than punctuation and case');
  });

  it("fails when two agents' platform secret names collide (lead-enricher + hubspot, lead + enricher-hubspot)", async () => {
    const yaml =
      'version: 1\nscopes:\n  crm.read: { secret: hubspot }\n  crm.other: { secret: enricher-hubspot }\nagents:\n' +
      '  - { name: lead-enricher, owner: o@acme.example, platform: claude, actions: [{ action: Read, scopes: [crm.read] }] }\n' +
      '  - { name: lead, owner: o@acme.example, platform: claude, actions: [{ action: Read, scopes: [crm.other] }] }\n';
    expect((await problemsOf(yaml)).filter((p) => p.rule === 'name-clash').map((p) => [p.agent, p.value, p.message])).toEqual([
      [
        'lead',
        'LEAD_ENRICHER_HUBSPOT',
        'platform secret name LEAD_ENRICHER_HUBSPOT would belong to both hubspot credential (crm.read) of agent lead-enricher and enricher-hubspot credential (crm.other) of agent lead',
      ],
    ]);
  });

  it("fails when a credential's platform name is the agent's own login's (a credential named vault-role-id)", async () => {
    const yaml =
      'version: 1\nscopes:\n  odd.use: { secret: vault-role-id }\nagents:\n  - { name: lead, owner: o@acme.example, platform: claude, actions: [{ action: Use, scopes: [odd.use] }] }\n';
    expect((await problemsOf(yaml)).filter((p) => p.rule === 'name-clash').map((p) => p.message)).toEqual([
      'platform secret name LEAD_VAULT_ROLE_ID would belong to both vault-role-id credential (odd.use) of agent lead and AppRole role-id of agent-lead of agent lead',
    ]);
  });
});

describe('reserved Vault mounts', () => {
  it.each([
    ['kvMount', 'sys', 'kvMount sys is a path Vault reserves for itself (sys, identity, cubbyhole, auth, audit)'],
    ['awsMount', 'identity', 'awsMount identity is a path Vault reserves for itself (sys, identity, cubbyhole, auth, audit)'],
    ['kvMount', 'audit', 'kvMount audit is a path Vault reserves for itself (sys, identity, cubbyhole, auth, audit)'],
    ['appRoleMount', 'token', "appRoleMount token is the path of Vault's own token auth method"],
    ['jwtMount', 'token', "jwtMount token is the path of Vault's own token auth method"],
    ['awsMount', 'kv', 'kvMount and awsMount name the same path; each secrets engine needs its own'],
  ])('fails when %s is %s', async (key, value, message) => {
    const yaml = `version: 1\nfleet:\n  ${key}: ${value}\n${BASE_SCOPES}agents:\n  - { name: a, owner: o@acme.example, actions: [{ action: Read, scopes: [crm.contacts.read] }] }\n`;
    expect((await problemsOf(yaml)).filter((p) => p.rule === 'reserved-mount').map((p) => [p.line, p.value, p.message])).toEqual([[3, value, message]]);
  });
});

describe('names the far side compares without case', () => {
  it('fails when two agents run as role/Runtime and role/runtime: one IAM principal', async () => {
    const agent = (name: string, role: string): string =>
      `  - { name: ${name}, owner: o@acme.example, awsPrincipal: "arn:aws:iam::123456789012:role/${role}", actions: [{ action: Upload, scopes: [storage.objects.create] }] }\n`;
    const problems = await problemsOf(`version: 1\n${BASE_SCOPES}agents:\n${agent('first', 'Runtime')}${agent('second', 'runtime')}`);
    expect(problems.map((p) => [p.rule, p.agent, p.message])).toEqual([
      ['shared-credential', 'second', 'agent shares its AWS runtime principal with agent first'],
    ]);
  });

  it('fails when two agents are bound to Acme/Checkout@Production and acme/checkout@production: one GitHub environment', async () => {
    const agent = (name: string, repo: string, env: string): string =>
      `  - { name: ${name}, owner: o@acme.example, platform: github-actions, github: { repository: ${repo}, environment: ${env} }, actions: [{ action: Upload, scopes: [storage.objects.create] }] }\n`;
    const problems = await problemsOf(
      `version: 1\nfleet: { vaultAddr: "https://vault.acme.example" }\n${BASE_SCOPES}agents:\n${agent('first', 'Acme/Checkout', 'Production')}${agent('second', 'acme/checkout', 'production')}`,
    );
    expect(problems.map((p) => [p.rule, p.agent, p.message])).toEqual([
      ['shared-credential', 'second', 'agent shares its GitHub repository and environment with agent first'],
    ]);
  });

  it('treats Acme and acme as one GitHub owner', async () => {
    const agent = (name: string, repo: string): string =>
      `  - { name: ${name}, owner: o@acme.example, platform: github-actions, github: { repository: ${repo}, environment: production }, actions: [{ action: Upload, scopes: [storage.objects.create] }] }\n`;
    const dir = writeFiles({
      'agents.yaml': `version: 1\nfleet: { vaultAddr: "https://vault.acme.example" }\n${BASE_SCOPES}agents:\n${agent('first', 'Acme/checkout')}${agent('second', 'acme/docs')}`,
    });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents.map((a) => a.github?.repository)).toEqual(['Acme/checkout', 'acme/docs']);
  });
});
