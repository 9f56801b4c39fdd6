import { SynthOutput, TerraformJson } from '../../review/synth-output';
import { Finding, Rule, RULES } from '../../review/rules';
import {
  agentAlarms,
  encryptedLogsAndTopics,
  noLiteralSecret,
  noVaultGlobPath,
  noVaultSudoOrSys,
  noWildcardAction,
  noWildcardResource,
  oneCredentialSetPerAgent,
  rotationManual,
  rotationScheduled,
  tokenTtlWithinCeilings,
} from '../../review/rules';
import { PROOF_TABLES, synthesizeTable } from '../support/synthesized';
import { add, all, cloneJson, editPolicy, find, memoryOutput, ref, remove, Synthesized } from './support/review-fixtures';

/**
 * One harness for every rule, in the manner of cdk-nag's: compliant cases
 * (the synthesized seed and fixture) and non-compliant cases (hand-made
 * variants of the synthesized JSON, each breaking the rule one way), asserting
 * the exact resource, agent and grant of each finding.
 */

let seed: Synthesized;
let fixture: Synthesized;

beforeAll(async () => {
  seed = await synthesizeTable(PROOF_TABLES[0].files);
  fixture = await synthesizeTable(PROOF_TABLES[1].files);
});

/** The seed (or fixture) output with one hand edit. */
function variant(change: (json: TerraformJson) => void, base: () => Synthesized = () => seed): SynthOutput {
  const json = cloneJson(base().stacks[0]);
  change(json);
  return memoryOutput([{ name: base().stacks[0].name, json }]);
}

/** A rule's findings as (resource, agent, grant), sorted: rules report in any order, the check sorts. */
async function findings(rule: Rule, output: SynthOutput): Promise<Pick<Finding, 'resource' | 'agent' | 'grant'>[]> {
  return sorted((await rule.evaluate(output)).map((f) => ({ resource: f.resource, agent: f.agent, grant: f.grant })));
}

