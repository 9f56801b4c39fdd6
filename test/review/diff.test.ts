import { accessMatrix, diffMatrices, readOutput } from '../../review';
import { readFileSync } from 'fs';
import { join } from 'path';
import { cli, cloneJson, edit, editPolicy, find, remove, ROOT, SEED, Synthesized, synthesizeYaml, writeOutput } from './support/review-fixtures';

/**
 * `scoped-agents diff` over real synthesized outputs: a base table and, per
 * change class, a head table that differs by that one change (or, for what a
 * table cannot express, such as a removed alarm, a hand-made variant of the
 * head's JSON). Each test asserts the exact Markdown row a reviewer reads —
 * agent and grant — and the exit code CI acts on.
 */

/** The seed, plus a vault: scope for invoice-summarizer and a network binding for lead-enricher, so every class has something to change. */
const BASE = edit(
  edit(
    edit(SEED, '\nagents:\n', '  invoices.encrypt:\n    vault: { path: transit/encrypt/invoices, capabilities: [update] }\n\nagents:\n'),
    '      - { action: Read bucket, scopes: [storage.buckets.read] }\n',
    '      - { action: Read bucket, scopes: [storage.buckets.read] }\n      - { action: Encrypt invoice, scopes: [invoices.encrypt] }\n',
  ),
  '    platform: claude\n',
  '    platform: claude\n    boundCidrs: [10.20.0.0/16]\n',
);

let base: Synthesized;

beforeAll(async () => {
  base = await synthesizeYaml(BASE);
});

/** Runs `diff base head` in Markdown with --fail-on-escalation. */
async function diffAgainst(headOut: string): Promise<{ code: number; out: string; err: string }> {
  return cli(['diff', base.outDir, headOut, '--fail-on-escalation']);
}

/** The table rows of a Markdown diff. */
const rows = (markdown: string): string[] => markdown.split('\n').filter((l) => /^\| (broadening|narrowing) \|/.test(l));

/** A head synthesized from the base table with one edit. */
const tableHead = (from: string, to: string) => async (): Promise<string> => (await synthesizeYaml(edit(BASE, from, to))).outDir;

/** A head made from the base's own JSON with one hand edit (for what no table expresses). */
const jsonHead = (change: (json: ReturnType<typeof cloneJson>) => void) => async (): Promise<string> => {
  const json = cloneJson(base.stacks[0]);
  change(json);
  return writeOutput([{ name: base.stacks[0].name, json }]);
};

