import { ParsedArgs } from './private/args';
import { CommandIO } from './private/io';

/** One `--option` of a command. */
export interface OptionSpec {
  readonly name: string;
  /** What the usage line shows for its value (`FILE`, `markdown|json`, the default); absent for a switch. */
  readonly value?: string;
  readonly required?: boolean;
  /** One line for `--help`. */
  readonly says: string;
}

/** A command's body, loaded only when it runs. */
export type CommandRun = (args: ParsedArgs, io: CommandIO) => Promise<number>;

/**
 * A command as `--help` knows it. The catalog holds no code of the commands:
 * `load` brings in a command's module (and with it cdktf, zod or the review
 * code) only when that command runs, so `scoped-agents validate` does not pay
 * for loading the synthesizer.
 */
export interface CommandSpec {
  readonly name: string;
  /** One line for `scoped-agents --help`. */
  readonly summary: string;
  readonly positionals?: readonly { readonly name: string; readonly says: string }[];
  readonly options: readonly OptionSpec[];
  readonly examples: readonly { readonly run: string; readonly says: string }[];
  /** Whether the command writes files (its errors then say that nothing was written). */
  readonly writes: boolean;
  load(): Promise<CommandRun>;
}

/** A command with its usage line, which is built from its options. */
export interface Command extends CommandSpec {
  /** `scoped-agents <name> POSITIONAL [--option VALUE] …` */
  readonly usage: string;
}

function command(spec: CommandSpec): Command {
  const words = [
    ...(spec.positionals ?? []).map((p) => p.name),
    ...spec.options.map((o) => {
      const text = o.value === undefined ? `--${o.name}` : `--${o.name} ${o.value}`;
      return o.required ? text : `[${text}]`;
    }),
  ];
  return { ...spec, usage: ['scoped-agents', spec.name, ...words].join(' ') };
}

const TABLE: OptionSpec = {
  name: 'table',
  value: 'agents.yaml',
  says: 'the agent table, YAML or Markdown (default: $SCOPED_AGENTS_TABLE, else agents.yaml)',
};
const CATALOG: OptionSpec = {
  name: 'catalog',
  value: 'scopes.yaml',
  says: "a shared scope catalog the table's scopes are added to (default: $SCOPED_AGENTS_CATALOG, else none)",
};
const OUT_READ: OptionSpec = { name: 'out', value: 'cdktf.out', says: 'the synthesized output to read (default: cdktf.out)' };

