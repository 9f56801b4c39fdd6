import { readFileSync } from 'fs';
import { resolve } from 'path';
import { COMMANDS, commandHelp } from '../../cli/catalog';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { GRAPH_FORMATS } from '../../review/graph-formats';
import { CHECK_FORMATS } from '../../review/rules/check-formats';

/** `--version`, `help <command>`, `<command> --help`, and the catalog the help is printed from. */

const ROOT = resolve(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, env: {} };
  return { code: await run(argv, io), out, err };
}

test.each([['--version'], ['-v']])('%s prints the package version and exits 0', async (flag) => {
  expect(await cli([flag])).toEqual({ code: 0, out: `scoped-agents ${VERSION}\n`, err: '' });
});

test('`help synth` prints the usage, the summary, every option with its line, and the examples', async () => {
  expect(await cli(['help', 'synth'])).toEqual({
    code: 0,
    err: '',
    out: [
      'Usage: scoped-agents synth [--table agents.yaml] [--catalog scopes.yaml] [--out cdktf.out]',
      '',
      'Synthesize the table into Terraform JSON (nothing is written when the table is invalid).',
      '',
      'Options:',
      '  --table agents.yaml    the agent table, YAML or Markdown (default: $SCOPED_AGENTS_TABLE, else agents.yaml)',
      "  --catalog scopes.yaml  a shared scope catalog the table's scopes are added to (default: $SCOPED_AGENTS_CATALOG, else none)",
      '  --out cdktf.out        the folder the stacks, runbooks and snippets go to; replaced whole (default: cdktf.out)',
      '  -h, --help             print this help',
      '',
      'Examples:',
      '  $ scoped-agents synth',
      '      agents.yaml into cdktf.out/stacks/<fleet>/cdk.tf.json, runbooks into cdktf.out/agents/',
      '  $ scoped-agents synth --out base.out',
      '      a second output to diff against',
      '',
    ].join('\n'),
  });
});

test('`diff --help` names its two positional arguments', async () => {
  const r = await cli(['diff', '--help']);
  expect(r.out).toContain('Usage: scoped-agents diff BASE_OUT HEAD_OUT [--format markdown|json] [--fail-on-escalation]\n');
  expect(r.out).toContain(
    'Arguments:\n  BASE_OUT                the output before the change (a synth of the base branch)\n  HEAD_OUT                the output after it\n',
  );
  expect(r.out).toContain('  --fail-on-escalation    exit 1 when any change broadens an agent’s access\n');
});

describe.each(COMMANDS.map((c) => [c.name, c] as const))('%s', (name, command) => {
  test('`<command> --help`, `-h` and `help <command>` print the same help, exit 0', async () => {
    const help = commandHelp(command);
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
      [name, '--out', 'x', '--help'],
    ]) {
      expect(await cli(argv)).toEqual({ code: 0, out: help, err: '' });
    }
  });

  test('the help lists every option with its line, and at least one example of the command itself', () => {
    const help = commandHelp(command);
    for (const o of command.options)
      expect(help).toMatch(new RegExp(`\\n  --${o.name}${o.value ? ` ${o.value.replace(/[|.$]/g, '\\$&')}` : ''} +${o.says.replace(/[()$.|]/g, '\\$&')}\\n`));
    expect(command.examples.length).toBeGreaterThan(0);
    for (const e of command.examples) expect(e.run.startsWith(`scoped-agents ${name}`)).toBe(true);
  });

  test('the command accepts exactly the options its help lists', async () => {
    const r = await cli([name, '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: unknown option --no-such-option (known: ${command.options.map((o) => `--${o.name}`).join(', ')})\n`);
    expect(r.err).toContain(`Usage: ${command.usage}\n`);
  });

  test('is listed in `--help` with its summary', async () => {
    expect((await cli(['--help'])).out).toMatch(new RegExp(`\\n  ${name} +${command.summary.replace(/[()$.|→]/g, '\\$&')}\\n`));
  });
});

test('the formats the help lists are the formats the commands take', () => {
  const valueOf = (command: string, option: string): string | undefined =>
    COMMANDS.find((c) => c.name === command)?.options.find((o) => o.name === option)?.value;
  expect(valueOf('check', 'format')).toBe(CHECK_FORMATS.join('|'));
  expect(valueOf('graph', 'format')).toBe(GRAPH_FORMATS.join('|'));
});

test.each([
  [['help', 'frobnicate'], 'error: unknown command "frobnicate"\n'],
  [['help', 'synth', 'extra'], 'error: unexpected argument "extra"\n'],
])('%j exits 2 with the reason and the command list', async (argv, message) => {
  const r = await cli(argv);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.startsWith(message)).toBe(true);
  expect(r.err).toContain('Usage: scoped-agents <command> [options]\n');
});
