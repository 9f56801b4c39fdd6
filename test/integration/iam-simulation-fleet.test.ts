/**
 * Proof by simulation of the fleet's own IAM roles — the revoke, rotate and
 * notify functions, the scheduler, the AWS Chatbot channel — read back from
 * `cdk.tf.json` and evaluated by the IAM policy simulator, as
 * iam-simulation.test.ts does for the agents' roles.
 *
 * The oracle is the design, written here, not the synthesized policy:
 * - revoke may read and put inline policies on `agent-*` roles only (the
 *   deny-older-sessions policy), read its own Vault login and the webhook, and
 *   use the fleet key;
 * - rotate may read and write the agents' Secrets Manager secrets
 *   (`scoped-agents/<fleet>/agents/*`: delivered logins and credentials kept in
 *   AWS), read its own login, create schedules in the fleet's group, pass the
 *   scheduler's role and no other, and put metrics in the `ScopedAgents`
 *   namespace only; it invokes no function;
 * - notify may read the webhook, nothing else;
 * - usage-summary may read the agents' metrics (GetMetricData takes only `*`)
 *   and the webhook, nothing else;
 * - the trail's delivery role (with `fleet.cloudTrail`) may write streams of
 *   the trail's log group only, and only CloudTrail, for this trail, assumes it;
 * - the scheduler may invoke the rotate and usage-summary functions and decrypt with the key;
 * - the Chatbot channel may do nothing;
 * - every function writes only its own log, sends only to its own dead-letter
 *   queue, and traces.
 *
 * For every role and every resource of the fleet (and neighbours that must
 * stay out of reach), every action that can act on the resource is simulated,
 * and exactly the entitled ones must be allowed.
 *
 * Modelling as in iam-simulation.test.ts: account 123456789012, region
 * eu-west-1, references resolved to what AWS would assign
 * (test/support/terraform-refs.ts), the fleet key's synthesized key policy
 * evaluated with every request on the key.
 */
import type { Fleet } from '../../model';
import { callAll, moduleAt } from '../support/bridge';
import { decide, Decision, PROOF_ACCOUNT } from '../support/iam-simulator';
import { PROOF_TABLES, readStacks, SynthesizedStack } from '../support/synthesized';
import { keyArn, PROOF_REGION, resolveReferences, secretArn } from '../support/terraform-refs';

const OTHER_ACCOUNT = '210987654321';

interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Record<string, unknown>[];
}

type Component = 'revoke' | 'rotate' | 'notify' | 'usage-summary' | 'gateway' | 'scheduler' | 'chatbot' | 'cloudtrail';

/** One of the fleet's roles, as synthesized. */
interface FleetRole {
  readonly component: Component;
  readonly roleName: string;
  readonly roleArn: string;
  readonly session: string;
  readonly policies: readonly PolicyDocument[];
  readonly trust: PolicyDocument;
}

interface ProofTable {
  readonly label: string;
  readonly fleet: Fleet;
  readonly stack: SynthesizedStack;
  readonly roles: readonly FleetRole[];
  /** Every way the fleet's IAM resources fail to wire up. */
  readonly problems: readonly string[];
  /** ARN of the fleet key, and its key policy with references resolved. */
  readonly key: { readonly arn: string; readonly policy: PolicyDocument };
}

// ---------------------------------------------------------------------------
// Collection.

const loaded = callAll(
  PROOF_TABLES.flatMap((t) => [
    { module: moduleAt('test/support/synthesized.ts'), fn: 'synthesizeTable', args: [t.files] },
    { module: moduleAt('table/load-fleet.ts'), fn: 'loadFleet', args: [t.files] },
  ]),
);

const COMPONENTS: readonly Component[] = ['revoke', 'rotate', 'notify', 'usage-summary', 'gateway', 'scheduler', 'chatbot', 'cloudtrail'];

