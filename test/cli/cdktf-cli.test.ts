/**
 * The cdktf CLI flow from the README: `npx cdktf synth` runs main.ts, which is
 * `scoped-agents synth --out $CDKTF_OUTDIR`, and writes what `npm run synth`
 * writes. (`cdktf diff` and `cdktf deploy` go on to `terraform init`, which
 * needs the providers from the registry; that is the user's machine's part.)
 */
import { execFile } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { tempDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** An environment for the cdktf CLI: no telemetry, no Terraform CLI configuration of the machine's. */
function cdktfEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const rc = join(tempDir('scoped-agents-cdktf-'), 'terraform.rc');
  writeFileSync(rc, '');
  return { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0', TF_CLI_CONFIG_FILE: rc, ...extra };
}

/** `npx cdktf synth --output OUT` from the repository root. */
function cdktfSynth(out: string, extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('npx', ['cdktf', 'synth', '--output', out], { cwd: ROOT, env: cdktfEnv(extra), timeout: 120_000 });
}

/** `npm run synth -- --out OUT` from the repository root. */
function npmSynth(out: string, extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('npm', ['run', '--silent', 'synth', '--', '--out', out], { cwd: ROOT, env: { ...process.env, ...extra }, timeout: 120_000 });
}

/** Each stack's `cdk.tf.json`, parsed, without cdktf's `//` metadata. */
function stacksOf(out: string): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(join(out, 'stacks'))
      .sort()
      .map((name) => {
        const { ['//']: _metadata, ...json } = JSON.parse(readFileSync(join(out, 'stacks', name, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
        return [name, json];
      }),
  );
}

test.each([
  ['the default table', {}],
  ['a sharded table (SCOPED_AGENTS_TABLE)', { SCOPED_AGENTS_TABLE: 'test/fixtures/sharded.yaml' }],
])(
  '`npx cdktf synth` writes the same stacks as `npm run synth`: %s',
  async (_label, env: Record<string, string>) => {
    const viaCdktf = join(tempDir(), 'cdktf.out');
    const viaNpm = join(tempDir(), 'cdktf.out');
    const [cdktf] = await Promise.all([cdktfSynth(viaCdktf, env), npmSynth(viaNpm, env)]);
    expect(cdktf.stdout).toContain('Generated Terraform code for the stacks:');
    const ours = stacksOf(viaNpm);
    expect(Object.keys(ours).length).toBeGreaterThan(0);
    expect(stacksOf(viaCdktf)).toEqual(ours);
    expect(readdirSync(join(viaCdktf, 'agents')).sort()).toEqual(readdirSync(join(viaNpm, 'agents')).sort());
  },
  180_000,
);

test('`npx cdktf synth` keeps what Terraform wrote beside a stack, and removes the folder of a stack that is gone', async () => {
  const out = join(tempDir(), 'cdktf.out');
  await cdktfSynth(out);
  const stack = join(out, 'stacks', 'scoped-agents');
  mkdirSync(join(stack, '.terraform', 'providers'), { recursive: true });
  writeFileSync(join(stack, '.terraform', 'providers', 'marker'), 'installed provider');
  writeFileSync(join(stack, '.terraform.lock.hcl'), '# lock file\n');
  mkdirSync(join(out, 'stacks', 'retired-stack', '.terraform'), { recursive: true });
  await cdktfSynth(out);
  expect(readFileSync(join(stack, '.terraform', 'providers', 'marker'), 'utf8')).toBe('installed provider');
  expect(readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8')).toBe('# lock file\n');
  expect(existsSync(join(stack, 'cdk.tf.json'))).toBe(true);
  expect(readdirSync(join(out, 'stacks'))).toEqual(['scoped-agents']);
}, 180_000);
