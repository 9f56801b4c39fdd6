/**
 * Values that would reach output unescaped (issue: hostile input, class 3):
 * refused where they enter (the table), and escaped where they leave (every
 * Markdown and CSV writer), whichever way they got into what is written.
 */
import { join } from 'path';
import { runbookFor } from '../../documents';
import { Problem, summarizeUsage } from '../../model';
import { accessMatrix, graphToCsv, outputOf, renderMatrixMarkdown, resourceGraph } from '../../review';
import { checkToCsv } from '../../review/rules';
import { loadFleet } from '../../table';
import { cell, cellCode, code, text } from '../../model/private/markdown';
import { csvField, csvRow } from '../../review/private/csv';
import { BASE_SCOPES, problemsOf, resolvedAgent, writeFiles } from '../helpers';
import { synthesizeTable } from '../support/synthesized';

const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: 'agents.yaml', ...p });

/** The seed-like table with `fleet` lines and one agent with `extra` lines (from line 14 on, or 15 with a fleet line). */
const table = (agentExtra = '', fleetLines = ''): string =>
  `version: 1\n${fleetLines ? `fleet:\n${fleetLines}` : ''}${BASE_SCOPES}agents:\n  - name: lead-enricher\n    owner: growth@acme.example\n    actions:\n      - { action: Read contact info, scopes: [crm.contacts.read] }\n${agentExtra}`;

describe('URLs anchored at both ends: no line, space or control character after the host', () => {
  it('fails when vaultAddr carries a second line (it would add VAULT_SKIP_VERIFY=true to every snippet.env)', async () => {
    const addr = 'https://vault.example:8200\nVAULT_SKIP_VERIFY=true';
    expect(await problemsOf(table('', `  vaultAddr: ${JSON.stringify(addr)}\n`))).toEqual([
      problem({
        rule: 'control-character',
        line: 3,
        column: 14,
        value: addr,
        message: 'value holds U+000A (line feed) at character 27, which would reach runbooks, reports and Terraform as it is',
        fix: 'remove it; names, URLs and ARNs are one line of visible characters',
      }),
      problem({
        rule: 'invalid-value',
        line: 3,
        column: 14,
        value: addr,
        message: 'vaultAddr holds whitespace or a control character',
        fix: "write Vault's address as https://vault.example.com:8200",
      }),
    ]);
  });

  it.each([
    ['https://vault.example:8200 ', 'vaultAddr holds whitespace or a control character'],
    ['https://vault.example:8200/"onmouseover=x', 'vaultAddr has characters a URL may not hold unencoded'],
    ['https://vault.example:99999', 'vaultAddr has no valid host (and port)'],
    ['https://', 'vaultAddr has no valid host (and port)'],
    ['http://vault.example:8200', 'vaultAddr is not an https:// URL'],
    ['vault.example:8200', 'vaultAddr is not an absolute URL such as https://vault.example.com:8200'],
  ])('fails when vaultAddr is %j', async (addr, message) => {
    const [p] = (await problemsOf(table('', `  vaultAddr: ${JSON.stringify(addr)}\n`))).filter((x) => x.rule === 'invalid-value');
    expect(p).toEqual(
      problem({ rule: 'invalid-value', line: 3, column: 14, value: addr, message, fix: "write Vault's address as https://vault.example.com:8200" }),
    );
  });

  it('fails when a tokenUrl has a space inside it', async () => {
    const yaml = `${table()}credentials:\n  hubspot: { rotator: oauth2-refresh, tokenUrl: "https://api.hubapi.com/oauth/v1/token extra" }\n`;
    expect((await problemsOf(yaml)).map((p) => [p.rule, p.message])).toEqual([['invalid-value', 'tokenUrl holds whitespace or a control character']]);
  });

  it.each(['https://vault.acme.example:8200', 'https://vault.acme.example', 'https://10.0.0.5:8200/', 'https://[2001:db8::1]:8200', 'http://127.0.0.1:8200'])(
    'loads vaultAddr %s',
    async (addr) => {
      const dir = writeFiles({ 'agents.yaml': table('', `  vaultAddr: "${addr}"\n`) });
      expect((await loadFleet({ table: join(dir, 'agents.yaml') })).settings.vaultAddr).toBe(addr);
    },
  );
});