function tableOf(label: string, stack: SynthesizedStack, fleet: Fleet): ProofTable {
  const resources = stack.json.resource ?? {};
  const problems: string[] = [];
  const attached = new Map<string, PolicyDocument[]>();
  for (const [id, p] of Object.entries(resources.aws_iam_role_policy ?? {})) {
    const ref = /^\$\{aws_iam_role\.([^.}]+)\.(?:id|name)\}$/.exec(String(p.role));
    if (!ref) {
      problems.push(`aws_iam_role_policy.${id} attaches to ${String(p.role)}`);
      continue;
    }
    try {
      attached.set(ref[1], [...(attached.get(ref[1]) ?? []), JSON.parse(resolveReferences(stack, String(p.policy)))]);
    } catch (e) {
      problems.push(`aws_iam_role_policy.${id}: ${(e as Error).message}`);
    }
  }
  const roles: FleetRole[] = [];
  for (const [id, r] of Object.entries(resources.aws_iam_role ?? {})) {
    const tags = (r.tags as Record<string, string> | undefined) ?? {};
    if (tags.agent !== undefined) continue;
    if (!COMPONENTS.includes(tags.component as Component)) {
      problems.push(`aws_iam_role.${id} is neither an agent's role nor one of the fleet's (component=${tags.component})`);
      continue;
    }
    const roleName = String(r.name);
    roles.push({
      component: tags.component as Component,
      roleName,
      roleArn: `arn:aws:iam::${PROOF_ACCOUNT}:role/${roleName}`,
      session: `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/${roleName}/proof-session`,
      policies: attached.get(id) ?? [],
      trust: JSON.parse(resolveReferences(stack, String(r.assume_role_policy))),
    });
  }
  for (const type of ['aws_iam_role_policy_attachment', 'aws_iam_policy_attachment', 'aws_iam_role_policies_exclusive', 'aws_iam_policy']) {
    for (const id of Object.keys(resources[type] ?? {})) problems.push(`${type}.${id}: a policy this proof cannot read`);
  }
  const keys = Object.entries(resources.aws_kms_key ?? {});
  if (keys.length !== 1) throw new Error(`${label}: expected one fleet key, found ${keys.length}`);
  const key = { arn: keyArn(keys[0][0]), policy: JSON.parse(resolveReferences(stack, String(keys[0][1].policy))) };
  return { label, fleet, stack, roles: roles.sort((a, b) => a.component.localeCompare(b.component)), problems, key };
}

const TABLES: readonly ProofTable[] = PROOF_TABLES.map((t, i) => {
  const stacks = readStacks((loaded[2 * i] as { outDir: string }).outDir);
  if (stacks.length !== 1) throw new Error(`${t.label}: expected one stack`);
  return tableOf(t.label, stacks[0], loaded[2 * i + 1] as Fleet);
});

// ---------------------------------------------------------------------------
// The design: what each role is entitled to, and the resources of the fleet.

const arn = (service: string, resource: string): string =>
  service === 'iam' ? `arn:aws:iam::${PROOF_ACCOUNT}:${resource}` : `arn:aws:${service}:${PROOF_REGION}:${PROOF_ACCOUNT}:${resource}`;