describe('scoped-agents diff: every broadening class is flagged, naming the agent and the exact grant', () => {
  const cases: [string, () => Promise<string>, string[]][] = [
    [
      'a new agent',
      tableHead(
        '\n  - name: email-notifier\n',
        '\n  - name: report-bot\n    owner: reports@acme.example\n    actions:\n      - { action: Send the weekly report, scopes: [mail.send] }\n\n  - name: email-notifier\n',
      ),
      [
        '| broadening | report-bot | new agent | agent `report-bot`: Vault role `approle/agent-report-bot` |',
        '| broadening | report-bot | new gateway endpoint | `POST /v3/mail/send` on sendgrid |',
      ],
    ],
    [
      'a new IAM action',
      tableHead('aws: { actions: [s3:PutObject], resources:', 'aws: { actions: [s3:PutObject, s3:DeleteObject], resources:'),
      ['| broadening | invoice-summarizer | new IAM action | `s3:DeleteObject` on `arn:aws:s3:::acme-invoices/uploads/*` |'],
    ],
    [
      'a new IAM resource',
      tableHead('resources: ["arn:aws:s3:::acme-invoices"]', 'resources: ["arn:aws:s3:::acme-invoices", "arn:aws:s3:::acme-archive"]'),
      ['| broadening | invoice-summarizer | new IAM resource | `s3:ListBucket` on `arn:aws:s3:::acme-archive` |'],
    ],
    [
      'a gateway endpoint on another API',
      tableHead(
        '      - { action: Write tag, scopes: [crm.tags.write] }\n',
        '      - { action: Write tag, scopes: [crm.tags.write] }\n      - { action: Email the lead, scopes: [mail.send] }\n',
      ),
      ['| broadening | lead-enricher | new gateway endpoint | `POST /v3/mail/send` on sendgrid |'],
    ],
    [
      'a new method on a gateway path',
      tableHead('allow: [PATCH /crm/v3/objects/contacts/*]', 'allow: [PATCH /crm/v3/objects/contacts/*, DELETE /crm/v3/objects/contacts/*]'),
      ['| broadening | lead-enricher | new gateway endpoint | `DELETE /crm/v3/objects/contacts/*` on hubspot |'],
    ],
    [
      'a wider gateway path pattern',
      tableHead('allow: [PATCH /crm/v3/objects/contacts/*]', 'allow: [PATCH /crm/v3/objects/contacts/**]'),
      ['| broadening | lead-enricher | wider gateway endpoint | `PATCH /crm/v3/objects/contacts/**` on hubspot |'],
    ],
    [
      'a gateway that forwards to another base URL',
      tableHead('agents:\n', 'apis:\n  sendgrid: { baseUrl: "https://api.eu.sendgrid.com" }\n\nagents:\n'),
      ['| broadening | email-notifier | gateway forwards elsewhere | sendgrid: `https://api.sendgrid.com` → `https://api.eu.sendgrid.com` |'],
    ],
    [
      'a new Vault path (an agent taken off the gateway reads its credential itself)',
      tableHead('    platform: claude\n', '    platform: claude\n    gateway: false\n'),
      ['| broadening | lead-enricher | new Vault path | `read` on `kv/data/agents/lead-enricher/hubspot` |'],
    ],
    [
      'a new Vault capability',
      tableHead('capabilities: [update]', 'capabilities: [create, update]'),
      ['| broadening | invoice-summarizer | new Vault capability | `create` on `transit/encrypt/invoices` |'],
    ],
    [
      'a longer TTL',
      tableHead('    platform: claude\n', '    platform: claude\n    credentialMaxTtl: 2h\n'),
      [
        '| broadening | lead-enricher | longer TTL | Vault token explicit max TTL 1h → 2h |',
        '| broadening | lead-enricher | longer TTL | Vault token max TTL 1h → 2h |',
      ],
    ],
    [
      // Vault reads a TTL that is not set as no limit of its own (the mount's or the system's): longer, not 0.
      'a TTL that becomes unset',
      jsonHead((json) => {
        const role = find(json, 'vault_approle_auth_backend_role', 'role_name', 'agent-lead-enricher').body;
        delete role.token_ttl;
        delete role.token_explicit_max_ttl;
      }),
      [
        '| broadening | lead-enricher | longer TTL | Vault token TTL 15m → unset (no limit) |',
        '| broadening | lead-enricher | longer TTL | Vault token explicit max TTL 1h → unset (no limit) |',
      ],
    ],
    [
      'an alarm removed',
      jsonHead((json) => remove(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', 'scoped-agents/scoped-agents/lead-enricher/orphan')),
      ['| broadening | lead-enricher | alarm removed | `orphan` alarm `scoped-agents/scoped-agents/lead-enricher/orphan` |'],
    ],
    [
      'an alarm loosened',
      tableHead('    platform: claude\n', '    platform: claude\n    alarms: { maxCallsPerMinute: 5000 }\n'),
      ['| broadening | lead-enricher | alarm loosened | `call-rate`: Calls > 1000 per 1m → Calls > 5000 per 1m |'],
    ],
    [
      'an alarm that no longer notifies',
      jsonHead((json) => {
        find(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', 'scoped-agents/scoped-agents/lead-enricher/denied-rate').body.alarm_actions = [];
      }),
      ['| broadening | lead-enricher | alarm action removed | `denied-rate` no longer notifies `aws_sns_topic/scoped-agents-alarms` |'],
    ],
    [
      'a rotation removed',
      jsonHead((json) => remove(json, 'aws_scheduler_schedule', 'name', 'agent-lead-enricher')),
      ['| broadening | lead-enricher | rotation removed | schedule `agent-lead-enricher` (`cron(0 3 * * ? *)`) |'],
    ],
    [
      'a rotation made less frequent',
      tableHead('    platform: claude\n', '    platform: claude\n    rotation: "rate(7 days)"\n'),
      ['| broadening | lead-enricher | rotation less frequent | schedule `agent-lead-enricher` `cron(0 3 * * ? *)` → `rate(7 days)` |'],
    ],
    [
      'a credential whose rotation is made manual (written out in the table)',
      tableHead('\nagents:\n', '\ncredentials:\n  sendgrid: { rotator: manual }\n\nagents:\n'),
      ['| broadening | email-notifier | rotation made manual | `sendgrid` rotator `sendgrid-api-key` → `manual` |'],
    ],
    [
      'a changed trust principal',
      tableHead('  - name: invoice-summarizer\n', '  - name: invoice-summarizer\n    awsPrincipal: arn:aws:iam::123456789012:role/invoice-runtime\n'),
      [
        '| broadening | invoice-summarizer | wider trust | IAM role `agent-invoice-summarizer` may be assumed by `AWS:arn:aws:iam::123456789012:role/invoice-runtime` |',
      ],
    ],
    [
      'a new trust principal',
      jsonHead((json) => {
        const role = find(json, 'aws_iam_role', 'name', 'agent-invoice-summarizer').body;
        const trust = JSON.parse(String(role.assume_role_policy));
        trust.Statement[0].Principal.AWS = [trust.Statement[0].Principal.AWS, 'arn:aws:iam::999999999999:root'];
        role.assume_role_policy = JSON.stringify(trust);
      }),
      ['| broadening | invoice-summarizer | wider trust | IAM role `agent-invoice-summarizer` may be assumed by `AWS:arn:aws:iam::999999999999:root` |'],
    ],
    [
      'a network binding removed',
      tableHead('    platform: claude\n    boundCidrs: [10.20.0.0/16]\n', '    platform: claude\n'),
      [
        '| broadening | lead-enricher | wider trust | secret-id logins usable from any address (were bound to `10.20.0.0/16`) |',
        '| broadening | lead-enricher | wider trust | tokens usable from any address (were bound to `10.20.0.0/16`) |',
      ],
    ],
    [
      'a wildcard sneaked into the JSON',
      jsonHead((json) =>
        editPolicy(find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body, (doc) => {
          doc.Statement[0].Action = ['s3:*'];
        }),
      ),
      ['| broadening | invoice-summarizer | new IAM action | `s3:*` on `arn:aws:s3:::acme-invoices` |'],
    ],
    [
      'a policy that cannot be read (fail closed)',
      jsonHead((json) => (find(json, 'aws_iam_role_policy', 'name', 'agent-invoice-summarizer').body.policy = '${data.aws_iam_policy_document.anything.json}')),
      ['| broadening | invoice-summarizer | policy cannot be read | aws_iam_role_policy/agent-invoice-summarizer: the policy is not JSON |'],
    ],
  ];

  test.each(cases)('flags %s as broadening and exits 1 with --fail-on-escalation', async (_name, makeHead, expected) => {
    const r = await diffAgainst(await makeHead());
    for (const row of expected) expect(rows(r.out)).toContain(row);
    expect(r.out).toContain('**Privileges broaden**');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: privilege escalation: \d+ broadening changes? from .* \(--fail-on-escalation\)\n$/);
  });
});

describe('scoped-agents diff: a GitHub Actions agent bound to another environment (fixture)', () => {
  test('flags the new repository/environment its IAM role and Vault role trust as broadening', async () => {
    const table = readFileSync(join(ROOT, 'test', 'fixtures', 'fleet.yaml'), 'utf8');
    const before = await synthesizeYaml(table);
    const after = await synthesizeYaml(
      edit(table, 'github: { repository: acme/checkout, environment: production }', 'github: { repository: acme/checkout, environment: staging }'),
    );
    const r = await cli(['diff', before.outDir, after.outDir, '--fail-on-escalation']);
    expect(r.code).toBe(1);
    const condition = (env: string) =>
      `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/checkout:environment:${env}"}}`;
    expect(rows(r.out)).toEqual(
      expect.arrayContaining([
        `| broadening | release-bot | wider trust | IAM role \`agent-release-bot\` may be assumed by \`Federated:\${aws_iam_openid_connect_provider.arn} when ${condition('staging')}\` |`,
        '| broadening | release-bot | wider trust | Vault role binding `bound_claims.environment=production` removed |',
        `| narrowing | release-bot | narrower trust | IAM role \`agent-release-bot\` no longer trusts \`Federated:\${aws_iam_openid_connect_provider.arn} when ${condition('production')}\` |`,
        '| narrowing | release-bot | narrower trust | Vault role binding `bound_claims.environment=staging` added |',
      ]),
    );
  });
});

describe('scoped-agents diff: narrowing is never flagged as broadening', () => {
  let narrowed: string;

  beforeAll(async () => {
    let head = edit(BASE, '      - { action: Read bucket, scopes: [storage.buckets.read] }\n', '');
    head = edit(
      head,
      '    platform: claude\n',
      '    platform: claude\n    credentialTtl: 10m\n    rotation: "rate(12 hours)"\n    alarms: { maxCallsPerMinute: 500 }\n',
    );
    head = edit(
      head,
      '\n  - name: email-notifier\n    owner: platform@acme.example\n    platform: zapier\n    actions:\n      - { action: Send email via SendGrid, scopes: [mail.send] }\n',
      '\n',
    );
    narrowed = (await synthesizeYaml(head)).outDir;
  });

  test('lists only narrowing changes, each naming the agent and grant, and exits 0 with --fail-on-escalation', async () => {
    const r = await diffAgainst(narrowed);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(rows(r.out).sort()).toEqual(
      [
        '| narrowing | email-notifier | agent removed | agent `email-notifier` and every grant it had |',
        '| narrowing | invoice-summarizer | IAM grant removed | `s3:ListBucket` on `arn:aws:s3:::acme-invoices` |',
        '| narrowing | lead-enricher | shorter TTL | Vault token TTL 15m → 10m |',
        '| narrowing | lead-enricher | rotation more frequent | schedule `agent-lead-enricher` `cron(0 3 * * ? *)` → `rate(12 hours)` |',
        '| narrowing | lead-enricher | alarm tightened | `call-rate`: Calls > 1000 per 1m → Calls > 500 per 1m |',
        '| narrowing | lead-enricher | lower gateway rate | 1000 → 500 calls a minute |',
      ].sort(),
    );
    expect(r.out).toContain('Only narrowing: 0 broadening changes and 6 narrowing changes across 3 agents.');
  });

  test('reports broadened: false in JSON, with every change classed narrowing', async () => {
    const r = await cli(['diff', base.outDir, narrowed, '--format', 'json']);
    const json = JSON.parse(r.out);
    expect(json.broadened).toBe(false);
    expect(json.summary).toEqual({ broadening: 0, narrowing: 6, agents: 3 });
    expect(new Set(json.changes.map((c: { class: string }) => c.class))).toEqual(new Set(['narrowing']));
  });

  test('swapping base and head turns every narrowing into broadening', async () => {
    const forward = diffMatrices(accessMatrix(readOutput(base.outDir)), accessMatrix(readOutput(narrowed)));
    const backward = diffMatrices(accessMatrix(readOutput(narrowed)), accessMatrix(readOutput(base.outDir)));
    expect(forward.summary.narrowing).toBe(6);
    expect(backward.broadened).toBe(true);
    // The removed agent comes back with all its grants, each one broadening.
    expect(backward.changes.filter((c) => c.agent === 'email-notifier').every((c) => c.class === 'broadening')).toBe(true);
    expect(
      backward.changes
        .filter((c) => c.agent !== 'email-notifier')
        .map((c) => `${c.class} ${c.change}`)
        .sort(),
    ).toEqual(
      [
        'broadening alarm loosened',
        'broadening higher gateway rate',
        'broadening longer TTL',
        'broadening new IAM action',
        'broadening rotation less frequent',
      ].sort(),
    );
  });
});

describe('scoped-agents diff: output and usage', () => {
  test('reports no changes between an output and itself, and exits 0 even with --fail-on-escalation', async () => {
    const r = await diffAgainst(base.outDir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('No privilege changes: every agent keeps exactly the access it had.');
    expect(rows(r.out)).toEqual([]);
  });

  test('exits 0 on broadening without --fail-on-escalation, and says so in JSON with broadened: true', async () => {
    const head = await tableHead('capabilities: [update]', 'capabilities: [create, update]')();
    const r = await cli(['diff', base.outDir, head, '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.broadened).toBe(true);
    expect(json.changes).toEqual([
      { class: 'broadening', agent: 'invoice-summarizer', category: 'vault', change: 'new Vault capability', grant: '`create` on `transit/encrypt/invoices`' },
    ]);
  });

  test.each([
    [['diff', 'only-one'], 'error: diff needs two synthesized outputs: BASE_OUT (before the change) and HEAD_OUT (after it)'],
    [['diff', 'a', 'b', 'c'], 'error: unexpected argument "c"'],
    [['diff', 'a', 'b', '--format', 'html'], 'error: --format must be one of markdown, json (got "html")'],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  test('exits 1 naming the directory when an output is missing', async () => {
    const r = await cli(['diff', 'no-such-base.out', base.outDir]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: no-such-base.out: not found — run scoped-agents synth first (or pass the output directory with --out)\n');
  });
});
