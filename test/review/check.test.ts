import '@microsoft/jest-sarif';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { DEFAULT_SUPPRESSIONS_FILE, parseSuppressions } from '../../review/rules';
import { BUILT_IN } from '../../review/rules/builtin-exceptions';
import { TerraformJson } from '../../review/synth-output';
import { RULES } from '../../review/rules';
import { tempDir, writeFiles } from '../helpers';
import { PROOF_TABLES, synthesizeTable } from '../support/synthesized';
import { add, cli, cloneJson, editPolicy, find, ref, remove, ROOT, Synthesized, writeOutput } from './support/review-fixtures';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** From @microsoft/jest-sarif: validates against the SARIF 2.1.0 JSON schema. */
      toBeValidSarifLog(): R;
    }
  }
}

/**
 * `scoped-agents check` over the seed (zero unsuppressed findings with the
 * repository's suppressions file), the fixture, and a deliberately broken
 * output that breaks every rule at once; suppressions and their errors; and
 * each output format, SARIF validated against the SARIF 2.1.0 schema.
 */

let seed: Synthesized;
let fixture: Synthesized;
let broken: string;

/** The seed's JSON with every rule broken at least once. */
function breakEveryRule(json: TerraformJson): void {
  editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) => {
    doc.Statement[0].Action = ['s3:*'];
    doc.Statement[1].Resource = ['*'];
  });
  const lead = find(json, 'vault_policy', 'name', 'agent-lead-enricher').body;
  lead.policy = `${String(lead.policy)}\npath "sys/audit" {\n  capabilities = ["read", "sudo"]\n}\n\npath "kv/data/agents/*" {\n  capabilities = ["read"]\n}\n`;
  find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-email-notifier').body.token_ttl = 86400;
  // email-notifier reads the SendGrid key the gateway should hold for it.
  const mailer = find(json, 'vault_policy', 'name', 'agent-email-notifier').body;
  mailer.policy = `${String(mailer.policy)}\npath "kv/data/agents/email-notifier/sendgrid" {\n  capabilities = ["read"]\n}\n`;
  const role = find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-lead-enricher').body;
  role.token_policies = [...(role.token_policies as string[]), ref(json, 'vault_policy', 'name', 'agent-email-notifier', 'name')];
  remove(json, 'aws_scheduler_schedule', 'name', 'agent-email-notifier');
  remove(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', 'scoped-agents/scoped-agents/invoice-summarizer/denied-rate');
  add(json, 'aws_secretsmanager_secret_version', 'leaked', { secret_id: 'x', secret_string: 'correct horse battery staple' });
  delete find(json, 'aws_sns_topic', 'name', 'scoped-agents-alarms').body.kms_master_key_id;
  // Nothing rotates lead-enricher's HubSpot token any more.
  const rotate = find(json, 'aws_lambda_function', 'function_name', 'scoped-agents-rotate').body as { environment: { variables: Record<string, string> } };
  const credentials = JSON.parse(rotate.environment.variables.CREDENTIALS!) as Record<string, { rotator: string }>;
  credentials.hubspot!.rotator = 'manual';
  rotate.environment.variables.CREDENTIALS = JSON.stringify(credentials);
}

beforeAll(async () => {
  seed = await synthesizeTable(PROOF_TABLES[0].files);
  fixture = await synthesizeTable(PROOF_TABLES[1].files);
  const json = cloneJson(seed.stacks[0]);
  breakEveryRule(json);
  broken = writeOutput([{ name: seed.stacks[0].name, json }]);
});