/** The fleet's resources by what they are, named as the design names them. */
function resourcesOf(table: ProofTable) {
  const fleet = table.fleet.settings.name;
  const webhook = table.fleet.settings.notify === undefined;
  const gateway = table.fleet.settings.gateway;
  const functions = (['revoke', 'rotate', 'usage-summary', ...(webhook ? ['notify'] : []), ...(gateway ? ['gateway'] : [])] as const).map((role) => ({
    role,
    name: `${fleet}-${role}`,
    arn: arn('lambda', `function:${fleet}-${role}`),
    logStream: arn('logs', `log-group:/aws/lambda/${fleet}-${role}:log-stream:2026/11/27/[$LATEST]0123456789abcdef`),
    queue: arn('sqs', `${fleet}-${role}-dead-letters`),
  }));
  const agents = table.fleet.agents.map((a) => a.name);
  const kept = table.fleet.agents.flatMap((a) =>
    [...new Set(a.scopes.flatMap((s) => (s.kind === 'secret' && table.fleet.credentials[s.secret]?.store === 'aws' ? [s.secret] : [])))].map((secret) =>
      secretArn(`scoped-agents/${fleet}/agents/${a.name}/${secret}`),
    ),
  );
  const served = table.fleet.agents.filter((a) => a.gateway);
  const injectedFromAws = served.flatMap((a) =>
    [...new Set(a.scopes.flatMap((s) => (s.kind === 'secret' && s.http && table.fleet.credentials[s.secret]?.store === 'aws' ? [s.secret] : [])))].map(
      (secret) => secretArn(`scoped-agents/${fleet}/agents/${a.name}/${secret}`),
    ),
  );
  const direct = table.fleet.agents.find((a) => !a.gateway);
  return {
    fleet,
    webhook,
    gateway,
    functions,
    // The gateway's table, and one of the same account that is not it.
    gatewayTable: arn('dynamodb', `table/${fleet}-gateway`),
    otherTable: arn('dynamodb', `table/${fleet}-other`),
    // Where the gateway writes: its agents' call logs, and its own group.
    gatewayCallLogs: [
      ...served.map((a) => arn('logs', `log-group:/scoped-agents/${fleet}/agents/${a.name}:log-stream:*`)),
      arn('logs', `log-group:/scoped-agents/${fleet}/gateway:log-stream:*`),
    ],
    gatewayStream: arn('logs', `log-group:/scoped-agents/${fleet}/gateway:log-stream:gateway/2026-12-04/x`),
    // The call log of an agent the gateway does not serve.
    directCallLogStream: direct ? arn('logs', `log-group:/scoped-agents/${fleet}/agents/${direct.name}:log-stream:s`) : undefined,
    injectedFromAws,
    gatewayKeys: served.map((a) => secretArn(`scoped-agents/${fleet}/agents/${a.name}/gateway-key`)),
    fn: (role: string) => functions.find((f) => f.role === role),
    key: table.key.arn,
    otherKey: arn('kms', 'key/00000000-0000-4000-8000-000000000000'),
    logins: {
      revoke: secretArn(`scoped-agents/${fleet}/functions/revoke/vault-login`),
      rotate: secretArn(`scoped-agents/${fleet}/functions/rotate/vault-login`),
      gateway: secretArn(`scoped-agents/${fleet}/functions/gateway/vault-login`),
    },
    // The webhook's secret exists in every fleet: the daily summary posts there even when alarms go through Chatbot.
    webhookSecret: secretArn(`scoped-agents/${fleet}/notify-webhook`),
    trailStream: arn('logs', `log-group:/scoped-agents/${fleet}/cloudtrail:log-stream:123456789012_CloudTrail_eu-west-1`),
    callLogStream: arn('logs', `log-group:/scoped-agents/${fleet}/agents/${agents[0]}:log-stream:s`),
    callLogGroup: arn('logs', `log-group:/scoped-agents/${fleet}/agents/${agents[0]}`),
    otherFleetCallLog: arn('logs', `log-group:/scoped-agents/${fleet}-other/agents/${agents[0]}`),
    // Whether an agent ever called: the newest stream of its call log (revoke and the usage summary).
    callLogs: arn('logs', `log-group:/scoped-agents/${fleet}/agents/*`),
    trailArn: arn('cloudtrail', `trail/${fleet}-trail`),
    deliveries: agents.map((a) => secretArn(`scoped-agents/${fleet}/agents/${a}/vault-login`)),
    kept,
    otherFleetSecret: secretArn(`scoped-agents/${fleet}-other/agents/${agents[0]}/vault-login`),
    agentRoles: agents.map((a) => arn('iam', `role/agent-${a}`)),
    schedulerRole: arn('iam', `role/${fleet}-scheduler`),
    fleetRoles: table.roles.map((r) => r.roleArn),
    ownSchedule: arn('scheduler', `schedule/${fleet}/expire-${agents[0]}-1`),
  };
}

/** One thing a role may do: an action on a resource pattern (exact, or ending in `*`). */
interface Entitlement {
  readonly action: string;
  readonly resource: string;
}

