/**
 * The documents `scoped-agents synth` (and main.ts, the cdktf app) write beside
 * the synthesized stacks: each agent's runbook and platform snippets, under
 * `<out>/agents/<agent>/`. Proven on the output itself, as a user gets it:
 *
 * - every agent of every table gets its runbook (every section) and its snippet;
 * - no generated file, stacks included, holds a secret value: the test runs
 *   the binary with seed values in its environment (`TF_VAR_seed__…`, as an
 *   operator's shell would have them) and scans every file for them, and for
 *   anything shaped like a token;
 * - the documents are published with the stacks by the atomic swap: a synth on
 *   an invalid table writes none, a later synth leaves no page of an agent
 *   that is no longer in the table.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { RUNBOOK_SECTIONS } from '../../documents';
import { Fleet } from '../../model';
import { callAll, moduleAt } from '../support/bridge';
import { tempDir, writeFiles } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'scoped-agents.js');

const TABLES = [
  { label: 'seed (agents.yaml)', args: ['--table', 'agents.yaml'] },
  { label: 'seed as Markdown', args: ['--table', 'test/fixtures/seed-owners.md', '--catalog', 'test/fixtures/seed-catalog.yaml'] },
  { label: 'fixture', args: ['--table', 'test/fixtures/fleet.yaml'] },
  { label: 'GitHub agents', args: ['--table', 'test/fixtures/github-agents.yaml'] },
];

/**
 * Seed values an operator may have exported when synthesizing: the first
 * values of the KV entries (README, "Deploying") and the shapes the provider
 * tests seed (test/functions/rotate.test.ts). None may reach a generated file.
 */
const SEEDS: Record<string, string> = {
  TF_VAR_seed__lead_enricher__hubspot: JSON.stringify({ token: 'pat-na1-5f0c2b7e-8d41-4a1c-9e3f-2b6d7c8a9e01' }),
  TF_VAR_seed__email_notifier__sendgrid: JSON.stringify({
    api_key: 'SG.seedKey0123456789abcdef.0123456789abcdefghijklmnopqrstuvwxyzABCDE',
    api_key_id: 'kid-seed-0',
  }),
  TF_VAR_seed__ticket_triager__jira: JSON.stringify({
    client_id: 'jira-client-id-seed',
    client_secret: 'jira-client-secret-seed-9f8e7d',
    refresh_token: 'rt-seed-jira-0a1b2c',
    access_token: 'at-seed-jira-3d4e5f',
  }),
  TF_VAR_seed__report_writer__slack: JSON.stringify({ token: 'xoxb-111111111111-2222222222222-seedSlackTokenValue' }),
  TF_VAR_seed__release_bot__slack: JSON.stringify({ token: 'xoxb-333333333333-4444444444444-seedReleaseBotToken' }),
  TF_VAR_vault_aws_broker_principal_arn: 'arn:aws:iam::123456789012:role/vault-broker',
};
/** Every value inside the seeds, long enough to be a secret. */
const SEED_VALUES = [...new Set(Object.values(SEEDS).flatMap((v) => (v.startsWith('{') ? Object.values(JSON.parse(v) as Record<string, string>) : [])))].filter(
  (v) => v.length >= 8,
);