/*
 * The commands are loaded with require(), not import(): the package is
 * CommonJS, and under the repository's tsx hook an import() would go to
 * Node's ESM loader, which cannot resolve a .ts file.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  command({
    name: 'validate',
    summary: 'check an agent table; list every problem with file, line, agent and fix',
    options: [TABLE, CATALOG],
    examples: [
      { run: 'scoped-agents validate', says: 'checks agents.yaml; exit 1 with every problem, else each agent and its scopes' },
      { run: 'scoped-agents validate --table agents.md --catalog scopes.yaml', says: 'a Markdown table whose scopes come from a shared catalog' },
    ],
    writes: false,
    load: async () => (require('./commands/validate') as typeof import('./commands/validate')).validate,
  }),
  command({
    name: 'synth',
    summary: 'synthesize the table into Terraform JSON (nothing is written when the table is invalid)',
    options: [
      TABLE,
      CATALOG,
      { name: 'out', value: 'cdktf.out', says: 'the folder the stacks, runbooks and snippets go to; replaced whole (default: cdktf.out)' },
    ],
    examples: [
      { run: 'scoped-agents synth', says: 'agents.yaml into cdktf.out/stacks/<fleet>/cdk.tf.json, runbooks into cdktf.out/agents/' },
      { run: 'scoped-agents synth --out base.out', says: 'a second output to diff against' },
    ],
    writes: true,
    load: async () => (require('./commands/synth') as typeof import('./commands/synth')).synth,
  }),
  command({
    name: 'report',
    summary: 'the access matrix: per agent, its scopes and concrete grants, TTLs, rotation, alarms, where its secrets live',
    options: [OUT_READ, { name: 'format', value: 'markdown|json', says: 'Markdown for a pull request, JSON for tools (default: markdown)' }],
    examples: [{ run: 'scoped-agents report > access.md', says: 'the access matrix of cdktf.out as Markdown' }],
    writes: false,
    load: async () => (require('./commands/report') as typeof import('./commands/report')).report,
  }),
  command({
    name: 'diff',
    summary: 'the privilege diff between two synthesized outputs, each change classed broadening or narrowing',
    positionals: [
      { name: 'BASE_OUT', says: 'the output before the change (a synth of the base branch)' },
      { name: 'HEAD_OUT', says: 'the output after it' },
    ],
    options: [
      { name: 'format', value: 'markdown|json', says: 'Markdown for a pull request comment, JSON for tools (default: markdown)' },
      { name: 'fail-on-escalation', says: 'exit 1 when any change broadens an agent’s access' },
    ],
    examples: [{ run: 'scoped-agents diff base.out cdktf.out --fail-on-escalation', says: 'the diff, failing the build on a broadening' }],
    writes: false,
    load: async () => (require('./commands/diff') as typeof import('./commands/diff')).diff,
  }),
  command({
    name: 'graph',
    summary: 'the resource graph (every block, every reference) and agent → scope → credential → policy → alarm',
    options: [OUT_READ, { name: 'format', value: 'json|dot|mermaid|csv', required: true, says: 'the graph’s notation' }],
    examples: [
      { run: 'scoped-agents graph --format mermaid > graph.mmd', says: 'a diagram GitHub renders inside a ```mermaid block' },
      { run: 'scoped-agents graph --format dot | dot -Tsvg > graph.svg', says: 'through Graphviz' },
    ],
    writes: false,
    load: async () => (require('./commands/graph') as typeof import('./commands/graph')).graph,
  }),
  command({
    name: 'usage',
    summary: 'per-agent calls, denied calls, orphans and spikes, from a Vault/OpenBao audit log',
    options: [
      { name: 'audit-log', value: 'FILE', required: true, says: 'the JSON log of a Vault/OpenBao file audit device (fleet.vaultAuditFile)' },
      { name: 'since', value: '24h', says: 'the window, a duration such as 24h or 90m (default: 24h)' },
      { name: 'until', value: 'TIME', says: 'the end of the window, an ISO time (default: now)' },
      { name: 'format', value: 'markdown|json', says: 'the summary as Markdown or JSON (default: markdown)' },
      { name: 'out', value: 'cdktf.out', says: 'the synthesized output the agents and their limits come from (default: cdktf.out)' },
      { name: 'fail-on-flag', says: 'exit 1 when an agent is flagged (orphan, spike, denied calls)' },
    ],
    examples: [{ run: 'scoped-agents usage --audit-log /var/log/vault/audit.log --since 7d', says: 'the last week, per agent' }],
    writes: false,
    load: async () => (require('./commands/usage') as typeof import('./commands/usage')).usage,
  }),
  command({
    name: 'check',
    summary: 'guard rails over the synthesized output, each rule mapped to SOC 2, ISO 27001 and NIST 800-53 controls',
    options: [
      OUT_READ,
      { name: 'format', value: 'text|json|sarif|csv', says: 'text for people, SARIF for code scanning, JSON or CSV for evidence (default: text)' },
      {
        name: 'suppressions',
        value: 'scoped-agents.suppressions.yaml',
        says: 'the accepted exceptions, each with its reason (default: that file when it exists)',
      },
    ],
    examples: [
      { run: 'scoped-agents check', says: 'every rule over cdktf.out; exit 1 on an unsuppressed finding' },
      { run: 'scoped-agents check --format sarif > check.sarif', says: 'for GitHub code scanning' },
    ],
    writes: false,
    load: async () => (require('./commands/check') as typeof import('./commands/check')).check,
  }),
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** `scoped-agents <name> --help`: the usage, every option with a line of explanation, and examples. */
export function commandHelp(c: Command): string {
  const args = (c.positionals ?? []).map((p): [string, string] => [p.name, p.says]);
  const options = [
    ...c.options.map((o): [string, string] => [o.value === undefined ? `--${o.name}` : `--${o.name} ${o.value}`, o.says]),
    ['-h, --help', 'print this help'] as [string, string],
  ];
  const width = Math.max(...[...args, ...options].map(([left]) => left.length));
  const section = (title: string, rows: [string, string][]): string[] =>
    rows.length === 0 ? [] : [title, ...rows.map(([left, says]) => `  ${left.padEnd(width)}  ${says}`), ''];
  return [
    `Usage: ${c.usage}`,
    '',
    `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`,
    '',
    ...section('Arguments:', args),
    ...section('Options:', options),
    'Examples:',
    ...c.examples.flatMap((e) => [`  $ ${e.run}`, `      ${e.says}`]),
    '',
  ].join('\n');
}