/** What the design entitles each role to. */
function entitlementsOf(role: FleetRole, table: ProofTable): Entitlement[] {
  const r = resourcesOf(table);
  const fleet = r.fleet;
  const grant = (actions: readonly string[], resources: readonly string[]): Entitlement[] =>
    actions.flatMap((action) => resources.map((resource) => ({ action, resource })));
  const runtime = (fn: string): Entitlement[] => [
    ...grant(['logs:CreateLogStream', 'logs:PutLogEvents'], [arn('logs', `log-group:/aws/lambda/${fleet}-${fn}:*`)]),
    ...grant(['sqs:SendMessage'], [arn('sqs', `${fleet}-${fn}-dead-letters`)]),
    ...grant(['kms:Decrypt', 'kms:GenerateDataKey'], [r.key]),
    ...grant(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], ['*']),
  ];
  switch (role.component) {
    case 'revoke':
      return [
        ...runtime('revoke'),
        ...grant(['iam:GetRole', 'iam:PutRolePolicy'], [arn('iam', 'role/agent-*')]),
        ...grant(['secretsmanager:GetSecretValue'], [r.logins.revoke, ...(r.webhook ? [r.webhookSecret] : [])]),
        ...grant(['logs:DescribeLogStreams'], [r.callLogs]),
      ];
    case 'rotate':
      return [
        ...runtime('rotate'),
        ...grant(['secretsmanager:GetSecretValue'], [r.logins.rotate]),
        ...grant(
          ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          [secretArn(`scoped-agents/${fleet}/agents/`).replace(/-Pr00f1$/, '*')],
        ),
        ...grant(['scheduler:CreateSchedule'], [arn('scheduler', `schedule/${fleet}/*`)]),
        ...grant(['iam:PassRole'], [r.schedulerRole]),
        // Gateway-key hashes (the condition on the leading key is asked by hand below).
        ...(r.gateway ? grant(['dynamodb:PutItem', 'dynamodb:UpdateItem'], [r.gatewayTable]) : []),
      ];
    case 'gateway':
      return [
        ...runtime('gateway'),
        ...grant(['secretsmanager:GetSecretValue'], [r.logins.gateway, ...r.injectedFromAws]),
        ...grant(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [r.gatewayTable]),
        ...grant(['logs:CreateLogStream', 'logs:PutLogEvents'], r.gatewayCallLogs),
      ];
    case 'notify':
      return [...runtime('notify'), ...grant(['secretsmanager:GetSecretValue'], [r.webhookSecret])];
    case 'usage-summary':
      return [...runtime('usage-summary'), ...grant(['secretsmanager:GetSecretValue'], [r.webhookSecret]), ...grant(['logs:DescribeLogStreams'], [r.callLogs])];
    case 'cloudtrail':
      return grant(['logs:CreateLogStream', 'logs:PutLogEvents'], [arn('logs', `log-group:/scoped-agents/${fleet}/cloudtrail:log-stream:*`)]);
    case 'scheduler':
      return [...grant(['lambda:InvokeFunction'], [r.fn('rotate')!.arn, r.fn('usage-summary')!.arn]), ...grant(['kms:Decrypt'], [r.key])];
    case 'chatbot':
      return [];
  }
}

const covers = (pattern: string, resource: string): boolean =>
  pattern === resource || (pattern.endsWith('*') && !/[*?]/.test(pattern.slice(0, -1)) && resource.startsWith(pattern.slice(0, -1)));
const entitled = (role: FleetRole, table: ProofTable, action: string, resource: string): boolean =>
  entitlementsOf(role, table).some((e) => e.action.toLowerCase() === action.toLowerCase() && covers(e.resource, resource));

interface Target {
  readonly resource: string;
  readonly why: string;
}