describe('control characters anywhere in the table', () => {
  it('fails on a lone CR in a Markdown cell (CommonMark would start a new line there)', async () => {
    const md = 'Agent | Required Action | API Scope\n---|---|---\nlead-enricher | Read\r# Injected heading <img src=x> | crm.contacts.read\n';
    const dir = writeFiles({ 'agents.md': md, 'scopes.yaml': `version: 1\ndefaults: { owner: growth@acme.example }\n${BASE_SCOPES}` });
    const problems = await loadFleet({ table: join(dir, 'agents.md'), catalog: join(dir, 'scopes.yaml') }).then(
      () => [],
      (e: { problems: Problem[] }) => e.problems,
    );
    expect(problems.map((p) => [p.rule, p.line, p.column, p.agent, p.message])).toEqual([
      [
        'control-character',
        3,
        17,
        'lead-enricher',
        'value holds U+000D (carriage return) at character 5, which would reach runbooks, reports and Terraform as it is',
      ],
    ]);
  });

  it('fails on a CR inside an ARN, as a control character and as an ARN of the wrong shape', async () => {
    const yaml = table().replace('scopes:\n', 'scopes:\n  lake.read:\n    aws: { actions: [s3:GetObject], resources: ["arn:aws:s3:::acme-lake/\\r# x/*"] }\n');
    expect((await problemsOf(yaml)).map((p) => [p.rule, p.message])).toEqual([
      ['control-character', 'value holds U+000D (carriage return) at character 24, which would reach runbooks, reports and Terraform as it is'],
      ['invalid-arn', 'resource holds whitespace or a control character'],
    ]);
  });

  it.each([
    ['a line separator in a description', '    description: "first\\u2028# second"\n', 'U+2028 (line separator) at character 6'],
    ['a bidirectional override in the owner', '', 'U+202E (bidirectional control) at character 7'],
    ['an escape sequence in an action', '', 'U+001B (escape) at character 5'],
  ])('fails on %s', async (label, extra, where) => {
    let yaml = table(extra);
    if (label.includes('owner')) yaml = yaml.replace('owner: growth@acme.example', 'owner: "growth\\u202E@acme.example"');
    if (label.includes('action')) yaml = yaml.replace('action: Read contact info', 'action: "Read\\e[2J contact info"');
    const problems = await problemsOf(yaml);
    expect(problems.filter((p) => p.rule === 'control-character').map((p) => p.message)).toEqual([
      `value holds ${where}, which would reach runbooks, reports and Terraform as it is`,
    ]);
  });

  it('loads tabs and line breaks in free text (a description written as a YAML block)', async () => {
    const dir = writeFiles({ 'agents.yaml': table('    description: |\n      Reads contacts.\n      \tTags them.\n') });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents[0].description).toBe('Reads contacts.\n\tTags them.\n');
  });
});