/** Shapes of credentials: Vault/OpenBao tokens, GitHub, Slack, SendGrid, OpenAI, AWS keys, HubSpot, JWTs, private keys. */
const TOKEN_SHAPES: readonly [string, RegExp][] = [
  ['Vault token', /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/],
  ['legacy Vault token', /\b[sb]\.[A-Za-z0-9]{24}\b/],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{20,}/],
  ['Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ['SendGrid key', /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/],
  ['OpenAI key', /\bsk-(proj-)?[A-Za-z0-9_-]{20,}/],
  ['AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['HubSpot private app token', /\bpat-[a-z]{2,3}\d?-[0-9a-f]{8}-/],
  ['JWT', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** What in `text` looks like a secret: a seed value, or a credential's shape. */
function secretsIn(text: string): string[] {
  return [
    ...SEED_VALUES.filter((v) => text.includes(v)).map((v) => `seed value ${v.slice(0, 6)}…`),
    ...TOKEN_SHAPES.filter(([, re]) => re.test(text)).map(([name]) => name),
  ];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const synth = (args: readonly string[], out: string, env: Record<string, string> = {}): ReturnType<typeof spawnSync> =>
  spawnSync('node', [BIN, 'synth', ...args, '--out', out], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });

const FLEETS = callAll(
  TABLES.map((t) => ({ module: moduleAt('table/load-fleet.ts'), fn: 'loadFleet', args: [{ table: t.args[1], catalog: t.args[3] }] })),
) as Fleet[];

test('the secret detector is not blind: it finds every seed value and every credential shape', () => {
  for (const v of SEED_VALUES) expect(secretsIn(`x ${v} y`)).not.toEqual([]);
  const samples = [
    'hvs.CAESIJ0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'xoxb-1-2-abcdefghij',
    'SG.abcdefghijklmnop.abcdefghijklmnopqrstu',
    'sk-abcdefghijklmnopqrstuvwx',
    'AKIAABCDEFGHIJKLMNOP',
    'pat-na1-5f0c2b7e-8d41',
    'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.c2lnbmF0dXJlc2ln',
    '-----BEGIN RSA PRIVATE KEY-----',
  ];
  for (const s of samples) expect(secretsIn(s)).not.toEqual([]);
  expect(secretsIn('{{secrets.LEAD_ENRICHER_HUBSPOT}} kv/agents/lead-enricher/hubspot arn:aws:iam::123456789012:role/agent-x ${{ vars.VAULT_ADDR }}')).toEqual(
    [],
  );
});

describe.each(TABLES.map((t, i) => [t.label, t, FLEETS[i]] as const))('%s', (_label, table, fleet) => {
  const out = join(tempDir('scoped-agents-docs-'), 'cdktf.out');
  let files: string[];

  beforeAll(() => {
    const r = synth(table.args, out, SEEDS);
    if (r.status !== 0) throw new Error(`synth failed: ${String(r.stderr)}`);
    files = filesUnder(out)
      .map((f) => relative(out, f))
      .sort();
  });

  test('every agent has its runbook and its platform snippet under agents/<agent>/, and nothing else is there', () => {
    const docs = files.filter((f) => f.startsWith('agents/'));
    const snippet: Record<string, string[]> = {
      claude: ['snippet.json'],
      openai: ['snippet.json'],
      zapier: ['snippet.md'],
      generic: ['snippet.env', 'snippet.vault-agent.hcl'],
      'github-actions': ['snippet.yml'],
    };
    expect(docs).toEqual(fleet.agents.flatMap((a) => ['RUNBOOK.md', ...snippet[a.platform]].map((f) => `agents/${a.name}/${f}`)).sort());
  });

  test('every runbook has every section, in order', () => {
    for (const agent of fleet.agents) {
      const page = readFileSync(join(out, 'agents', agent.name, 'RUNBOOK.md'), 'utf8');
      expect(page.split('\n').filter((l) => /^#{1,3} /.test(l))).toEqual([`# Runbook: ${agent.name}`, ...RUNBOOK_SECTIONS]);
    }
  });

  test('no generated file holds a seed value or anything shaped like a credential, the stacks included', () => {
    const found = files.map((f) => ({ file: f, secrets: secretsIn(readFileSync(join(out, f), 'utf8')) })).filter((x) => x.secrets.length > 0);
    expect(found).toEqual([]);
    expect(files.filter((f) => f.startsWith('agents/')).length).toBeGreaterThanOrEqual(2 * fleet.agents.length);
  });

  test("a snippet refers only to the agent's own platform secrets ({{secrets.<AGENT>_…}}), the fleet's Vault address or its gateway's URL", () => {
    for (const agent of fleet.agents) {
      const prefix = agent.name.toUpperCase().replace(/-/g, '_');
      for (const f of files.filter((x) => x.startsWith(`agents/${agent.name}/snippet`))) {
        const refs = [...readFileSync(join(out, f), 'utf8').matchAll(/\{\{secrets\.([A-Z0-9_]+)\}\}/g)].map((m) => m[1]);
        // The fleet-wide, non-secret settings known only once deployed: Vault's address and the gateway's URL.
        expect(refs.filter((r) => !r.startsWith(`${prefix}_`) && r !== 'VAULT_ADDR' && r !== 'SCOPED_AGENTS_GATEWAY_URL')).toEqual([]);
      }
    }
  });
});

test('an invalid table writes no stack and no document; a later synth leaves no page of an agent no longer in the table', () => {
  const dir = writeFiles({
    'two.yaml':
      'version: 1\ndefaults: { owner: a@acme.example }\nscopes:\n  chat.post: { secret: slack }\nagents:\n  - { name: alpha, actions: [{ action: Post, scopes: [chat.post] }] }\n  - { name: beta, actions: [{ action: Post, scopes: [chat.post] }] }\n',
    'one.yaml':
      'version: 1\ndefaults: { owner: a@acme.example }\nscopes:\n  chat.post: { secret: slack }\nagents:\n  - { name: alpha, actions: [{ action: Post, scopes: [chat.post] }] }\n',
    'broken.yaml': 'version: 1\nagents:\n  - { name: alpha, actions: [{ action: Post, scopes: [nope] }] }\n',
  });
  const out = join(dir, 'out');
  expect(synth(['--table', join(dir, 'broken.yaml')], out).status).toBe(1);
  expect(existsSync(out)).toBe(false);
  expect(synth(['--table', join(dir, 'two.yaml')], out).status).toBe(0);
  expect(readdirSync(join(out, 'agents')).sort()).toEqual(['alpha', 'beta']);
  expect(synth(['--table', join(dir, 'broken.yaml')], out).status).toBe(1);
  expect(readdirSync(join(out, 'agents')).sort()).toEqual(['alpha', 'beta']);
  expect(synth(['--table', join(dir, 'one.yaml')], out).status).toBe(0);
  expect(readdirSync(join(out, 'agents'))).toEqual(['alpha']);
  expect(readdirSync(dir).filter((f) => f.includes('staging'))).toEqual([]);
});

test('main.ts (the cdktf app) writes the runbooks and snippets beside its stacks too, replacing stale ones', () => {
  const out = join(tempDir('scoped-agents-main-'), 'cdktf.out');
  execFileSync('npx', ['tsx', 'main.ts'], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: out, SCOPED_AGENTS_TABLE: 'agents.yaml' }, encoding: 'utf8' });
  expect(
    filesUnder(join(out, 'agents'))
      .map((f) => relative(out, f))
      .sort(),
  ).toEqual([
    'agents/email-notifier/RUNBOOK.md',
    'agents/email-notifier/snippet.md',
    'agents/invoice-summarizer/RUNBOOK.md',
    'agents/invoice-summarizer/snippet.json',
    'agents/lead-enricher/RUNBOOK.md',
    'agents/lead-enricher/snippet.json',
  ]);
  writeFileSync(join(out, 'agents', 'stale.md'), 'old');
  execFileSync('npx', ['tsx', 'main.ts'], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: out, SCOPED_AGENTS_TABLE: 'agents.yaml' }, encoding: 'utf8' });
  expect(existsSync(join(out, 'agents', 'stale.md'))).toBe(false);
});