/** Every concrete resource the proofs ask about: the fleet's own, and neighbours that must stay out of reach. */
function targetsOf(table: ProofTable): Target[] {
  const r = resourcesOf(table);
  const targets: Target[] = [
    ...r.agentRoles.map((resource) => ({ resource, why: "an agent's role" })),
    { resource: arn('iam', 'role/agent-of-another-fleet'), why: 'an agent-* role of another fleet' },
    { resource: arn('iam', `role/team/agent-${table.fleet.agents[0].name}`), why: 'an agent-named role under a path' },
    { resource: arn('iam', 'role/agentsmith'), why: 'a role whose name starts with "agent" but not "agent-"' },
    { resource: `arn:aws:iam::${OTHER_ACCOUNT}:role/agent-${table.fleet.agents[0].name}`, why: "an agent's role name in another account" },
    { resource: arn('iam', 'role/admin'), why: 'an administrator role' },
    ...r.fleetRoles.map((resource) => ({ resource, why: "one of the fleet's own roles" })),
    { resource: r.logins.revoke, why: "revoke's Vault login" },
    { resource: r.logins.rotate, why: "rotate's Vault login" },
    { resource: r.logins.gateway, why: "the gateway's Vault login" },
    { resource: r.gatewayTable, why: "the gateway's table" },
    { resource: r.otherTable, why: 'another table of the account' },
    { resource: r.gatewayStream, why: "a stream of the gateway's own log group" },
    ...(r.directCallLogStream ? [{ resource: r.directCallLogStream, why: 'a stream of the call log of an agent the gateway does not serve' }] : []),
    ...r.gatewayKeys.map((resource) => ({ resource, why: "an agent's gateway key" })),
    ...r.injectedFromAws.map((resource) => ({ resource, why: 'a credential the gateway injects, kept in AWS' })),
    { resource: r.webhookSecret, why: 'the webhook' },
    { resource: r.trailStream, why: "a stream of the trail's log group" },
    { resource: r.callLogStream, why: "a stream of an agent's call log" },
    { resource: r.callLogGroup, why: "an agent's call log" },
    { resource: r.otherFleetCallLog, why: "an agent's call log in another fleet" },
    ...r.deliveries.map((resource) => ({ resource, why: "an agent's delivered login" })),
    ...r.kept.map((resource) => ({ resource, why: "an agent's credential kept in AWS" })),
    { resource: r.otherFleetSecret, why: "another fleet's agent secret" },
    { resource: r.key, why: 'the fleet key' },
    { resource: r.otherKey, why: 'another key' },
    ...r.functions.flatMap((f) => [
      { resource: f.arn, why: `the ${f.role} function` },
      { resource: f.logStream, why: `the ${f.role} function's log` },
      { resource: f.queue, why: `the ${f.role} function's dead-letter queue` },
    ]),
    { resource: r.ownSchedule, why: "a schedule in the fleet's group" },
    { resource: arn('scheduler', 'schedule/default/anything'), why: 'a schedule in the default group' },
    { resource: arn('scheduler', `schedule/${r.fleet}-other/anything`), why: 'a schedule in a group sharing the prefix' },
  ];
  return targets.filter((t, i) => targets.findIndex((u) => u.resource === t.resource) === i);
}

/** Which actions of its service can act on each resource, by the simulator's resource-type rules. */
const APPLICABLE: ReadonlyMap<string, readonly string[]> = (() => {
  const arns = [...new Set(TABLES.flatMap((t) => targetsOf(t).map((x) => x.resource)))].sort();
  const lists = callAll(arns.map((a) => ({ module: moduleAt('test/support/iam-simulator.ts'), fn: 'actionsApplicableTo', args: [a] })));
  return new Map(arns.map((a, i) => [a, lists[i] as string[]]));
})();

/** Actions that take only `*` as their resource, with the request context they are asked with. */
const STAR_CASES: readonly { action: string; context?: Record<string, string>; entitledFor: readonly Component[]; why: string }[] = [
  { action: 'xray:PutTraceSegments', entitledFor: ['revoke', 'rotate', 'notify', 'usage-summary', 'gateway'], why: 'tracing' },
  { action: 'xray:PutTelemetryRecords', entitledFor: ['revoke', 'rotate', 'notify', 'usage-summary', 'gateway'], why: 'tracing' },
  { action: 'cloudwatch:GetMetricData', entitledFor: ['usage-summary'], why: "reading the agents' metrics" },
  { action: 'cloudwatch:ListMetrics', entitledFor: [], why: 'listing metrics' },
  { action: 'cloudwatch:DescribeAlarms', entitledFor: [], why: 'listing alarms' },
  { action: 'cloudwatch:PutMetricData', context: { 'cloudwatch:namespace': 'ScopedAgents' }, entitledFor: ['rotate'], why: 'the fleet namespace' },
  { action: 'cloudwatch:PutMetricData', context: { 'cloudwatch:namespace': 'AWS/Lambda' }, entitledFor: [], why: "another service's namespace" },
  { action: 'cloudwatch:PutMetricData', entitledFor: [], why: 'no namespace condition met' },
  { action: 'secretsmanager:ListSecrets', entitledFor: [], why: 'listing secrets' },
  { action: 'iam:ListRoles', entitledFor: [], why: 'listing roles' },
  { action: 'lambda:ListFunctions', entitledFor: [], why: 'listing functions' },
  { action: 'kms:CreateKey', entitledFor: [], why: 'creating keys' },
];

