import { ApproleAuthBackendRole } from '@cdktf/provider-vault/lib/approle-auth-backend-role';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Fleet, parseVaultPolicy } from '../../model';
import { loadFleet } from '../../table';
import { agentOwnPaths, vaultPathMatches } from '../support/vault-paths';
import { byName, deref, synthFleet, TerraformJson } from '../synth-helpers';

let fleet: Fleet;
let json: string;
let tf: TerraformJson;

beforeAll(async () => {
  fleet = await loadFleet({ table: 'agents.yaml' });
  ({ json, tf } = synthFleet(fleet));
});

const SELF_SERVICE = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
];

describe('the seed fleet (agents.yaml)', () => {
  // toBeValidTerraform would run `terraform validate`, which needs the providers (not downloadable here);
  // test/integration/terraform-gate.test.ts loads the stacks with Terraform.
  test('declares the shared backends and the Terraform version write-only attributes need', () => {
    expect(json).toHaveResourceWithProperties(Mount, { path: 'kv', type: 'kv', options: { version: '2' } });
    expect(json).toHaveResourceWithProperties(AuthBackend, { path: 'approle', type: 'approle' });
    expect(Object.keys(tf.resource.vault_aws_secret_backend)).toHaveLength(1);
    expect(tf.terraform?.required_version).toBe('>= 1.11.0');
  });

  test('gives each agent exactly one Vault policy, with exactly its grants', () => {
    const policies = byName(tf, 'vault_policy');
    expect(
      Object.keys(policies)
        .filter((n) => n.startsWith('agent-'))
        .sort(),
    ).toEqual(['agent-email-notifier', 'agent-invoice-summarizer', 'agent-lead-enricher']);
    const rules = (name: string) => parseVaultPolicy(String(policies[name].policy));
    // The gateway holds their SaaS credentials: their own policies only maintain their tokens.
    expect(rules('agent-lead-enricher')).toEqual([...SELF_SERVICE]);
    expect(rules('agent-email-notifier')).toEqual([...SELF_SERVICE]);
    expect(rules('agent-invoice-summarizer')).toEqual([...SELF_SERVICE, { path: 'aws/creds/agent-invoice-summarizer', capabilities: ['read'] }]);
  });

  test("no agent's policy reaches another agent's paths, by Vault's own path matching (globs, + segments)", () => {
    for (const body of Object.values(tf.resource.vault_policy).filter((p) => String(p.name).startsWith('agent-'))) {
      const owner = String(body.name).replace(/^agent-/, '');
      for (const other of fleet.agents.map((a) => a.name).filter((n) => n !== owner)) {
        const theirs = agentOwnPaths(tf, other);
        expect(theirs.length).toBeGreaterThan(2);
        const reached = parseVaultPolicy(String(body.policy)).flatMap((rule) =>
          theirs.filter((path) => vaultPathMatches(rule.path, path)).map((path) => `${rule.path} reaches ${path}`),
        );
        expect({ policy: body.name, of: other, reached }).toEqual({ policy: body.name, of: other, reached: [] });
      }
    }
  });

  test('the same check finds a + segment in a policy that reaches another agent', () => {
    const policy = byName(tf, 'vault_policy')['agent-email-notifier'];
    const rules = parseVaultPolicy(`${String(policy.policy)}\npath "kv/data/agents/+/hubspot" {\n  capabilities = ["read"]\n}\n`);
    const reached = rules.flatMap((rule) =>
      agentOwnPaths(tf, 'lead-enricher')
        .filter((p) => vaultPathMatches(rule.path, p))
        .map((p) => `${rule.path} reaches ${p}`),
    );
    expect(reached).toEqual(['kv/data/agents/+/hubspot reaches kv/data/agents/lead-enricher/hubspot']);
  });

  test.each([
    ['kv/data/agents/+/hubspot', 'kv/data/agents/lead-enricher/hubspot', true],
    ['kv/data/agents/*', 'kv/data/agents/lead-enricher/hubspot', true],
    ['kv/data/agents/lead-*', 'kv/data/agents/lead-enricher/hubspot', true],
    ['kv/data/+/+/hubspot', 'kv/data/agents/lead-enricher/hubspot', true],
    ['auth/approle/role/+/secret-id', 'auth/approle/role/agent-lead-enricher/secret-id', true],
    ['kv/data/agents/email-notifier/sendgrid', 'kv/data/agents/lead-enricher/hubspot', false],
    ['kv/data/agents/+', 'kv/data/agents/lead-enricher/hubspot', false],
    ['kv/data/agents/lead-enricher/hubspot/*', 'kv/data/agents/lead-enricher/hubspot', false],
  ])('the reachability test reads %s as Vault does (covers %s: %s)', (pattern, path, covers) => {
    expect(vaultPathMatches(pattern, path)).toBe(covers);
  });

  test.each(['email-notifier', 'invoice-summarizer', 'lead-enricher'])(
    '%s logs in with an AppRole role of TTL 900 s, max 3600 s and only its own policy',
    (agent) => {
      const role = byName(tf, 'vault_approle_auth_backend_role', 'role_name')[`agent-${agent}`];
      expect(role).toMatchObject({
        token_ttl: 900,
        token_max_ttl: 3600,
        token_explicit_max_ttl: 3600,
        token_no_default_policy: true,
        token_type: 'service',
        bind_secret_id: true,
        secret_id_ttl: 25 * 3600,
      });
      const policies = role.token_policies as string[];
      expect(policies).toHaveLength(1);
      expect(deref(tf, policies[0])).toBe(`agent-${agent}`);
      expect(deref(tf, String(role.backend))).toBe('approle');
      expect(role).not.toHaveProperty('secret_id_bound_cidrs');
    },
  );

  test('keeps each SaaS credential in its own KV entry whose value never reaches state', () => {
    expect(json).toHaveResourceWithProperties(KvSecretV2, {
      name: 'agents/lead-enricher/hubspot',
      data_json_wo: '${var.seed__lead_enricher__hubspot}',
      data_json_wo_version: 1,
      disable_read: true,
      custom_metadata: {
        max_versions: 10,
        cas_required: false,
        data: {
          agent: 'lead-enricher',
          owner: 'growth@acme.example',
          platform: 'claude',
          scopes: 'crm.contacts.read,crm.tags.write',
          'managed-by': 'scoped-agents',
        },
      },
    });
    const entries = byName(tf, 'vault_kv_secret_v2');
    expect(Object.keys(entries).sort()).toEqual(['agents/email-notifier/sendgrid', 'agents/lead-enricher/hubspot']);
    for (const entry of Object.values(entries)) {
      expect(entry).not.toHaveProperty('data_json');
      expect(deref(tf, String(entry.mount))).toBe('kv');
    }
    expect(tf.variable?.seed__lead_enricher__hubspot).toEqual({
      type: 'string',
      sensitive: true,
      ephemeral: true,
      nullable: false,
      default: '{}',
      description: expect.stringContaining('Never stored in state'),
    });
  });

  test('gives only invoice-summarizer an IAM role, with exactly s3:ListBucket on the bucket and s3:PutObject on uploads/*', () => {
    expect(Object.keys(byName(tf, 'aws_iam_role')).filter((n) => n.startsWith('agent-'))).toEqual(['agent-invoice-summarizer']);
    expect(json).toHaveResourceWithProperties(IamRole, { name: 'agent-invoice-summarizer', max_session_duration: 3600 });
    const policy = byName(tf, 'aws_iam_role_policy')['agent-invoice-summarizer'];
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'StorageBucketsRead', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-invoices'] },
        { Sid: 'StorageObjectsCreate', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-invoices/uploads/*'] },
      ],
    });
    const role = byName(tf, 'aws_iam_role')['agent-invoice-summarizer'];
    expect(policy.role).toBe(`\${aws_iam_role.${role['//id']}.id}`);
  });

  test("trusts only Vault's AWS secrets engine, which issues sessions of the table's TTL", () => {
    const role = byName(tf, 'aws_iam_role')['agent-invoice-summarizer'];
    expect(JSON.parse(String(role.assume_role_policy))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'OnlyItsOnePrincipal', Effect: 'Allow', Principal: { AWS: '${var.vault_aws_broker_principal_arn}' }, Action: 'sts:AssumeRole' }],
    });
    const broker = byName(tf, 'vault_aws_secret_backend_role')['agent-invoice-summarizer'];
    expect(broker).toMatchObject({
      credential_type: 'assumed_role',
      default_sts_ttl: 900,
      max_sts_ttl: 3600,
      role_arns: [`\${aws_iam_role.${role['//id']}.arn}`],
    });
    expect(deref(tf, String(broker.backend))).toBe('aws');
  });

  test('synthesizes byte-identical JSON twice', () => {
    expect(synthFleet(fleet).json).toBe(json);
  });

  test('writes no provider configuration literal', () => {
    expect(tf.provider).toEqual({
      aws: [{ default_tags: [{ tags: { fleet: 'scoped-agents', 'managed-by': 'scoped-agents' } }] }],
      vault: [{}],
    });
  });
});

describe('AgentFleet', () => {
  test('declares no AWS secrets engine, agent IAM role or broker variable when no agent needs AWS', async () => {
    const noAws = { ...fleet, agents: fleet.agents.filter((a) => a.name !== 'invoice-summarizer') };
    const { tf: out } = synthFleet(noAws);
    expect(out.resource.vault_aws_secret_backend).toBeUndefined();
    expect(Object.values(out.resource.aws_iam_role).filter((r) => (r.tags as Record<string, string>).agent !== undefined)).toEqual([]);
    expect(out.variable).not.toHaveProperty('vault_aws_broker_principal_arn');
    // The fleet's own operations (key, topic, functions) always deploy to AWS.
    expect(out.provider).toHaveProperty('aws');
  });

  test("uses the table's fleet settings for every mount and path", async () => {
    const custom: Fleet = { ...fleet, settings: { ...fleet.settings, name: 'acme', kvMount: 'agent-kv', appRoleMount: 'agent-login', awsMount: 'agent-aws' } };
    const { json: out, tf: parsed } = synthFleet(custom);
    expect(out).toHaveResourceWithProperties(Mount, { path: 'agent-kv' });
    expect(out).toHaveResourceWithProperties(ApproleAuthBackendRole, { role_name: 'agent-lead-enricher' });
    const policy = byName(parsed, 'vault_policy')['agent-invoice-summarizer'];
    expect(parseVaultPolicy(String(policy.policy))).toContainEqual({ path: 'agent-aws/creds/agent-invoice-summarizer', capabilities: ['read'] });
  });
});

/**
 * The synthesized JSON with the functions' bundle hashes replaced by `<bundle hash>`:
 * the snapshot reviews the infrastructure, and must not change with every edit
 * of the function code (its hash is proven to follow the code elsewhere).
 */
function withoutAssetHashes(text: string): unknown {
  const lambdas = (JSON.parse(text) as TerraformJson).resource.aws_lambda_function ?? {};
  let out = text;
  for (const fn of Object.values(lambdas)) out = out.split(String(fn.source_code_hash)).join('<bundle hash>');
  return JSON.parse(out);
}

describe('a representative table, whole', () => {
  // The snapshot shows a reviewer the entire output at once; the tests above pin each grant.
  test('the fixture fleet synthesizes to the reviewed JSON', async () => {
    const fixture = await loadFleet({ table: 'test/fixtures/fleet.yaml' });
    const { json: whole, tf: out } = synthFleet(fixture);
    // What the snapshot must hold, counted from the table by hand: 5 agents (4 log in with AppRole, release-bot
    // with GitHub's OIDC token; data-loader, release-bot and deal-scorer have IAM roles), alarms announced through
    // AWS Chatbot (no notify function), the fleet's own trail.
    const counts = Object.fromEntries(Object.entries(out.resource).map(([type, blocks]) => [type, Object.keys(blocks).length]));
    expect(counts).toMatchObject({
      vault_policy: 5 + 2, // each agent's, the revoke and rotate functions'
      vault_approle_auth_backend_role: 4 + 2, // the AppRole agents', the functions'
      vault_jwt_auth_backend_role: 1, // release-bot
      vault_kv_secret_v2: 3, // ticket-triager's jira and slack, report-writer's slack (salesforce is kept in AWS)
      aws_iam_role: 3 + 3 + 3, // agents', functions' (revoke, rotate, usage-summary), scheduler, chatbot, trail delivery
      aws_lambda_function: 3,
      aws_cloudwatch_metric_alarm: 5 * 4, // call-rate, denied-rate, orphan, rotation-failure for each agent
      aws_cloudwatch_log_metric_filter: 5 * 2 + 3 * 2, // calls and denied on each call log, and on the trail per agent role
      aws_scheduler_schedule: 5 + 1, // each agent's rotation, the daily usage summary
      aws_secretsmanager_secret_rotation: 1, // deal-scorer's salesforce credential
      github_repository_file: 5, // a runbook per agent in acme/runbooks
      aws_cloudtrail: 1,
      aws_chatbot_slack_channel_configuration: 1,
    });
    expect(
      Object.values(out.resource.aws_lambda_function)
        .map((f) => f.function_name)
        .sort(),
    ).toEqual(['acme-agents-revoke', 'acme-agents-rotate', 'acme-agents-usage-summary']);
    expect(Object.keys(out.variable ?? {}).sort()).toEqual([
      'seed__report_writer__slack',
      'seed__ticket_triager__jira',
      'seed__ticket_triager__slack',
      'vault_aws_broker_principal_arn',
    ]);
    expect(withoutAssetHashes(whole)).toMatchSnapshot();
  });
});