function sorted<T extends { resource: string; grant?: string }>(xs: T[]): T[] {
  const key = (x: T): string => `${x.resource}\u0000${x.grant ?? ''}`;
  return [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const VAULT_SUDO = '\n# injected\npath "sys/mounts" {\n  capabilities = ["read"]\n}\n';

describe('the pack', () => {
  test('lists every rule once, each with an id, a one-line compliant condition, an explanation and controls in all three frameworks', () => {
    expect(RULES.map((r) => r.id)).toEqual([
      'no-wildcard-action',
      'no-wildcard-resource',
      'no-vault-sudo-or-sys',
      'no-vault-glob-path',
      'token-ttl-within-ceilings',
      'one-credential-set-per-agent',
      'rotation-scheduled',
      'rotation-manual',
      'agent-alarms',
      'saas-calls-through-gateway',
      'no-literal-secret',
      'encrypted-logs-and-topics',
    ]);
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
      expect(r.compliant).not.toContain('\n');
      expect(r.explanation.length).toBeGreaterThan(80);
      expect(r.controls.soc2.length).toBeGreaterThan(0);
      expect(r.controls.iso27001.every((c) => /^A\.\d+\.\d+$/.test(c))).toBe(true);
      expect(r.controls.nist80053.every((c) => /^[A-Z]{2}-\d+(\(\d+\))?$/.test(c))).toBe(true);
    }
  });

  test.each(RULES.filter((r) => r.id !== 'no-wildcard-resource').map((r) => [r.id, r] as const))(
    '%s: the seed and the fixture are compliant',
    async (_id, rule) => {
      expect(await findings(rule, memoryOutput(seed.stacks))).toEqual(sorted([]));
      expect(await findings(rule, memoryOutput(fixture.stacks))).toEqual(sorted([]));
    },
  );
});

describe('no-wildcard-action', () => {
  test('fails when an agent policy allows s3:*', async () => {
    const out = variant((json) =>
      editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) => (doc.Statement[0].Action = ['s3:*'])),
    );
    expect(await findings(noWildcardAction, out)).toEqual(
      sorted([{ resource: 'aws_iam_role_policy/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 's3:*' }]),
    );
  });

  test('fails when a function policy uses NotAction', async () => {
    const out = variant((json) =>
      editPolicy(find(json, 'aws_iam_role_policy', 'name', 'scoped-agents-notify').body, (doc) => {
        doc.Statement[0] = { Effect: 'Allow', NotAction: ['iam:*'], Resource: ['*'] };
      }),
    );
    expect(await findings(noWildcardAction, out)).toEqual(
      sorted([{ resource: 'aws_iam_role_policy/scoped-agents-notify', agent: undefined, grant: 'NotAction iam:*' }]),
    );
  });

  test('fails closed on a policy it cannot read', async () => {
    const out = variant((json) => (find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body.policy = 'not json'));
    expect(await findings(noWildcardAction, out)).toEqual(
      sorted([{ resource: 'aws_iam_role_policy/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: undefined }]),
    );
  });
});

describe('no-wildcard-resource', () => {
  test('passes every agent policy of the seed and the fixture (path wildcards below a named bucket are allowed)', async () => {
    for (const s of [seed, fixture]) expect((await findings(noWildcardResource, memoryOutput(s.stacks))).filter((f) => f.agent)).toEqual([]);
  });

  test('passes an action AWS grants on * only', async () => {
    const out = variant((json) =>
      editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) =>
        doc.Statement.push({ Sid: 'Trace', Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: ['*'] }),
      ),
    );
    expect((await findings(noWildcardResource, out)).filter((f) => f.agent)).toEqual([]);
  });

  test('fails on *, on a wildcard bucket, and on NotResource', async () => {
    const out = variant((json) =>
      editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) => {
        doc.Statement[0].Resource = ['*'];
        doc.Statement[1].Resource = ['arn:aws:s3:::acme-*/uploads/*'];
        doc.Statement.push({ Effect: 'Allow', Action: ['s3:GetObject'], NotResource: ['arn:aws:s3:::secret-bucket/*'] });
      }),
    );
    expect((await findings(noWildcardResource, out)).filter((f) => f.agent)).toEqual(
      sorted([
        { resource: 'aws_iam_role_policy/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 's3:ListBucket on *' },
        { resource: 'aws_iam_role_policy/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 's3:PutObject on arn:aws:s3:::acme-*/uploads/*' },
        { resource: 'aws_iam_role_policy/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 'NotResource arn:aws:s3:::secret-bucket/*' },
      ]),
    );
  });
});

describe('no-vault-sudo-or-sys', () => {
  test('passes the revoke function, whose policy needs sys/policies/acl/agent-*: the rule reads agent policies only', async () => {
    const revoke = find(seed.stacks[0].json, 'vault_policy', 'name', 'scoped-agents-revoke').body.policy as string;
    expect(revoke).toContain('sys/policies/acl/agent-');
    expect(await findings(noVaultSudoOrSys, memoryOutput(seed.stacks))).toEqual(sorted([]));
  });

  test('fails on a sys/ path, on sudo, and on a glob reaching sys/', async () => {
    const out = variant((json) => {
      const policy = find(json, 'vault_policy', 'name', 'agent-lead-enricher').body;
      policy.policy =
        String(policy.policy).replace('capabilities = ["update"]', 'capabilities = ["sudo", "update"]') +
        VAULT_SUDO +
        '\npath "s*" {\n  capabilities = ["read"]\n}\n';
    });
    expect(await findings(noVaultSudoOrSys, out)).toEqual(
      sorted([
        { resource: 'vault_policy/agent-lead-enricher', agent: 'lead-enricher', grant: 'sudo on auth/token/renew-self' },
        { resource: 'vault_policy/agent-lead-enricher', agent: 'lead-enricher', grant: 'read on s*' },
        { resource: 'vault_policy/agent-lead-enricher', agent: 'lead-enricher', grant: 'read on sys/mounts' },
      ]),
    );
  });

  test('fails closed on a path block it cannot read', async () => {
    const out = variant((json) => {
      const policy = find(json, 'vault_policy', 'name', 'agent-lead-enricher').body;
      policy.policy = `${String(policy.policy)}\npath "sys/raw" {\n  allowed_parameters = {}\n  capabilities = ["read"]\n}\n`;
    });
    expect(await findings(noVaultSudoOrSys, out)).toEqual(sorted([{ resource: 'vault_policy/agent-lead-enricher', agent: 'lead-enricher', grant: undefined }]));
  });
});

describe('no-vault-glob-path', () => {
  test('fails on a prefix glob and a segment glob', async () => {
    const out = variant((json) => {
      const policy = find(json, 'vault_policy', 'name', 'agent-email-notifier').body;
      policy.policy = `${String(policy.policy)}\npath "kv/data/agents/*" {\n  capabilities = ["read"]\n}\n\npath "kv/data/+/x" {\n  capabilities = ["read"]\n}\n`;
    });
    expect(await findings(noVaultGlobPath, out)).toEqual(
      sorted([
        { resource: 'vault_policy/agent-email-notifier', agent: 'email-notifier', grant: 'read on kv/data/+/x' },
        { resource: 'vault_policy/agent-email-notifier', agent: 'email-notifier', grant: 'read on kv/data/agents/*' },
      ]),
    );
  });
});

describe('token-ttl-within-ceilings', () => {
  test('fails on a TTL above the ceiling, a missing max TTL, periodic tokens, and an STS TTL above the ceiling', async () => {
    const out = variant((json) => {
      const lead = find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-lead-enricher').body;
      lead.token_ttl = 7200;
      const email = find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-email-notifier').body;
      delete email.token_max_ttl;
      delete email.token_explicit_max_ttl;
      find(json, 'vault_approle_auth_backend_role', 'role_name', 'scoped-agents-rotate').body.token_period = 3600;
      find(json, 'vault_aws_secret_backend_role', 'name', 'agent-invoice-summarizer').body.max_sts_ttl = 86400;
    });
    expect(await findings(tokenTtlWithinCeilings, out)).toEqual(
      sorted([
        { resource: 'vault_approle_auth_backend_role/agent-email-notifier', agent: 'email-notifier', grant: 'token max TTL unset' },
        { resource: 'vault_approle_auth_backend_role/agent-lead-enricher', agent: 'lead-enricher', grant: 'token_ttl = 7200' },
        { resource: 'vault_approle_auth_backend_role/scoped-agents-rotate', agent: undefined, grant: 'token_period = 3600' },
        { resource: 'vault_aws_secret_backend_role/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 'max_sts_ttl = 86400' },
      ]),
    );
  });

  test('fails on an unset token_ttl and on a TTL it cannot verify', async () => {
    const out = variant((json) => {
      delete find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-lead-enricher').body.token_ttl;
      find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-email-notifier').body.token_max_ttl = '${var.max_ttl}';
    });
    expect(await findings(tokenTtlWithinCeilings, out)).toEqual(
      sorted([
        { resource: 'vault_approle_auth_backend_role/agent-email-notifier', agent: 'email-notifier', grant: 'token_max_ttl = ${var.max_ttl}' },
        { resource: 'vault_approle_auth_backend_role/agent-lead-enricher', agent: 'lead-enricher', grant: 'token_ttl unset' },
      ]),
    );
  });
});

describe('one-credential-set-per-agent', () => {
  test("fails when an agent's tokens carry another agent's policy, and that policy is then attached twice", async () => {
    const out = variant((json) => {
      const role = find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-lead-enricher').body;
      role.token_policies = [...(role.token_policies as string[]), ref(json, 'vault_policy', 'name', 'agent-email-notifier', 'name')];
    });
    expect(await findings(oneCredentialSetPerAgent, out)).toEqual(
      sorted([
        { resource: 'vault_approle_auth_backend_role/agent-lead-enricher', agent: 'lead-enricher', grant: 'agent-email-notifier' },
        { resource: 'vault_policy/agent-email-notifier', agent: 'email-notifier', grant: 'agent-email-notifier' },
      ]),
    );
  });

  test("fails when tokens also carry Vault's default policy", async () => {
    const out = variant((json) => (find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-email-notifier').body.token_no_default_policy = false));
    expect(await findings(oneCredentialSetPerAgent, out)).toEqual(
      sorted([{ resource: 'vault_approle_auth_backend_role/agent-email-notifier', agent: 'email-notifier', grant: 'default' }]),
    );
  });

  test("fails when an agent's Vault policy reaches another agent's KV entry or AWS sessions", async () => {
    const out = variant((json) => {
      const policy = find(json, 'vault_policy', 'name', 'agent-email-notifier').body;
      policy.policy = `${String(policy.policy)}\npath "kv/data/agents/lead-enricher/hubspot" {\n  capabilities = ["read"]\n}\n\npath "aws/creds/agent-invoice-summarizer" {\n  capabilities = ["read"]\n}\n`;
    });
    expect(await findings(oneCredentialSetPerAgent, out)).toEqual(
      sorted([
        { resource: 'vault_policy/agent-email-notifier', agent: 'email-notifier', grant: 'read on aws/creds/agent-invoice-summarizer' },
        { resource: 'vault_policy/agent-email-notifier', agent: 'email-notifier', grant: 'read on kv/data/agents/lead-enricher/hubspot' },
      ]),
    );
  });

  test("fails when an agent's IAM policy reaches another agent's secret", async () => {
    const out = variant((json) => {
      const secret = ref(json, 'aws_secretsmanager_secret', 'name', 'scoped-agents/scoped-agents/agents/lead-enricher/vault-login', 'arn');
      editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) =>
        doc.Statement.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret] }),
      );
    });
    expect(await findings(oneCredentialSetPerAgent, out)).toEqual(
      sorted([
        {
          resource: 'aws_iam_role_policy/agent-invoice-summarizer',
          agent: 'invoice-summarizer',
          grant: 'secretsmanager:GetSecretValue on ${aws_secretsmanager_secret["scoped-agents/scoped-agents/agents/lead-enricher/vault-login"].arn}',
        },
      ]),
    );
  });

  test("fails when a Vault AWS role issues another agent's sessions, so that one IAM role is brokered twice", async () => {
    const out = variant((json) => {
      const broker = find(json, 'vault_aws_secret_backend_role', 'name', 'agent-invoice-summarizer').body;
      add(json, 'vault_aws_secret_backend_role', 'stolen', { ...broker, name: 'agent-lead-enricher' });
    });
    expect(await findings(oneCredentialSetPerAgent, out)).toEqual(
      sorted([
        { resource: 'aws_iam_role/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 'agent-invoice-summarizer' },
        { resource: 'vault_aws_secret_backend_role/agent-lead-enricher', agent: 'lead-enricher', grant: 'agent-invoice-summarizer' },
      ]),
    );
  });
});

describe('rotation-scheduled', () => {
  test('fails when a schedule is missing, disabled, or rotates another agent', async () => {
    const out = variant((json) => {
      remove(json, 'aws_scheduler_schedule', 'name', 'agent-lead-enricher');
      find(json, 'aws_scheduler_schedule', 'name', 'agent-email-notifier').body.state = 'DISABLED';
      const target = find(json, 'aws_scheduler_schedule', 'name', 'agent-invoice-summarizer').body.target as Record<string, unknown>;
      target.input = JSON.stringify({ action: 'rotate', agent: 'lead-enricher' });
    });
    expect(await findings(rotationScheduled, out)).toEqual(
      sorted([
        { resource: 'aws_scheduler_schedule/agent-email-notifier', agent: 'email-notifier', grant: 'state DISABLED' },
        { resource: 'aws_scheduler_schedule/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 'target input agent lead-enricher' },
        { resource: 'agent/lead-enricher', agent: 'lead-enricher', grant: 'schedule agent-lead-enricher' },
      ]),
    );
  });

  test('fails when a credential kept in Secrets Manager has no rotation rule (fixture)', async () => {
    const out = variant(
      (json) => {
        for (const [name] of all(json, 'aws_secretsmanager_secret_rotation'))
          delete (json.resource as Record<string, Record<string, unknown>>).aws_secretsmanager_secret_rotation[name];
      },
      () => fixture,
    );
    expect(await findings(rotationScheduled, out)).toEqual(
      sorted([
        {
          resource: 'aws_secretsmanager_secret/scoped-agents/acme-agents/agents/deal-scorer/salesforce',
          agent: 'deal-scorer',
          grant: 'scoped-agents/acme-agents/agents/deal-scorer/salesforce',
        },
      ]),
    );
  });
});

describe('rotation-manual', () => {
  /** The seed with the rotate function told `rotator` for `credential`. */
  const withRotator = (credential: string, rotator: string): SynthOutput =>
    variant((json) => {
      const fn = find(json, 'aws_lambda_function', 'function_name', 'scoped-agents-rotate').body as { environment: { variables: Record<string, string> } };
      const credentials = JSON.parse(fn.environment.variables.CREDENTIALS!) as Record<string, { rotator: string }>;
      credentials[credential]!.rotator = rotator;
      fn.environment.variables.CREDENTIALS = JSON.stringify(credentials);
    });

  test('passes on the seed and the fixture: their credentials rotate by default (HubSpot, SendGrid, Slack) or by the table', async () => {
    expect(
      await findings(
        rotationManual,
        variant(() => undefined),
      ),
    ).toEqual([]);
    expect(
      await findings(
        rotationManual,
        variant(
          () => undefined,
          () => fixture,
        ),
      ),
    ).toEqual([]);
  });

  test('fails for each agent holding a credential rotated by hand, naming the credential', async () => {
    expect(await findings(rotationManual, withRotator('sendgrid', 'manual'))).toEqual([
      { resource: 'agent/email-notifier', agent: 'email-notifier', grant: 'credential sendgrid' },
    ]);
    const both = variant((json) => {
      const fn = find(json, 'aws_lambda_function', 'function_name', 'scoped-agents-rotate').body as { environment: { variables: Record<string, string> } };
      // A credential the rotate function is not told about is rotated by nobody.
      fn.environment.variables.CREDENTIALS = '{}';
    });
    expect(await findings(rotationManual, both)).toEqual(
      sorted([
        { resource: 'agent/email-notifier', agent: 'email-notifier', grant: 'credential sendgrid' },
        { resource: 'agent/lead-enricher', agent: 'lead-enricher', grant: 'credential hubspot' },
      ]),
    );
  });

  test('its message says where the credential is and what to do', async () => {
    const [f] = await rotationManual.evaluate(withRotator('hubspot', 'manual'));
    expect([f!.message, f!.fix]).toEqual([
      'credential hubspot of agent lead-enricher (kv/agents/lead-enricher/hubspot) is rotated by hand: nothing rotates it',
      'give credentials.hubspot a rotator (oauth2-refresh, sendgrid-api-key), or accept it with a suppression saying why',
    ]);
  });
});

describe('agent-alarms', () => {
  test('reads the agent a metric-math alarm watches from its queries (fixture)', async () => {
    expect(
      await findings(
        agentAlarms,
        variant(
          () => undefined,
          () => fixture,
        ),
      ),
    ).toEqual([]);
    const out = variant(
      (json) => {
        const body = find(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', 'scoped-agents/acme-agents/data-loader/denied-rate').body;
        (body.metric_query as { metric?: { dimensions: Record<string, string> } }[])[0]!.metric!.dimensions = { Agent: 'deal-scorer' };
      },
      () => fixture,
    );
    expect(await findings(agentAlarms, out)).toEqual([
      { resource: 'aws_cloudwatch_metric_alarm/scoped-agents/acme-agents/data-loader/denied-rate', agent: 'data-loader', grant: 'denied-rate alarm' },
    ]);
  });

  test('fails when an alarm is missing, has no action, has actions disabled, or watches another agent', async () => {
    const out = variant((json) => {
      const alarm = (agent: string, kind: string) =>
        find(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', `scoped-agents/scoped-agents/${agent}/${kind}`).body;
      remove(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', 'scoped-agents/scoped-agents/lead-enricher/orphan');
      alarm('lead-enricher', 'call-rate').alarm_actions = [];
      alarm('email-notifier', 'denied-rate').actions_enabled = false;
      alarm('invoice-summarizer', 'call-rate').dimensions = { Agent: 'lead-enricher' };
    });
    expect(await findings(agentAlarms, out)).toEqual(
      sorted([
        { resource: 'aws_cloudwatch_metric_alarm/scoped-agents/scoped-agents/email-notifier/denied-rate', agent: 'email-notifier', grant: 'denied-rate alarm' },
        {
          resource: 'aws_cloudwatch_metric_alarm/scoped-agents/scoped-agents/invoice-summarizer/call-rate',
          agent: 'invoice-summarizer',
          grant: 'call-rate alarm',
        },
        { resource: 'aws_cloudwatch_metric_alarm/scoped-agents/scoped-agents/lead-enricher/call-rate', agent: 'lead-enricher', grant: 'call-rate alarm' },
        { resource: 'agent/lead-enricher', agent: 'lead-enricher', grant: 'orphan alarm' },
      ]),
    );
  });
});

describe('no-literal-secret', () => {
  const TOKEN = `ghp_${'A1b2C3d4'.repeat(5)}`;

  test('fails on data_json, a literal write-only value, a secret_string, a token-shaped tag, a sensitive default and a provider token, without printing a value', async () => {
    const out = variant((json) => {
      const entry = find(json, 'vault_kv_secret_v2', 'name', 'agents/lead-enricher/hubspot').body;
      entry.data_json = '${var.seed__lead_enricher__hubspot}';
      find(json, 'vault_kv_secret_v2', 'name', 'agents/email-notifier/sendgrid').body.data_json_wo = '{"api_key":"SG.x"}';
      add(json, 'aws_secretsmanager_secret_version', 'leaked', { secret_id: 'x', secret_string: 'hunter2hunter2' });
      find(json, 'aws_iam_role', 'name', 'agent-invoice-summarizer').body.tags = { agent: 'invoice-summarizer', note: `token ${TOKEN}` };
      (json.variable as Record<string, Record<string, unknown>>).seed__lead_enricher__hubspot.default = '{"token":"pat-na1-0"}';
      (json.provider as Record<string, unknown[]>).vault = [{ token: 'root-token-literal' }];
    });
    const found = await noLiteralSecret.evaluate(out);
    expect(found.map((f) => ({ resource: f.resource, agent: f.agent, grant: f.grant }))).toEqual([
      { resource: 'aws_iam_role/agent-invoice-summarizer', agent: 'invoice-summarizer', grant: 'tags.note' },
      { resource: 'aws_secretsmanager_secret_version', agent: undefined, grant: 'secret_string' },
      { resource: 'vault_kv_secret_v2/agents/email-notifier/sendgrid', agent: undefined, grant: 'data_json_wo' },
      { resource: 'vault_kv_secret_v2/agents/lead-enricher/hubspot', agent: undefined, grant: 'data_json' },
      { resource: 'variable/seed__lead_enricher__hubspot', agent: undefined, grant: 'default' },
      { resource: 'provider/vault', agent: undefined, grant: 'vault[0].token' },
    ]);
    const text = JSON.stringify(found);
    for (const secret of [TOKEN, 'hunter2hunter2', 'root-token-literal', '"api_key":"SG.x"', 'pat-na1-0']) expect(text).not.toContain(secret);
    expect(text).toContain('ghp_… (44 characters)');
  });
});

describe('encrypted-logs-and-topics', () => {
  test('fails on a log group without kms_key_id and a topic without kms_master_key_id', async () => {
    const out = variant((json) => {
      delete find(json, 'aws_cloudwatch_log_group', 'name', '/scoped-agents/scoped-agents/agents/lead-enricher').body.kms_key_id;
      delete find(json, 'aws_sns_topic', 'name', 'scoped-agents-alarms').body.kms_master_key_id;
    });
    expect(await findings(encryptedLogsAndTopics, out)).toEqual(
      sorted([
        { resource: 'aws_cloudwatch_log_group//scoped-agents/scoped-agents/agents/lead-enricher', agent: 'lead-enricher', grant: 'kms_key_id' },
        { resource: 'aws_sns_topic/scoped-agents-alarms', agent: undefined, grant: 'kms_master_key_id' },
      ]),
    );
  });
});