const asRole = (role: FleetRole, table: ProofTable, action: string, resource: string, context?: Record<string, string>): Promise<Decision> =>
  decide({
    principal: role.session,
    identityPolicies: role.policies,
    action,
    resource,
    context,
    resourcePolicy: resource === table.key.arn ? table.key.policy : undefined,
  });

// ---------------------------------------------------------------------------
// Tests.

describe.each(TABLES.map((t) => [t.label, t] as const))('%s', (_label, table) => {
  const expectedComponents: Component[] = [
    'revoke',
    'rotate',
    'usage-summary',
    'scheduler',
    table.fleet.settings.notify ? 'chatbot' : 'notify',
    ...(table.fleet.settings.cloudTrail ? (['cloudtrail'] as const) : []),
    ...(table.fleet.settings.gateway ? (['gateway'] as const) : []),
  ];

  test("every IAM role is an agent's or one of the fleet's, and every policy resolves and attaches to one", () => {
    expect(table.problems).toEqual([]);
  });

  test(`the fleet has exactly its own roles: ${expectedComponents.sort().join(', ')}`, () => {
    expect(table.roles.map((r) => r.component)).toEqual([...expectedComponents].sort());
    const fleet = table.fleet.settings.name;
    expect(table.roles.map((r) => r.roleName).sort()).toEqual(expectedComponents.map((c) => `${fleet}-${c}`).sort());
  });

  test('each role has one inline policy, the Chatbot channel none', () => {
    for (const role of table.roles) expect([role.component, role.policies.length]).toEqual([role.component, role.component === 'chatbot' ? 0 : 1]);
  });

  describe.each(table.roles.map((r) => [r.component, r] as const))('%s', (component, role) => {
    const service = {
      revoke: 'lambda',
      rotate: 'lambda',
      notify: 'lambda',
      'usage-summary': 'lambda',
      gateway: 'lambda',
      scheduler: 'scheduler',
      chatbot: 'chatbot',
      cloudtrail: 'cloudtrail',
    }[component];

    test(`trusts only ${service}.amazonaws.com`, async () => {
      const trail = (name: string): string => `arn:aws:cloudtrail:${PROOF_REGION}:${PROOF_ACCOUNT}:trail/${name}`;
      const context: Record<string, string> = {
        'aws:SourceAccount': PROOF_ACCOUNT,
        ...(component === 'cloudtrail' ? { 'aws:SourceArn': trail(`${table.fleet.settings.name}-trail`) } : {}),
      };
      const ask = (principal: string, ctx: Record<string, string> = context) =>
        decide({ principal, identityPolicies: [], action: 'sts:AssumeRole', resource: role.roleArn, resourcePolicy: role.trust, context: ctx });
      expect(await ask(`${service}.amazonaws.com`)).toBe('Allowed');
      const others = ['lambda', 'scheduler', 'chatbot', 'cloudtrail', 'ec2', 'secretsmanager'].filter((s) => s !== service).map((s) => `${s}.amazonaws.com`);
      for (const principal of [
        ...others,
        `arn:aws:iam::${PROOF_ACCOUNT}:root`,
        `arn:aws:iam::${OTHER_ACCOUNT}:root`,
        `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/agent-x/s`,
      ]) {
        expect([principal, await ask(principal)]).toEqual([principal, 'ImplicitlyDenied']);
      }
      if (component === 'scheduler') {
        // The confused-deputy guard: only on behalf of its own account.
        expect(await ask('scheduler.amazonaws.com', { 'aws:SourceAccount': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
      }
      if (component === 'cloudtrail') {
        // Only for the fleet's own trail: another trail of the account may not deliver as this role.
        expect(await ask('cloudtrail.amazonaws.com', { ...context, 'aws:SourceArn': trail('another-trail') })).toBe('ImplicitlyDenied');
        expect(await ask('cloudtrail.amazonaws.com', { ...context, 'aws:SourceAccount': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
      }
    });

    test.each(targetsOf(table).map((t) => [`${t.resource} (${t.why})`, t] as const))(
      `${component}: of all the actions that act on %s, allows exactly those of its design`,
      async (_name, t) => {
        const actions = APPLICABLE.get(t.resource) ?? [];
        expect(actions.length).toBeGreaterThan(0);
        const allowed: string[] = [];
        for (const action of actions) if ((await asRole(role, table, action, t.resource)) === 'Allowed') allowed.push(action);
        expect(allowed).toEqual(actions.filter((a) => entitled(role, table, a, t.resource)));
      },
    );

    test.each(STAR_CASES.map((c) => [`${c.action} (${c.why})`, c] as const))(`${component}: %s`, async (_name, c) => {
      const expected = c.entitledFor.includes(component) ? 'Allowed' : 'ImplicitlyDenied';
      expect(await asRole(role, table, c.action, '*', c.context)).toBe(expected);
    });
  });

  // A few decisions written out by hand, independent of the generator above.
  const r = resourcesOf(table);
  const byHand: { who: Component; action: string; resource: string; expected: Decision }[] = [
    { who: 'revoke', action: 'iam:PutRolePolicy', resource: r.agentRoles[0], expected: 'Allowed' },
    { who: 'revoke', action: 'iam:PutRolePolicy', resource: arn('iam', `role/${r.fleet}-revoke`), expected: 'ImplicitlyDenied' },
    { who: 'revoke', action: 'iam:PutRolePolicy', resource: arn('iam', 'role/admin'), expected: 'ImplicitlyDenied' },
    { who: 'revoke', action: 'iam:AttachRolePolicy', resource: r.agentRoles[0], expected: 'ImplicitlyDenied' },
    { who: 'revoke', action: 'secretsmanager:GetSecretValue', resource: r.logins.rotate, expected: 'ImplicitlyDenied' },
    { who: 'rotate', action: 'iam:PassRole', resource: r.schedulerRole, expected: 'Allowed' },
    { who: 'rotate', action: 'iam:PassRole', resource: arn('iam', `role/${r.fleet}-revoke`), expected: 'ImplicitlyDenied' },
    { who: 'rotate', action: 'iam:PassRole', resource: r.agentRoles[0], expected: 'ImplicitlyDenied' },
    { who: 'rotate', action: 'lambda:InvokeFunction', resource: r.fn('revoke')!.arn, expected: 'ImplicitlyDenied' },
    { who: 'rotate', action: 'secretsmanager:PutSecretValue', resource: r.deliveries[0], expected: 'Allowed' },
    { who: 'rotate', action: 'secretsmanager:GetSecretValue', resource: r.logins.revoke, expected: 'ImplicitlyDenied' },
    { who: 'scheduler', action: 'lambda:InvokeFunction', resource: r.fn('rotate')!.arn, expected: 'Allowed' },
    { who: 'scheduler', action: 'lambda:InvokeFunction', resource: r.fn('revoke')!.arn, expected: 'ImplicitlyDenied' },
    { who: 'scheduler', action: 'lambda:InvokeFunction', resource: r.fn('usage-summary')!.arn, expected: 'Allowed' },
    { who: 'usage-summary', action: 'secretsmanager:GetSecretValue', resource: r.webhookSecret, expected: 'Allowed' },
    { who: 'usage-summary', action: 'secretsmanager:GetSecretValue', resource: r.logins.revoke, expected: 'ImplicitlyDenied' },
    { who: 'usage-summary', action: 'secretsmanager:GetSecretValue', resource: r.deliveries[0], expected: 'ImplicitlyDenied' },
    { who: 'usage-summary', action: 'logs:PutLogEvents', resource: r.callLogStream, expected: 'ImplicitlyDenied' },
    { who: 'revoke', action: 'secretsmanager:GetSecretValue', resource: r.webhookSecret, expected: r.webhook ? 'Allowed' : 'ImplicitlyDenied' },
    ...(r.gateway
      ? [
          { who: 'gateway' as const, action: 'dynamodb:GetItem', resource: r.gatewayTable, expected: 'Allowed' as const },
          { who: 'gateway' as const, action: 'dynamodb:PutItem', resource: r.gatewayTable, expected: 'ImplicitlyDenied' as const },
          { who: 'gateway' as const, action: 'dynamodb:DeleteItem', resource: r.gatewayTable, expected: 'ImplicitlyDenied' as const },
          { who: 'gateway' as const, action: 'dynamodb:Scan', resource: r.gatewayTable, expected: 'ImplicitlyDenied' as const },
          { who: 'gateway' as const, action: 'secretsmanager:GetSecretValue', resource: r.deliveries[0], expected: 'ImplicitlyDenied' as const },
          { who: 'gateway' as const, action: 'secretsmanager:GetSecretValue', resource: r.logins.revoke, expected: 'ImplicitlyDenied' as const },
          ...r.gatewayKeys.map((k) => ({
            who: 'gateway' as const,
            action: 'secretsmanager:GetSecretValue',
            resource: k,
            expected: 'ImplicitlyDenied' as const,
          })),
          ...(r.directCallLogStream
            ? [{ who: 'gateway' as const, action: 'logs:PutLogEvents', resource: r.directCallLogStream, expected: 'ImplicitlyDenied' as const }]
            : []),
          { who: 'usage-summary' as const, action: 'dynamodb:GetItem', resource: r.gatewayTable, expected: 'ImplicitlyDenied' as const },
        ]
      : []),
    ...(table.fleet.settings.cloudTrail
      ? [
          { who: 'cloudtrail' as const, action: 'logs:PutLogEvents', resource: r.trailStream, expected: 'Allowed' as const },
          { who: 'cloudtrail' as const, action: 'logs:PutLogEvents', resource: r.callLogStream, expected: 'ImplicitlyDenied' as const },
          {
            who: 'cloudtrail' as const,
            action: 'logs:DeleteLogGroup',
            resource: arn('logs', `log-group:/scoped-agents/${r.fleet}/cloudtrail`),
            expected: 'ImplicitlyDenied' as const,
          },
        ]
      : []),
    ...(r.webhook
      ? [
          { who: 'notify' as const, action: 'secretsmanager:GetSecretValue', resource: r.webhookSecret, expected: 'Allowed' as const },
          { who: 'notify' as const, action: 'secretsmanager:GetSecretValue', resource: r.logins.revoke, expected: 'ImplicitlyDenied' as const },
          { who: 'notify' as const, action: 'secretsmanager:GetSecretValue', resource: r.deliveries[0], expected: 'ImplicitlyDenied' as const },
        ]
      : []),
  ];
  test.each(byHand.map((c) => [`${c.who}: ${c.action} on ${c.resource} is ${c.expected}`, c] as const))('by hand: %s', async (_name, c) => {
    const role = table.roles.find((x) => x.component === c.who)!;
    expect(await asRole(role, table, c.action, c.resource)).toBe(c.expected);
  });

  if (table.fleet.settings.gateway) {
    // DynamoDB sets dynamodb:LeadingKeys to the item's partition key on every item write.
    test.each([
      ['dynamodb:PutItem', 'key#0123abcd', 'Allowed'],
      ['dynamodb:UpdateItem', 'key#0123abcd', 'Allowed'],
      ['dynamodb:PutItem', 'agent#lead-enricher', 'ImplicitlyDenied'],
      ['dynamodb:UpdateItem', 'rate#lead-enricher#29000000', 'ImplicitlyDenied'],
    ] as const)("rotate: %s of the item %s in the gateway's table is %s", async (action, key, expected) => {
      const role = table.roles.find((x) => x.component === 'rotate')!;
      expect(await asRole(role, table, action, r.gatewayTable, { 'dynamodb:LeadingKeys': key })).toBe(expected);
    });
  }
});
