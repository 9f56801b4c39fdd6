/** A command line the user got wrong: exit code 2, with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed arguments: positional values and `--flag value` / `--flag=value` / `--switch`. */
export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Record<string, string | true>;
}

/**
 * Parses `argv` against the flags a command accepts.
 *
 * @param valued flags that take a value
 * @param switches flags that take none
 * @param positionals how many positional arguments the command takes
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[] = [], positionals = 0): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (switches.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (valued.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      const known = [...valued, ...switches].map((f) => `--${f}`).join(', ');
      throw new UsageError(`unknown option --${name}${known ? ` (known: ${known})` : ''}`);
    }
  }
  if (positional.length > positionals) {
    const stray = positional.slice(positionals).join(' ');
    throw new UsageError(`unexpected argument ${JSON.stringify(stray)}${valued.includes('table') ? ' (name the table with --table)' : ''}`);
  }
  return { positional, flags };
}

/** The value of a valued flag, or `fallback`. */
export function flag(args: ParsedArgs, name: string, fallback: string): string;
export function flag(args: ParsedArgs, name: string): string | undefined;
export function flag(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : fallback;
}
