import { TableError } from '../table/table-error';
import { packageVersion } from '../constructs/private/package-root';
import { Command, commandHelp, COMMANDS } from './catalog';
import { parseArgs, UsageError } from './private/args';
import { CommandIO } from './private/io';
import { printTableError } from './private/report-problems';

export { COMMANDS } from './catalog';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'scoped-agents — one least-privilege credential set per AI agent, synthesized for Terraform',
    '',
    'Usage: scoped-agents <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `scoped-agents help <command>` (or `<command> --help`) for its options and examples;',
    '`scoped-agents --version` for the version.',
    'Exit codes: 0 success, 1 invalid input or a finding, 2 wrong usage.',
    '',
  ].join('\n');
}

/** Parses a command's arguments against its options, then loads and runs it. */
async function runCommand(command: Command, argv: readonly string[], io: CommandIO): Promise<number> {
  const valued = command.options.filter((o) => o.value !== undefined).map((o) => o.name);
  const switches = command.options.filter((o) => o.value === undefined).map((o) => o.name);
  const args = parseArgs(argv, valued, switches, command.positionals?.length ?? 0);
  return (await command.load())(args, io);
}

/**
 * Runs the CLI and returns its exit code. User errors become messages, never
 * stack traces; set SCOPED_AGENTS_DEBUG=1 to see the stack of an internal error.
 */
export async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.out(`scoped-agents ${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    const named = COMMANDS.find((c) => c.name === rest[0]);
    if (!named || rest.length > 1) {
      io.err(`error: ${named ? `unexpected argument "${rest.slice(1).join(' ')}"` : `unknown command "${rest[0]}"`}\n\n${help()}`);
      return 2;
    }
    io.out(commandHelp(named));
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`error: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    return await runCommand(command, rest, io);
  } catch (e) {
    if (e instanceof TableError) return printTableError(e, io, command.writes);
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`error: ${command.name} failed: ${message}\n`);
    if (io.env.SCOPED_AGENTS_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    else io.err('(set SCOPED_AGENTS_DEBUG=1 to see where)\n');
    return 1;
  }
}

/** The process's own streams, working directory and environment. */
export function processIO(): CommandIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    errIsTTY: process.stderr.isTTY === true,
    now: () => performance.now(),
  };
}

/** Runs `argv` with the process's IO and sets the exit code; an uncaught error is one line, never a stack. */
export function runInProcess(argv: readonly string[]): void {
  run(argv, processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Entry point of the `scoped-agents` binary. */
export function main(): void {
  // `scoped-agents graph | head`: the reader went away; stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  runInProcess(process.argv.slice(2));
}
