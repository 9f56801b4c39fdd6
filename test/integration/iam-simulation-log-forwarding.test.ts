/**
 * Proof by simulation of the two roles of the fleet's log forwarding, read
 * back from the synthesized `cdk.tf.json` of test/fixtures/log-forwarding.yaml
 * and evaluated by the IAM policy simulator (as iam-simulation-fleet.test.ts
 * does for the fleet's other roles).
 *
 * The oracle is the design, written here:
 * - Firehose's role (`<fleet>-siem-firehose`) may write objects of its backup
 *   bucket (and list it, find its region, abort its uploads), read the
 *   endpoint's access key, and use the fleet key only through S3 and Secrets
 *   Manager; nothing else: not the trail's bucket, not another secret, not
 *   delete or read back a backup. Only Firehose, for this account, assumes it.
 * - CloudWatch Logs' role (`<fleet>-siem-logs`) may put records to the one
 *   stream, nothing else. Only CloudWatch Logs of this account and region
 *   assumes it, and only for the fleet's own log groups.
 */
import { actionsApplicableTo, decide, Decision, PROOF_ACCOUNT } from '../support/iam-simulator';
import { SynthesizedStack, synthesizeTable } from '../support/synthesized';
import { bucketName, keyArn, PROOF_REGION, resolveReferences, secretArn } from '../support/terraform-refs';

const OTHER_ACCOUNT = '210987654321';
const FLEET = 'siem-demo';
const arn = (service: string, resource: string): string =>
  service === 'iam' ? `arn:aws:iam::${PROOF_ACCOUNT}:${resource}` : `arn:aws:${service}:${PROOF_REGION}:${PROOF_ACCOUNT}:${resource}`;

interface Role {
  readonly name: string;
  readonly arn: string;
  readonly session: string;
  readonly policies: readonly unknown[];
  readonly trust: unknown;
}

let stack: SynthesizedStack;
let roles: Record<string, Role>;
let key: { arn: string; policy: unknown };

beforeAll(async () => {
  const { stacks } = await synthesizeTable({ table: 'test/fixtures/log-forwarding.yaml' });
  expect(stacks.map((s) => s.name)).toEqual([FLEET]);
  stack = stacks[0];
  const resources = stack.json.resource ?? {};
  roles = {};
  for (const [id, r] of Object.entries(resources.aws_iam_role ?? {})) {
    if ((r.tags as Record<string, string>).component !== 'log-forwarding') continue;
    const name = String(r.name);
    const policies = Object.values(resources.aws_iam_role_policy ?? {})
      .filter((p) => p.role === `\${aws_iam_role.${id}.id}`)
      .map((p) => JSON.parse(resolveReferences(stack, String(p.policy))));
    roles[name] = {
      name,
      arn: arn('iam', `role/${name}`),
      session: `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/${name}/proof-session`,
      policies,
      trust: JSON.parse(resolveReferences(stack, String(r.assume_role_policy))),
    };
  }
  const [keyId, keyBody] = Object.entries(resources.aws_kms_key ?? {})[0];
  key = { arn: keyArn(keyId), policy: JSON.parse(resolveReferences(stack, String(keyBody.policy))) };
}, 60_000);

// The fleet's resources, named as AWS would name them.
const backupBucket = `arn:aws:s3:::${bucketName(`${FLEET}-siem-`)}`;
const trailBucket = `arn:aws:s3:::${bucketName(`${FLEET}-trail-`)}`;
const accessKey = secretArn(`scoped-agents/${FLEET}/siem-access-key`);
const stream = arn('firehose', `deliverystream/${FLEET}-siem`);

/** One thing a role may do: an action on a resource pattern (exact, or ending in `*`), maybe only with a context. */
interface Entitlement {
  readonly action: string;
  readonly resource: string;
}

const DESIGN: Record<string, readonly Entitlement[]> = {
  [`${FLEET}-siem-firehose`]: [
    ...['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'].map((action) => ({ action, resource: backupBucket })),
    ...['s3:AbortMultipartUpload', 's3:PutObject'].map((action) => ({ action, resource: `${backupBucket}/*` })),
    { action: 'secretsmanager:GetSecretValue', resource: accessKey },
  ],
  [`${FLEET}-siem-logs`]: ['firehose:PutRecord', 'firehose:PutRecordBatch'].map((action) => ({ action, resource: stream })),
};

