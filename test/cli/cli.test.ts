import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { loadFleet } from '../../table';
import { buildFleetApp } from '../../stacks/fleet-app';
import { tempDir, writeFiles } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');

/** Runs the CLI in-process with captured output. */
async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, env };
  const code = await run(argv, io);
  return { code, out, err };
}

const BROKEN = `version: 1
scopes:
  crm.contacts.read: { secret: hubspot }
agents:
  - name: lead-enricher
    owner: growth@acme.example
    actions:
      - { action: Read contact info, scopes: [crm.contacts.delete] }
  - name: Lead‑Enricher
    owner: growth@acme.example
    platform: claudia
    actions:
      - { action: Read contact info, scopes: [crm.contacts.read] }
`;

describe('scoped-agents validate', () => {
  test("names each agent's shard stack in a sharded table, and the shards' sizes", async () => {
    const r = await cli(['validate', '--table', 'test/fixtures/sharded.yaml']);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: [
        'test/fixtures/sharded.yaml: valid — 4 agents, 3 scopes in use',
        '  shards: by owner; 3 with agents, the largest 2 of at most 50',
        '  invoice-summarizer (generic, finance@acme.example): invoices.read → acme-finance-acme-example',
        '  lead-enricher (generic, growth@acme.example): crm.contacts.read → acme-growth-acme-example',
        '  newsletter (generic, growth@acme.example): mail.send → acme-growth-acme-example',
        '  ticket-notifier (generic, support@acme.example): mail.send → acme-support-acme-example',
        '',
      ].join('\n'),
    });
  });

  test('passes the seed table and lists what each agent may use', async () => {
    const r = await cli(['validate']);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: [
        'agents.yaml: valid — 3 agents, 5 scopes in use',
        '  email-notifier (zapier, platform@acme.example): mail.send',
        '  invoice-summarizer (openai, finance@acme.example): storage.buckets.read, storage.objects.create',
        '  lead-enricher (claude, growth@acme.example): crm.contacts.read, crm.tags.write',
        '',
      ].join('\n'),
    });
  });

  test('fails when the table is invalid, listing every problem with file, line, agent, value and fix', async () => {
    const dir = writeFiles({ 'broken.yaml': BROKEN });
    const file = join(dir, 'broken.yaml');
    const r = await cli(['validate', '--table', file]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('error: the agent table has 3 problems.\n');
    expect(r.err).toContain(
      `${file}:8:47: agent lead-enricher: scope is not in the scope catalog (got "crm.contacts.delete")\n    fix: did you mean crm.contacts.read? Otherwise add it under scopes: [unknown-scope]`,
    );
    expect(r.err).toContain(`${file}:9:11: agent lead-enricher: agent "lead-enricher" is already defined at ${file}:5 (got "Lead‑Enricher")`);
    expect(r.err).toContain(`${file}:11:15: agent lead-enricher: platform: expected one of claude, openai, zapier, github-actions, generic (got "claudia")`);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('reads the table named by SCOPED_AGENTS_TABLE', async () => {
    const r = await cli(['validate'], { SCOPED_AGENTS_TABLE: 'test/fixtures/fleet.yaml' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^test\/fixtures\/fleet\.yaml: valid — 5 agents, 12 scopes in use\n/);
  });

  test('fails when the table file does not exist', async () => {
    const r = await cli(['validate', '--table', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nope.yaml: file not found\n    fix: check the path given with --table / --catalog (or SCOPED_AGENTS_TABLE) [file]');
  });
});

describe('scoped-agents synth', () => {
  const stackFile = (out: string) => join(out, 'stacks', 'scoped-agents', 'cdk.tf.json');

  test('writes a sharded fleet as its shared stack and one stack per shard, and says which to deploy first', async () => {
    const out = join(tempDir(), 'cdktf.out');
    const r = await cli(['synth', '--table', 'test/fixtures/sharded.yaml', '--out', out]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(
      `synthesized 4 agents from test/fixtures/sharded.yaml into 4 stacks under ${join(out, 'stacks')}: acme (shared; deploy it first) and 3 shards of at most 2 agents\n`,
    );
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['acme', 'acme-finance-acme-example', 'acme-growth-acme-example', 'acme-support-acme-example']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    expect(Object.fromEntries(Object.entries(manifest.stacks).map(([name, s]) => [name, s.dependencies]))).toEqual({
      acme: [],
      'acme-finance-acme-example': ['acme'],
      'acme-growth-acme-example': ['acme'],
      'acme-support-acme-example': ['acme'],
    });
  });

  test('writes the stack, replacing the previous output whole, and leaves no staging directory', async () => {
    const parent = tempDir();
    const out = join(parent, 'cdktf.out');
    mkdirSync(join(out, 'stacks', 'old-stack'), { recursive: true });
    writeFileSync(join(out, 'stale.txt'), 'from an earlier synth');
    const r = await cli(['synth', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`synthesized 3 agents from agents.yaml into ${stackFile(out)}\n`);
    // The stacks, and each agent's runbook and snippets under agents/ (published by the same swap).
    expect(readdirSync(out).sort()).toEqual(['agents', 'manifest.json', 'stacks']);
    expect(readdirSync(join(out, 'stacks'))).toEqual(['scoped-agents']);
    expect(readdirSync(parent)).toEqual(['cdktf.out']);
    const tf = JSON.parse(readFileSync(stackFile(out), 'utf8'));
    // Three agents' policies and the revoke and rotate functions' own.
    expect(
      Object.values(tf.resource.vault_policy as Record<string, { name: string }>)
        .map((p) => p.name)
        .sort(),
    ).toEqual([
      'agent-email-notifier',
      'agent-invoice-summarizer',
      'agent-lead-enricher',
      'scoped-agents-gateway',
      'scoped-agents-revoke',
      'scoped-agents-rotate',
    ]);
  });

  test('keeps what Terraform wrote beside a stack (.terraform/, .terraform.lock.hcl) across synths; a stack that is gone loses its folder', async () => {
    const out = join(tempDir(), 'cdktf.out');
    expect((await cli(['synth', '--table', 'test/fixtures/sharded.yaml', '--out', out])).code).toBe(0);
    const shared = join(out, 'stacks', 'acme');
    mkdirSync(join(shared, '.terraform', 'providers', 'registry.terraform.io'), { recursive: true });
    writeFileSync(join(shared, '.terraform', 'providers', 'registry.terraform.io', 'marker'), 'an installed provider');
    writeFileSync(join(shared, '.terraform.lock.hcl'), '# This file is maintained automatically by "terraform init".\n');
    // A shard whose agents move away: the next synth has no such stack.
    mkdirSync(join(out, 'stacks', 'acme-support-acme-example', '.terraform'), { recursive: true });
    writeFileSync(join(out, 'stacks', 'acme-support-acme-example', '.terraform.lock.hcl'), '# gone with its stack\n');
    const fewer = writeFiles({
      'agents.yaml': readFileSync(join(ROOT, 'test/fixtures/sharded.yaml'), 'utf8').replace(/ {2}- name: ticket-notifier\n( {4}.*\n)+/, ''),
    });

    expect((await cli(['synth', '--table', join(fewer, 'agents.yaml'), '--out', out])).code).toBe(0);
    expect(readFileSync(join(shared, '.terraform', 'providers', 'registry.terraform.io', 'marker'), 'utf8')).toBe('an installed provider');
    expect(readFileSync(join(shared, '.terraform.lock.hcl'), 'utf8')).toBe('# This file is maintained automatically by "terraform init".\n');
    expect(readdirSync(shared).sort()).toEqual(['.terraform', '.terraform.lock.hcl', 'assets', 'cdk.tf.json']);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['acme', 'acme-finance-acme-example', 'acme-growth-acme-example']);
    // The shards that stayed have nothing of Terraform's, since there was none.
    expect(readdirSync(join(out, 'stacks', 'acme-growth-acme-example'))).toEqual(['cdk.tf.json']);
  });

  test('keeps the local state at the project root, outside the output every synth replaces', async () => {
    const out = join(tempDir(), 'cdktf.out');
    expect((await cli(['synth', '--out', out])).code).toBe(0);
    const tf = JSON.parse(readFileSync(stackFile(out), 'utf8'));
    const statePath = resolve(out, 'stacks', 'scoped-agents', tf.terraform.backend.local.path);
    expect(statePath).toBe(join(ROOT, 'terraform.scoped-agents.tfstate'));
  });

  test('writes the state path relative to the stack directory, the same on every machine', async () => {
    const project = tempDir();
    const { app } = buildFleetApp(await loadFleet({ table: 'agents.yaml' }), join(project, 'cdktf.out'), { stateDir: project });
    app.synth();
    const tf = JSON.parse(readFileSync(stackFile(join(project, 'cdktf.out')), 'utf8'));
    expect(tf.terraform.backend).toEqual({ local: { path: '../../../terraform.scoped-agents.tfstate' } });
  });

  test('fails when the table is invalid, and writes nothing at all', async () => {
    const dir = writeFiles({ 'broken.yaml': BROKEN });
    const out = join(dir, 'cdktf.out');
    const r = await cli(['synth', '--table', join(dir, 'broken.yaml'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nothing was written');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['broken.yaml']);
  });

  test('fails when the table is invalid, and leaves the previous output untouched', async () => {
    const dir = writeFiles({ 'broken.yaml': BROKEN });
    const out = join(dir, 'cdktf.out');
    mkdirSync(out);
    // An earlier synth's output (its manifest), with a file beside it.
    writeFileSync(join(out, 'manifest.json'), '{"version":"0.21.0","stacks":{}}');
    writeFileSync(join(out, 'previous.txt'), 'keep me');
    const r = await cli(['synth', '--table', join(dir, 'broken.yaml'), '--out', out]);
    expect(r.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'previous.txt']);
    expect(readFileSync(join(out, 'previous.txt'), 'utf8')).toBe('keep me');
  });

  test("synthesizes the seed's Markdown table with owners to the same bytes as agents.yaml", async () => {
    const yamlOut = join(tempDir(), 'out');
    const mdOut = join(tempDir(), 'out');
    expect((await cli(['synth', '--out', yamlOut])).code).toBe(0);
    const md = await cli(['synth', '--table', 'test/fixtures/seed-owners.md', '--catalog', 'test/fixtures/seed-catalog.yaml', '--out', mdOut]);
    expect(md.code).toBe(0);
    expect(md.out).toContain('from test/fixtures/seed-owners.md + test/fixtures/seed-catalog.yaml');
    expect(readFileSync(stackFile(mdOut), 'utf8')).toBe(readFileSync(stackFile(yamlOut), 'utf8'));
  });
});

describe('usage', () => {
  test.each([
    [['frobnicate'], 'error: unknown command "frobnicate"'],
    [['synth', '--colour', 'red'], 'error: unknown option --colour (known: --table, --catalog, --out)'],
    [['synth', '--out'], 'error: --out needs a value'],
    [[], 'Usage: scoped-agents <command> [options]'],
    [['validate', 'broken.yaml'], 'error: unexpected argument "broken.yaml" (name the table with --table)'],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  test("prints a command's help with --help and exits 0", async () => {
    const r = await cli(['synth', '--help']);
    expect(r).toEqual({ code: 0, out: expect.stringContaining('\nOptions:\n') as string, err: '' });
    expect(r.out.startsWith('Usage: scoped-agents synth [--table agents.yaml] [--catalog scopes.yaml] [--out cdktf.out]\n')).toBe(true);
  });
});

describe('the installed binary', () => {
  test('runs as `npx scoped-agents` from the repository root', () => {
    const out = join(tempDir(), 'cdktf.out');
    const r = spawnSync('npx', ['scoped-agents', 'synth', '--table', 'test/fixtures/fleet.yaml', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'stacks', 'acme-agents', 'cdk.tf.json'))).toBe(true);
  });

  test('exits 1 with the problems and no stack trace on an invalid table', () => {
    const dir = writeFiles({ 'broken.yaml': BROKEN });
    const r = spawnSync('node', [join(ROOT, 'bin', 'scoped-agents.js'), 'validate', '--table', join(dir, 'broken.yaml')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[unknown-scope]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('main.ts (the cdktf app) synthesizes agents.yaml into CDKTF_OUTDIR', () => {
    const out = join(tempDir(), 'cdktf.out');
    execFileSync('npx', ['tsx', 'main.ts'], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: 'utf8' });
    const tf = JSON.parse(readFileSync(stackFile(out), 'utf8'));
    const roles = Object.values(tf.resource.vault_approle_auth_backend_role as Record<string, { role_name: string }>).map((r) => r.role_name);
    expect(roles.filter((r) => r.startsWith('agent-'))).toHaveLength(3);
    expect(roles.filter((r) => !r.startsWith('agent-')).sort()).toEqual(['scoped-agents-gateway', 'scoped-agents-revoke', 'scoped-agents-rotate']);
  });

  function stackFile(out: string): string {
    return join(out, 'stacks', 'scoped-agents', 'cdk.tf.json');
  }
});