describe('scoped-agents check on the seed fleet', () => {
  test('reports zero unsuppressed findings and exits 0, listing the accepted exceptions with their reasons', async () => {
    const r = await cli(['check', '--out', seed.outDir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scoped-agents check: 12 rules over .* \(scoped-agents\): 0 findings, \d+ accepted exceptions?\.\n/);
    expect(r.out).not.toContain('Findings:');
    for (const rule of RULES) expect(r.out).toMatch(new RegExp(`\\n  (pass|accepted) +${rule.id} `));
  });

  test("accepts the library's own exceptions for the fleet functions, built in, with their reasons; none is an agent's", async () => {
    const json = JSON.parse((await cli(['check', '--out', seed.outDir, '--format', 'json'])).out);
    expect(json.passed).toBe(true);
    expect(json.findings).toEqual([]);
    expect(json.unusedSuppressions).toEqual([]);
    expect(json.accepted.map((a: { finding: { resource: string } }) => a.finding.resource).sort()).toEqual([
      'aws_iam_role_policy/scoped-agents-revoke',
      'aws_iam_role_policy/scoped-agents-revoke',
      'aws_iam_role_policy/scoped-agents-rotate',
      'aws_iam_role_policy/scoped-agents-rotate',
      'aws_iam_role_policy/scoped-agents-usage-summary',
      'aws_iam_role_policy/scoped-agents-usage-summary',
    ]);
    for (const a of json.accepted) {
      expect(a.finding.agent).toBeUndefined(); // exceptions are the fleet's own functions, never an agent
      expect(a.suppression.reason.length).toBeGreaterThanOrEqual(10);
      expect(a.suppression.file).toBe(BUILT_IN);
    }
  });

  test(`the repository's ${DEFAULT_SUPPRESSIONS_FILE} holds none of them: a user's fleet needs no file for the library's exceptions`, () => {
    expect(
      parseSuppressions(
        DEFAULT_SUPPRESSIONS_FILE,
        readFileSync(join(ROOT, DEFAULT_SUPPRESSIONS_FILE), 'utf8'),
        RULES.map((r) => r.id),
      ),
    ).toEqual([]);
  });

  test('passes the fixture, whose fleet has another name, with the same built-in exceptions and no suppressions file', async () => {
    const dir = writeFiles({ 'fixture.suppressions.yaml': 'suppressions: []\n' });
    const r = await cli(['check', '--out', fixture.outDir, '--suppressions', join(dir, 'fixture.suppressions.yaml')]);
    expect(r.out).not.toContain('Findings:');
    expect(r.code).toBe(0);
  });
});

describe('scoped-agents check on a deliberately broken output', () => {
  test('names every broken rule, reports all findings at once, and exits 1', async () => {
    const r = await cli(['check', '--out', broken]);
    expect(r.code).toBe(1);
    const findings = r.out.slice(r.out.indexOf('Findings:'), r.out.indexOf('Rules:'));
    for (const rule of RULES) expect(findings).toContain(`  [${rule.id}] `);
    for (const rule of RULES) expect(r.out).toMatch(new RegExp(`\\n  fail +${rule.id} `));
    expect(r.err).toMatch(/^error: \d+ unsuppressed findings in .*cdktf\.out\n$/);
    expect(r.out).not.toContain('correct horse battery staple');
  });

  test('lists each finding with what, where and the fix', async () => {
    const r = await cli(['check', '--out', broken]);
    expect(r.out).toContain(
      '  [no-wildcard-action] aws_iam_role_policy/agent-invoice-summarizer (StorageBucketsRead) allows the wildcard action s3:*\n      fix: name each action the role needs, e.g. s3:GetObject\n',
    );
    expect(r.out).toContain('  [rotation-scheduled] agent email-notifier has no rotation schedule agent-email-notifier\n');
    expect(r.out).toContain('  [agent-alarms] agent invoice-summarizer has no denied-rate alarm\n');
  });

  test('moves a suppressed finding to the accepted exceptions, with its reason, in every format', async () => {
    const file = join(
      writeFiles({
        's.yaml':
          'suppressions:\n  - rule: encrypted-logs-and-topics\n    resource: aws_sns_topic/scoped-agents-alarms\n    reason: The topic carries alarm names only; accepted by security on 2024-05-01.\n',
      }),
      's.yaml',
    );
    const text = await cli(['check', '--out', broken, '--suppressions', file]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('  accepted  encrypted-logs-and-topics ');
    expect(text.out).toContain('Accepted exceptions (suppressed with a reason):\n');
    expect(text.out).toContain('  [encrypted-logs-and-topics] aws_sns_topic/scoped-agents-alarms sets no kms_master_key_id');
    expect(text.out).toContain(`      reason: The topic carries alarm names only; accepted by security on 2024-05-01. (${file}:2)`);
    const json = JSON.parse((await cli(['check', '--out', broken, '--suppressions', file, '--format', 'json'])).out);
    const fromFile = json.accepted.filter((a: { suppression: { file: string } }) => a.suppression.file !== BUILT_IN);
    expect(fromFile.map((a: { finding: { rule: string } }) => a.finding.rule)).toEqual(['encrypted-logs-and-topics']);
    expect(json.findings.some((f: { rule: string }) => f.rule === 'encrypted-logs-and-topics')).toBe(false);
    const sarif = JSON.parse((await cli(['check', '--out', broken, '--suppressions', file, '--format', 'sarif'])).out);
    const suppressed = sarif.runs[0].results.filter((x: { suppressions?: unknown[] }) => x.suppressions);
    // The user's one, and the library's six built-in ones.
    expect(suppressed).toHaveLength(7);
    expect(
      suppressed.filter((x: { ruleId: string }) => x.ruleId === 'encrypted-logs-and-topics').map((x: { suppressions: unknown }) => x.suppressions),
    ).toEqual([[{ kind: 'external', status: 'accepted', justification: 'The topic carries alarm names only; accepted by security on 2024-05-01.' }]]);
  });
});

describe('scoped-agents check formats', () => {
  test('SARIF is a valid SARIF 2.1.0 log, one result per finding, located in the stack file', async () => {
    for (const out of [seed.outDir, broken]) {
      const r = await cli(['check', '--out', out, '--format', 'sarif']);
      const log = JSON.parse(r.out);
      expect(log).toBeValidSarifLog();
      expect(log.version).toBe('2.1.0');
      expect(log.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(RULES.map((x) => x.id));
    }
    const log = JSON.parse((await cli(['check', '--out', broken, '--format', 'sarif'])).out);
    const json = JSON.parse((await cli(['check', '--out', broken, '--format', 'json'])).out);
    expect(log.runs[0].results).toHaveLength(json.findings.length + json.accepted.length);
    const topic = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'encrypted-logs-and-topics');
    const location = topic.locations[0].physicalLocation;
    expect(location.artifactLocation.uri).toBe(join(broken, 'stacks', 'scoped-agents', 'cdk.tf.json'));
    const line = readFileSync(location.artifactLocation.uri, 'utf8').split('\n')[location.region.startLine - 1];
    expect(line.trim()).toBe(`"${topic.locations[0].logicalLocations[0].fullyQualifiedName.split('.').pop()}": {`);
    expect(log.runs[0].tool.driver.rules[0].properties.tags).toEqual(expect.arrayContaining(['SOC2 CC6.1', 'ISO27001 A.8.2', 'NIST800-53 AC-6']));
  });

  test('CSV has one row per finding and accepted exception', async () => {
    const r = await cli(['check', '--out', broken, '--format', 'csv']);
    const lines = r.out.trimEnd().split('\r\n');
    expect(lines[0]).toBe('status,rule,stack,resource,agent,grant,message,fix,reason');
    const json = JSON.parse((await cli(['check', '--out', broken, '--format', 'json'])).out);
    expect(lines.filter((l) => l.startsWith('finding,'))).toHaveLength(json.findings.length);
    expect(lines).toContain(
      'finding,no-wildcard-action,scoped-agents,aws_iam_role_policy/agent-invoice-summarizer,invoice-summarizer,s3:*,aws_iam_role_policy/agent-invoice-summarizer (StorageBucketsRead) allows the wildcard action s3:*,"name each action the role needs, e.g. s3:GetObject",',
    );
  });
});

describe('suppressions that are themselves errors', () => {
  test('fails on a short reason, an unknown rule id and an unknown key, all reported at once with file and line', async () => {
    const dir = writeFiles({
      'bad.yaml': [
        'suppressions:',
        '  - rule: no-wildcard-resource',
        '    reason: because',
        '  - rule: no-wildcard-actions',
        '    reason: a long enough reason to pass',
        '  - rule: agent-alarms',
        '    reason: a long enough reason to pass',
        '    expires: 2030-01-01',
        '',
      ].join('\n'),
    });
    const file = join(dir, 'bad.yaml');
    const r = await cli(['check', '--out', seed.outDir, '--suppressions', file]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('error: the suppressions file has 3 problems.\n');
    expect(r.err).toContain(
      `${file}:3:13: the reason has 7 characters, fewer than 10 (got "because")\n    fix: say why the exception is acceptable, e.g. what limits it and who accepted it [suppression-reason]`,
    );
    expect(r.err).toContain(`${file}:4:11: unknown rule id (got "no-wildcard-actions")\n    fix: did you mean no-wildcard-action? [suppression-rule]`);
    expect(r.err).toContain(`${file}:8:5: unknown key in a suppression (got "expires")`);
  });

  test('fails when --suppressions names a file that does not exist', async () => {
    const r = await cli(['check', '--out', seed.outDir, '--suppressions', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: nope.yaml: suppressions file not found — check the path given with --suppressions\n');
  });
});

describe('unreadable output', () => {
  test.each(['report', 'graph', 'check'])(
    '%s exits 1 with "cdktf.out: no stacks found — run scoped-agents synth first" when the output is empty',
    async (command) => {
      const cwd = tempDir();
      mkdirSync(join(cwd, 'cdktf.out'));
      const r = await cli(command === 'graph' ? [command, '--format', 'json'] : [command], cwd);
      expect(r.code).toBe(1);
      expect(r.err).toBe('error: cdktf.out: no stacks found — run scoped-agents synth first\n');
    },
  );

  /** An output folder whose manifest names `stacks`, with `files` (path → content; a trailing / makes a folder). */
  function output(stacks: string[], files: Record<string, string>): string {
    const out = join(tempDir(), 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks: Object.fromEntries(stacks.map((n) => [n, { name: n }])) }));
    for (const [path, content] of Object.entries(files)) {
      if (path.endsWith('/')) mkdirSync(join(out, path), { recursive: true });
      else {
        mkdirSync(dirname(join(out, path)), { recursive: true });
        writeFileSync(join(out, path), content);
      }
    }
    return out;
  }

  test('exits 1 naming the file when a stack is not JSON', async () => {
    const out = output(['broken'], { 'stacks/broken/cdk.tf.json': '{ not json' });
    const r = await cli(['report', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^error: ${join(out, 'stacks', 'broken', 'cdk.tf.json').replace(/[/.]/g, '\\$&')}: not valid JSON \\(.+\\) — run scoped-agents synth first\\n$`,
      ),
    );
  });

  test.each(['report', 'check'])('%s exits 1 naming the file when a cdk.tf.json is a folder', async (command) => {
    const out = output(['odd'], { 'stacks/odd/cdk.tf.json/': '' });
    expect(await cli([command, '--out', out])).toEqual({
      code: 1,
      out: '',
      err: `error: ${join(out, 'stacks', 'odd', 'cdk.tf.json')}: is a folder, not a file — run scoped-agents synth first\n`,
    });
  });

  describe('a sharded output missing a stack its manifest names: no review passes on part of the fleet', () => {
    let sharded: string;
    beforeAll(async () => {
      sharded = (await synthesizeTable({ table: 'test/fixtures/sharded.yaml' })).outDir;
    });
    const without = (stack: string): string => {
      const out = join(tempDir(), 'cdktf.out');
      cpSync(sharded, out, { recursive: true });
      rmSync(join(out, 'stacks', stack), { recursive: true });
      return out;
    };

    test.each([
      ['report', 'acme-support-acme-example'],
      ['check', 'acme-support-acme-example'],
      ['report', 'acme'],
      ['check', 'acme'],
    ])('%s exits 1 when stack %s is missing', async (command, stack) => {
      const out = without(stack);
      expect(await cli([command, '--out', out])).toEqual({
        code: 1,
        out: '',
        err: `error: ${join(out, 'stacks', stack)}: missing, though ${join(out, 'manifest.json')} names it — the output is incomplete; run scoped-agents synth first\n`,
      });
    });

    test('graph and diff refuse it too', async () => {
      const out = without('acme-growth-acme-example');
      expect((await cli(['graph', '--out', out, '--format', 'json'])).code).toBe(1);
      expect((await cli(['diff', sharded, out])).err).toContain(`${join(out, 'stacks', 'acme-growth-acme-example')}: missing, though`);
    });

    test('exits 1 when a stack folder is not in the manifest (left from another synth)', async () => {
      const out = join(tempDir(), 'cdktf.out');
      cpSync(sharded, out, { recursive: true });
      cpSync(join(out, 'stacks', 'acme-growth-acme-example'), join(out, 'stacks', 'acme-old-shard'), { recursive: true });
      expect((await cli(['report', '--out', out])).err).toBe(
        `error: ${join(out, 'stacks', 'acme-old-shard')}: not in ${join(out, 'manifest.json')} — left over from another synth; run scoped-agents synth first\n`,
      );
    });

    test('exits 1 when the manifest is missing', async () => {
      const out = join(tempDir(), 'cdktf.out');
      cpSync(sharded, out, { recursive: true });
      rmSync(join(out, 'manifest.json'));
      expect((await cli(['check', '--out', out])).err).toBe(
        `error: ${join(out, 'manifest.json')}: not found, so which stacks the synth wrote is unknown — run scoped-agents synth first\n`,
      );
    });
  });
});

test('a sharded fleet with a gateway (the seed in 4 shards) is clean too: the built-in exceptions match its shared stack’s own data sources', async () => {
  const table = join(tempDir(), 'agents.yaml');
  writeFileSync(table, readFileSync(join(ROOT, 'agents.yaml'), 'utf8').replace(/^version: 1$/m, 'version: 1\nfleet:\n  shards: { by: name, count: 4 }'));
  const sharded = await synthesizeTable({ table });
  const r = await cli(['check', '--out', sharded.outDir, '--format', 'json']);
  const json = JSON.parse(r.out);
  expect([r.code, json.findings]).toEqual([0, []]);
  expect(json.accepted.map((a: { finding: { resource: string } }) => a.finding.resource).sort()).toEqual([
    'aws_iam_role_policy/scoped-agents-revoke',
    'aws_iam_role_policy/scoped-agents-revoke',
    'aws_iam_role_policy/scoped-agents-rotate',
    'aws_iam_role_policy/scoped-agents-rotate',
    'aws_iam_role_policy/scoped-agents-usage-summary',
    'aws_iam_role_policy/scoped-agents-usage-summary',
  ]);
  expect(json.accepted.every((a: { suppression: { file: string } }) => a.suppression.file === BUILT_IN)).toBe(true);
});
