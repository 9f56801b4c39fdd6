import { mkdirSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { tempDir, writeFiles } from '../helpers';
import { synthesizeTable } from '../support/synthesized';

/**
 * `scoped-agents usage`: its usage errors (exit 2), unreadable input (exit 1,
 * a message naming what and where), and a summary over a hand-written audit
 * log. The real OpenBao proof is test/integration/usage-audit.test.ts.
 */

const ROOT = resolve(__dirname, '..', '..');
const USAGE = 'Usage: scoped-agents usage --audit-log FILE [--since 24h] [--until TIME] [--format markdown|json] [--out cdktf.out] [--fail-on-flag]\n';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, env: {} };
  return { code: await run(argv, io), out, err };
}

let outDir: string;
beforeAll(async () => {
  outDir = (await synthesizeTable({ table: 'agents.yaml' })).outDir;
});

test('is listed in --help, and prints its usage', async () => {
  expect((await cli(['--help'])).out).toMatch(/\n {2}usage +per-agent calls, denied calls, orphans and spikes, from a Vault\/OpenBao audit log\n/);
  const help = await cli(['usage', '--help']);
  expect(help.code).toBe(0);
  expect(help.out.startsWith(USAGE)).toBe(true);
  expect(help.out).toContain('\n  --audit-log FILE        the JSON log of a Vault/OpenBao file audit device (fleet.vaultAuditFile)\n');
});

test.each([
  [[], 'error: --audit-log FILE is required: the JSON log of a Vault/OpenBao file audit device'],
  [['--audit-log', 'a.log', '--since', 'yesterday'], 'error: --since must be a duration such as 24h or 90m (got "yesterday")'],
  [['--audit-log', 'a.log', '--until', 'soon'], 'error: --until must be a time such as 2026-11-27T07:00:00Z (got "soon")'],
  [['--audit-log', 'a.log', '--format', 'csv'], 'error: --format must be one of markdown, json (got "csv")'],
  [['--audit-log', 'a.log', '--table', 'agents.yaml'], 'error: unknown option --table (known: --audit-log, --since, --until, --format, --out, --fail-on-flag)'],
])('fails with exit 2 and the usage on %j', async (argv, message) => {
  expect(await cli(['usage', ...argv])).toEqual({ code: 2, out: '', err: `${message}\n${USAGE}` });
});

test('fails with exit 1 when the output directory holds no synthesized stacks, saying to synthesize', async () => {
  const empty = tempDir();
  const r = await cli(['usage', '--audit-log', 'a.log', '--out', empty]);
  expect(r).toEqual({ code: 1, out: '', err: `error: ${empty}: no stacks found — run scoped-agents synth first\n` });
});

test('fails with exit 1 when the stacks hold no agent alarms, or are not JSON', async () => {
  const out = tempDir();
  mkdirSync(join(out, 'stacks', 'x'), { recursive: true });
  writeFileSync(join(out, 'manifest.json'), '{"version":"0.21.0","stacks":{"x":{"name":"x"}}}');
  writeFileSync(join(out, 'stacks', 'x', 'cdk.tf.json'), '{"resource":{}}');
  expect((await cli(['usage', '--audit-log', 'a.log', '--out', out])).err).toBe(
    `error: ${out}: no agent call-rate alarms in the synthesized stacks; is this the output of \`scoped-agents synth\`?\n`,
  );
  writeFileSync(join(out, 'stacks', 'x', 'cdk.tf.json'), '{');
  expect((await cli(['usage', '--audit-log', 'a.log', '--out', out])).err).toMatch(
    new RegExp(`^error: ${out}/stacks/x/cdk\\.tf\\.json: not valid JSON \\(.*\\) — run scoped-agents synth first\\n$`),
  );
});

test('fails with exit 2 when --since reaches back before 1970, instead of an internal error', async () => {
  expect(await cli(['usage', '--audit-log', 'a.log', '--since', '99999999999d', '--out', outDir])).toEqual({
    code: 2,
    out: '',
    err: `error: --since 99999999999d reaches back before 1970 (with the 7 windows before it the trend compares); use a window such as 24h or 7d\n${USAGE}`,
  });
});

test('fails with exit 1 when the audit log is missing, or holds no audit entries', async () => {
  expect(await cli(['usage', '--audit-log', 'no/such.log', '--out', outDir])).toEqual({
    code: 1,
    out: '',
    err: 'error: no/such.log: no such file; name the file your Vault audit device writes (fleet.vaultAuditFile)\n',
  });
  const dir = writeFiles({ 'empty.log': '', 'text.log': 'hello\nworld\n' });
  expect((await cli(['usage', '--audit-log', join(dir, 'empty.log'), '--out', outDir])).err).toBe(
    `error: ${join(dir, 'empty.log')} holds no Vault audit entries: JSON lines with "type": "request" or "response" (it is empty)\n`,
  );
  expect((await cli(['usage', '--audit-log', join(dir, 'text.log'), '--out', outDir])).err).toBe(
    `error: ${join(dir, 'text.log')} holds no Vault audit entries: JSON lines with "type": "request" or "response" (line 1 is not one)\n`,
  );
});

test('summarizes a hand-written log over the seed: agents from the synthesized alarms, the window from --until and --since', async () => {
  const line = (time: string, role: string, error?: string): string =>
    JSON.stringify({
      time,
      type: 'response',
      auth: { display_name: 'approle', metadata: { role_name: role } },
      request: { path: 'kv/data/x' },
      ...(error ? { error } : {}),
    });
  const dir = writeFiles({
    'audit.log': [
      line('2026-11-27T05:00:00.000000001Z', 'agent-lead-enricher'),
      line('2026-11-27T05:00:01Z', 'agent-lead-enricher', '1 error occurred:\n\t* permission denied\n\n'),
      line('2026-11-27T06:59:59Z', 'agent-email-notifier'),
      line('2026-11-27T07:00:00Z', 'agent-email-notifier'), // the window's end is not in it
      line('2026-11-27T06:00:00Z', 'agent-retired'),
    ].join('\n'),
  });
  const r = await cli([
    'usage',
    '--audit-log',
    join(dir, 'audit.log'),
    '--out',
    outDir,
    '--until',
    '2026-11-27T07:00:00Z',
    '--since',
    '6h',
    '--format',
    'json',
  ]);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.out);
  expect(json.window).toEqual({ start: '2026-11-27T01:00:00.000Z', end: '2026-11-27T07:00:00.000Z', seconds: 21600 });
  expect(json.agents.map((a: { agent: string; calls: number; denied: number; orphan: boolean }) => [a.agent, a.calls, a.denied, a.orphan])).toEqual([
    ['email-notifier', 1, 0, false],
    ['invoice-summarizer', 0, 0, true],
    ['lead-enricher', 2, 1, false],
  ]);
  expect(json.unknownRoles).toEqual({ 'agent-retired': 1 });
  expect(json.source).toBe(`Vault audit log ${join(dir, 'audit.log')} (5 entries)`);
  const flagged = await cli([
    'usage',
    '--audit-log',
    join(dir, 'audit.log'),
    '--out',
    outDir,
    '--until',
    '2026-11-27T07:00:00Z',
    '--since',
    '6h',
    '--fail-on-flag',
  ]);
  expect(flagged.code).toBe(1);
  expect(flagged.out).toContain('| invoice-summarizer | 0 | 0 | no history | 0 (1000) | **orphan**: no calls in 6 h |');
});