const covers = (pattern: string, resource: string): boolean => pattern === resource || (pattern.endsWith('*') && resource.startsWith(pattern.slice(0, -1)));
const entitled = (role: string, action: string, resource: string): boolean =>
  DESIGN[role].some((e) => e.action.toLowerCase() === action.toLowerCase() && covers(e.resource, resource));

/** Every resource the proof asks about: the stream's own, and neighbours that must stay out of reach. */
const TARGETS: readonly { resource: string; why: string }[] = [
  { resource: backupBucket, why: 'the backup bucket' },
  { resource: `${backupBucket}/failed/2026/12/04/x`, why: 'a backed-up record' },
  { resource: trailBucket, why: "the trail's bucket" },
  { resource: `${trailBucket}/AWSLogs/${PROOF_ACCOUNT}/x`, why: "a trail's log file" },
  { resource: 'arn:aws:s3:::acme-invoices', why: 'another bucket' },
  { resource: accessKey, why: "the endpoint's access key" },
  { resource: secretArn(`scoped-agents/${FLEET}/notify-webhook`), why: 'the webhook' },
  { resource: secretArn(`scoped-agents/${FLEET}/functions/revoke/vault-login`), why: "revoke's Vault login" },
  { resource: stream, why: 'the stream' },
  { resource: arn('firehose', 'deliverystream/another-stream'), why: 'another stream' },
  { resource: arn('logs', `log-group:/scoped-agents/${FLEET}/agents/lead-enricher:log-stream:s`), why: "a stream of an agent's call log" },
  { resource: arn('iam', `role/${FLEET}-siem-firehose`), why: "Firehose's role" },
];

const asRole = (role: Role, action: string, resource: string, context?: Record<string, string>): Promise<Decision> =>
  decide({
    principal: role.session,
    identityPolicies: role.policies,
    action,
    resource,
    context,
    resourcePolicy: resource === key.arn ? key.policy : undefined,
  });

test('the fleet has exactly the two log forwarding roles, each with one inline policy', () => {
  expect(Object.keys(roles).sort()).toEqual([`${FLEET}-siem-firehose`, `${FLEET}-siem-logs`]);
  for (const role of Object.values(roles)) expect([role.name, role.policies.length]).toEqual([role.name, 1]);
});

