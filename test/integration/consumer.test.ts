import { execFileSync, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { FUNCTIONS } from '../../model/operations';
import { loadFleet } from '../../table/load-fleet';
import { synthesizeFleet } from '../../stacks/synthesize-fleet';
import { tempDir } from '../helpers';

/**
 * The package as a user gets it: `npm pack` (which runs prepack: lib/, the
 * function bundles, the schema), installed from the tarball into a fresh
 * project that has only public packages — cdktf, the providers, TypeScript,
 * and constructs 10.4.2, older than the one we develop with, so a second copy
 * under ours would show. The project compiles a cdktf app and the examples of
 * docs/constructs.md with the strictest flags, synthesizes with plain node,
 * and gets byte for byte what the repository's own synth writes for the same
 * table; JavaScript can require() it; the installed CLI validates, synthesizes
 * and checks a fleet that is not named `scoped-agents`, with no suppressions
 * file, and writes nothing into node_modules. The npm cache our own `npm ci`
 * filled makes the install a matter of seconds.
 */

const ROOT = resolve(__dirname, '..', '..');
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
const locked = (name: string): string => LOCK.packages[`node_modules/${name}`]!.version;
const FLEET = 'acme-ops';

let project: string;
let packed: { filename: string; files: { path: string }[] };

function npm(args: readonly string[], cwd: string): string {
  // npm_config_* of an enclosing `npm test` (e.g. its --prefix) must not leak into the consumer's npm.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(file: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [file, ...args], { cwd: project, encoding: 'utf8' });
}

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The ```ts blocks of the "Using the constructs from code" section of docs/constructs.md. */
function docExamples(): string[] {
  const page = readFileSync(join(ROOT, 'docs', 'constructs.md'), 'utf8');
  const section = page.slice(page.indexOf('## Using the constructs from code'));
  const end = section.indexOf('\n## ', 3);
  return [...(end === -1 ? section : section.slice(0, end)).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

beforeAll(() => {
  const dir = tempDir('scoped-agents-consumer-');
  packed = (JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as (typeof packed)[])[0]!;
  project = join(dir, 'acme-infra');
  execFileSync('mkdir', [project]);
  const dependencies = {
    'scoped-agents': `file:../${packed.filename}`,
    cdktf: locked('cdktf'),
    constructs: '10.4.2',
    '@cdktf/provider-aws': locked('@cdktf/provider-aws'),
    '@cdktf/provider-vault': locked('@cdktf/provider-vault'),
    '@cdktf/provider-github': locked('@cdktf/provider-github'),
    typescript: locked('typescript'),
    '@types/node': locked('@types/node'),
  };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'acme-infra', version: '1.0.0', private: true, dependencies }, null, 2));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);

  const compilerOptions = {
    target: 'ES2022',
    module: 'commonjs',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    types: ['node'],
  };
  const examples = docExamples();
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts', ...examples.map((_, i) => `example-${i + 1}.ts`)] }));
  examples.forEach((code, i) => writeFileSync(join(project, `example-${i + 1}.ts`), code));
  writeFileSync(
    join(project, 'main.ts'),
    [
      "import { App } from 'cdktf';",
      "import { AgentFleet, FleetStack, loadFleet, ScopedAgent } from 'scoped-agents';",
      '',
      'async function main(): Promise<void> {',
      "  const fleet = await loadFleet({ table: 'agents.yaml' });",
      "  const app = new App({ outdir: 'cdktf.out' });",
      '  const name = fleet.settings.name;',
      '  const stack = new FleetStack(app, name, { fleet, localStatePath: `../../../terraform.${name}.tfstate` });',
      '  const agents = stack.node.findAll().find((c): c is AgentFleet => c instanceof AgentFleet);',
      "  const first: ScopedAgent | undefined = agents?.agents[fleet.agents[0]?.name ?? ''];",
      '  app.synth();',
      "  console.log(`${name}: ${Object.keys(agents?.agents ?? {}).length} agents, the first ${first?.node.id ?? 'none'}`);",
      '}',
      'main().catch((e: unknown) => {',
      '  console.error(e);',
      '  process.exitCode = 1;',
      '});',
      '',
    ].join('\n'),
  );
  const seed = readFileSync(join(ROOT, 'agents.yaml'), 'utf8');
  writeFileSync(join(project, 'agents.yaml'), seed.replace(/^version: 1$/m, `version: 1\nfleet:\n  name: ${FLEET}`));
}, 180_000);

test('the tarball holds the build, the bundles, the schema and the docs files, and no test, bench, script or CI file', () => {
  const files = packed.files.map((f) => f.path);
  expect(files.filter((f) => /^(test|bench|scripts|functions|\.ci|\.github|\.gen|cdktf\.out)\//.test(f) || f.endsWith('.test.ts'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'bin/scoped-agents.js', 'schema/agents.schema.json']));
  expect(files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', 'lib/index.js.map', 'lib/cli/main.js']));
  expect(files.filter((f) => f.startsWith('dist/')).sort()).toEqual(FUNCTIONS.map((role) => `dist/functions/${role}/archive.zip`).sort());
});

test('the consumer gets one copy of constructs and cdktf (ours are peers), and no esbuild, tsx or AWS SDK', () => {
  const modules = join(project, 'node_modules');
  expect(existsSync(join(modules, 'scoped-agents', 'node_modules'))).toBe(false);
  expect((JSON.parse(readFileSync(join(modules, 'constructs', 'package.json'), 'utf8')) as { version: string }).version).toBe('10.4.2');
  for (const absent of ['esbuild', 'tsx', '@aws-sdk', 'jest']) expect([absent, existsSync(join(modules, absent))]).toEqual([absent, false]);
});

test('a cdktf app and the docs examples compile with strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes', () => {
  const tsc = spawnSync(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
  expect(docExamples()).toHaveLength(2);
});

describe('once compiled', () => {
  let installedBefore: string[];
  beforeAll(() => {
    installedBefore = filesUnder(join(project, 'node_modules', 'scoped-agents'));
    if (!existsSync(join(project, 'main.js'))) {
      execFileSync(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });
    }
  });

  test('plain node synthesizes the same stack, byte for byte, as the repository does from the same table', async () => {
    const r = run('main.js', []);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${FLEET}: 3 agents, the first email-notifier\n`);
    const theirs = join(project, 'cdktf.out', 'stacks', FLEET);
    const ours = join(tempDir(), 'cdktf.out');
    synthesizeFleet(await loadFleet({ table: join(project, 'agents.yaml') }), ours, { stateDir: join(ours, '..') });
    const oursStack = join(ours, 'stacks', FLEET);
    expect(filesUnder(theirs)).toEqual(filesUnder(oursStack));
    expect(filesUnder(theirs).filter((f) => f.endsWith('archive.zip'))).toHaveLength(FUNCTIONS.length);
    for (const file of filesUnder(theirs)) expect([file, readFileSync(join(theirs, file)).equals(readFileSync(join(oursStack, file)))]).toEqual([file, true]);
  });

  test('require() from JavaScript: the root, package.json and the schema; nothing internal', () => {
    writeFileSync(
      join(project, 'from-js.js'),
      [
        "const sa = require('scoped-agents');",
        "const schema = require('scoped-agents/schema/agents.schema.json');",
        "let internal = 'reachable';",
        "try { require('scoped-agents/lib/model/usage'); } catch (e) { internal = e.code; }",
        "sa.loadFleet({ table: 'agents.yaml' }).then((fleet) => {",
        "  const agent = fleet.agents.find((a) => a.name === 'lead-enricher');",
        '  console.log(JSON.stringify({',
        "    version: require('scoped-agents/package.json').version,",
        '    schema: schema.title,',
        '    internal,',
        '    constructs: [sa.AgentFleet, sa.ScopedAgent, sa.FleetStack].map((c) => typeof c),',
        '    policy: sa.accessFor(agent, fleet).vault.policy,',
        '    rules: sa.RULES.length,',
        '  }));',
        '});',
      ].join('\n'),
    );
    const r = run('from-js.js', []);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      version: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      schema: 'scoped-agents agent table',
      internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      constructs: ['function', 'function', 'function'],
      policy: 'agent-lead-enricher',
      rules: 12,
    });
  });

  test('the installed CLI validates, synthesizes and checks a fleet of another name cleanly, with no suppressions file', () => {
    const bin = join(project, 'node_modules', '.bin', 'scoped-agents');
    const version = run(bin, ['--version']);
    expect(version.stdout).toMatch(/^scoped-agents \d+\.\d+\.\d+\n$/);
    const validate = run(bin, ['validate']);
    expect([validate.status, validate.stderr]).toEqual([0, '']);
    expect(validate.stdout).toContain('lead-enricher (claude, growth@acme.example): crm.contacts.read, crm.tags.write\n');
    const synth = run(bin, ['synth', '--out', 'cli.out']);
    expect([synth.status, synth.stderr]).toEqual([0, '']);
    expect(readFileSync(join(project, 'cli.out', 'stacks', FLEET, 'cdk.tf.json'))).toEqual(
      readFileSync(join(project, 'cdktf.out', 'stacks', FLEET, 'cdk.tf.json')),
    );
    const check = run(bin, ['check', '--out', 'cli.out']);
    expect([check.status, check.stderr]).toEqual([0, '']);
    expect(check.stdout).toMatch(new RegExp(`^scoped-agents check: 12 rules over cli\\.out \\(${FLEET}\\): 0 findings, \\d+ accepted exceptions\\.\\n`));
    expect(existsSync(join(project, 'scoped-agents.suppressions.yaml'))).toBe(false);
  });

  test('nothing was written into the installed package, and no bundle was built', () => {
    expect(filesUnder(join(project, 'node_modules', 'scoped-agents'))).toEqual(installedBefore);
    expect(existsSync(join(project, '.scoped-agents'))).toBe(false);
  });
});