describe('every Markdown writer escapes line ends and HTML', () => {
  test('text, cell and code flatten every line end CommonMark honours, and keep tags from rendering', () => {
    expect(text('a\rb\nc\r\nd\u2028e\u0085f <b>&amp;')).toBe('a b c d e f &lt;b>&amp;amp;');
    expect(cell('x | <script>')).toBe('x \\| &lt;script>');
    expect(code('echo a\rrm -rf /')).toBe('`echo a rm -rf /`');
    expect(cellCode('a|b`c')).toBe('``a\\|b`c``');
  });

  test("a runbook shows an agent's description and actions as text, never as HTML or a new heading", () => {
    const agent = resolvedAgent({
      name: 'lead-enricher',
      description: '<img src=x onerror=alert(1)> & co',
      actions: [{ action: 'Read <b>contacts</b>', scopes: ['crm.contacts.read'] }],
    });
    const fleet = {
      settings: {
        name: 'scoped-agents',
        kvMount: 'kv',
        appRoleMount: 'approle',
        awsMount: 'aws',
        jwtMount: 'github-actions',
        logRetentionDays: 365,
        rotationGrace: 3600,
        vaultAudit: true,
        vaultAuditFile: '/x',
        cloudTrail: false,
        gateway: false,
      },
      credentials: {},
      apis: {},
    };
    const page = runbookFor({ ...agent, scopes: [{ kind: 'secret', name: 'crm.contacts.read', secret: 'hubspot' }] }, fleet);
    expect(page).toContain('| description | &lt;img src=x onerror=alert(1)> &amp; co |');
    expect(page).toContain('| Read &lt;b>contacts&lt;/b> | `crm.contacts.read` |');
    expect(page).not.toMatch(/<img|<b>/);
  });

  test('report shows a hand-edited owner with a CR and a tag as one escaped cell', async () => {
    const { stacks } = await synthesizeTable({ table: 'agents.yaml' });
    const json = JSON.parse(JSON.stringify(stacks[0].json));
    for (const entry of Object.values(json.resource.vault_kv_secret_v2) as { custom_metadata: { data: Record<string, string> } }[]) {
      if (entry.custom_metadata.data.agent === 'lead-enricher') entry.custom_metadata.data.owner = 'growth@acme.example\r# Injected <script>x</script>';
    }
    const md = renderMatrixMarkdown(accessMatrix(outputOf([{ name: stacks[0].name, json }])));
    expect(md).toContain('| lead-enricher | growth@acme.example # Injected &lt;script>x&lt;/script> |');
    expect(md.split(/\r\n|[\r\n]/).filter((l) => l.startsWith('# Injected'))).toEqual([]);
    expect(md).not.toContain('<script>');
  });

  test('usage escapes role names read from an audit log', () => {
    const report = summarizeUsage({
      fleet: 'scoped-agents',
      start: new Date('2026-11-26T07:00:00Z'),
      end: new Date('2026-11-27T07:00:00Z'),
      source: 'Vault audit log a.log',
      agents: [],
      unknownRoles: { 'agent-x\r# Injected <img src=x>': 3 },
    });
    expect(report.toMarkdown()).toContain('Roles named like agents but not in this fleet: agent-x # Injected &lt;img src=x> (3).');
    expect(report.toMarkdown()).not.toContain('<img');
  });
});

describe('CSV never hands a spreadsheet a formula', () => {
  test.each([
    ['=HYPERLINK("https://evil.example","x")', `"'=HYPERLINK(""https://evil.example"",""x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['plain, text', '"plain, text"'],
    ['agent:lead-enricher', 'agent:lead-enricher'],
  ])('csvField(%j) is %s', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  test('graph --format csv and check --format csv both write through it', async () => {
    const graph = graphToCsv({ nodes: [{ id: 'agent:x', kind: 'agent', layer: 'logical', label: '=cmd|" /C calc"!A0' }], edges: [] });
    expect(graph.split('\r\n')[1]).toBe(csvRow(['node', 'agent:x', 'agent', 'logical', '=cmd|" /C calc"!A0', '', '']));
    expect(graph.split('\r\n')[1]).toBe(`node,agent:x,agent,logical,"'=cmd|"" /C calc""!A0",,`);
    const check = checkToCsv({
      dir: 'o',
      stacks: ['s'],
      rules: [],
      findings: [{ rule: 'r', stack: 's', file: 'f', resource: 'res', message: '@evil', fix: '-fix' }],
      accepted: [],
    } as never);
    expect(check.split('\r\n')[1]).toBe("finding,r,s,res,,,'@evil,'-fix,");
  });

  test('the graph of the seed is written unchanged (no field of ours starts with a formula character)', async () => {
    const { outDir } = await synthesizeTable({ table: 'agents.yaml' });
    const { readOutput } = await import('../../review');
    const csv = graphToCsv(resourceGraph(readOutput(outDir)));
    expect(csv.split('\r\n').filter((l) => l.includes(",'"))).toEqual([]);
  });
});