describe.each([`${FLEET}-siem-firehose`, `${FLEET}-siem-logs`])('%s', (name) => {
  test.each(TARGETS.map((t) => [`${t.resource} (${t.why})`, t.resource] as const))(
    'of all the actions that act on %s, allows exactly those of its design',
    async (_label, resource) => {
      const actions = await actionsApplicableTo(resource);
      expect(actions.length).toBeGreaterThan(0);
      const allowed: string[] = [];
      for (const action of actions) if ((await asRole(roles[name], action, resource)) === 'Allowed') allowed.push(action);
      expect(allowed).toEqual(actions.filter((a) => entitled(name, a, resource)));
    },
    60_000,
  );

  test('uses the fleet key only as its design says, and no other key', async () => {
    const firehose = name.endsWith('-firehose');
    for (const service of ['s3', 'secretsmanager', 'lambda', 'sqs']) {
      const via = { 'kms:ViaService': `${service}.${PROOF_REGION}.amazonaws.com` };
      const expected = firehose && (service === 's3' || service === 'secretsmanager') ? 'Allowed' : 'ImplicitlyDenied';
      for (const action of ['kms:Decrypt', 'kms:GenerateDataKey'])
        expect([service, action, await asRole(roles[name], action, key.arn, via)]).toEqual([service, action, expected]);
      for (const action of ['kms:Encrypt', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'])
        expect([service, action, await asRole(roles[name], action, key.arn, via)]).toEqual([service, action, 'ImplicitlyDenied']);
    }
    // Outside any service: not even the documented two.
    expect(await asRole(roles[name], 'kms:Decrypt', key.arn)).toBe('ImplicitlyDenied');
    const other = arn('kms', 'key/00000000-0000-4000-8000-000000000000');
    expect(await asRole(roles[name], 'kms:Decrypt', other, { 'kms:ViaService': `s3.${PROOF_REGION}.amazonaws.com` })).toBe('ImplicitlyDenied');
  });
});

describe("Firehose's role", () => {
  const ask = (principal: string, context: Record<string, string>): Promise<Decision> =>
    decide({
      principal,
      identityPolicies: [],
      action: 'sts:AssumeRole',
      resource: roles[`${FLEET}-siem-firehose`].arn,
      resourcePolicy: roles[`${FLEET}-siem-firehose`].trust,
      context,
    });

  test('is assumed by Firehose on behalf of this account only', async () => {
    expect(await ask('firehose.amazonaws.com', { 'sts:ExternalId': PROOF_ACCOUNT })).toBe('Allowed');
    expect(await ask('firehose.amazonaws.com', { 'sts:ExternalId': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
    expect(await ask('firehose.amazonaws.com', {})).toBe('ImplicitlyDenied');
    for (const principal of [
      `logs.${PROOF_REGION}.amazonaws.com`,
      'lambda.amazonaws.com',
      `arn:aws:iam::${PROOF_ACCOUNT}:root`,
      `arn:aws:iam::${OTHER_ACCOUNT}:root`,
    ])
      expect([principal, await ask(principal, { 'sts:ExternalId': PROOF_ACCOUNT })]).toEqual([principal, 'ImplicitlyDenied']);
  });
});

describe("CloudWatch Logs' role", () => {
  const group = (name: string, region = PROOF_REGION, account = PROOF_ACCOUNT): string => `arn:aws:logs:${region}:${account}:log-group:${name}`;
  const ask = (principal: string, sourceArn: string, account = PROOF_ACCOUNT): Promise<Decision> =>
    decide({
      principal,
      identityPolicies: [],
      action: 'sts:AssumeRole',
      resource: roles[`${FLEET}-siem-logs`].arn,
      resourcePolicy: roles[`${FLEET}-siem-logs`].trust,
      context: { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn },
    });
  const logs = `logs.${PROOF_REGION}.amazonaws.com`;

  test.each([
    `/scoped-agents/${FLEET}/agents/lead-enricher`,
    `/scoped-agents/${FLEET}/agents/an-agent-of-another-shard`,
    `/scoped-agents/${FLEET}/gateway`,
    `/scoped-agents/${FLEET}/cloudtrail`,
    ...['gateway', 'notify', 'revoke', 'rotate', 'usage-summary'].map((r) => `/aws/lambda/${FLEET}-${r}`),
  ])('is assumed by CloudWatch Logs for %s (with and without :*)', async (name) => {
    expect(await ask(logs, group(name))).toBe('Allowed');
    expect(await ask(logs, `${group(name)}:*`)).toBe('Allowed');
  });

  test.each([
    ['a group of another fleet', group(`/scoped-agents/${FLEET}-other/agents/lead-enricher`)],
    ['a function log of another name', group(`/aws/lambda/${FLEET}-revoke2`)],
    ['a log group of the account outside the fleet', group('/aws/lambda/payments')],
    ['the same group in another region', group(`/scoped-agents/${FLEET}/agents/lead-enricher`, 'us-east-1')],
  ])('is not assumed for %s', async (_why, sourceArn) => {
    expect(await ask(logs, sourceArn)).toBe('ImplicitlyDenied');
  });

  test('is assumed by no one else, nor on behalf of another account', async () => {
    const own = group(`/scoped-agents/${FLEET}/agents/lead-enricher`);
    expect(await ask(logs, own, OTHER_ACCOUNT)).toBe('ImplicitlyDenied');
    for (const principal of ['logs.us-east-1.amazonaws.com', 'firehose.amazonaws.com', 'lambda.amazonaws.com', `arn:aws:iam::${PROOF_ACCOUNT}:root`])
      expect([principal, await ask(principal, own)]).toEqual([principal, 'ImplicitlyDenied']);
  });
});
