import { isAbsolute, resolve } from 'path';
import { readOutput } from '../../review/read-output';
import { OutputError, SynthOutput } from '../../review/synth-output';
import { SuppressionsError } from '../../review/rules/suppressions';
import { formatProblem } from '../../table/table-error';
import { flag, ParsedArgs, UsageError } from './args';
import { CommandIO } from './io';

/** The default output directory, as `scoped-agents synth` writes it. */
export const DEFAULT_OUT = 'cdktf.out';

/** Reads a synthesized output named as the user wrote it (relative to the working directory). */
export function readOutputAt(dir: string, io: CommandIO): SynthOutput {
  return readOutput(isAbsolute(dir) ? dir : resolve(io.cwd, dir), dir);
}

/** The output directory of `--out`, or `cdktf.out`. */
export function outArg(args: ParsedArgs): string {
  return flag(args, 'out', DEFAULT_OUT);
}

/**
 * The value of a flag that takes one of a fixed set of values.
 *
 * @throws UsageError naming the allowed values
 */
export function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback?: T): T {
  const value = flag(args, name) ?? fallback;
  if (value === undefined) throw new UsageError(`--${name} is required (one of ${allowed.join(', ')})`);
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

/**
 * Runs a review command, turning unreadable input (a missing or broken
 * output directory, a broken suppressions file) into a message and exit 1.
 */
export async function withInputErrors(io: CommandIO, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof OutputError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof SuppressionsError) {
      const noun = e.problems.length === 1 ? 'problem' : 'problems';
      io.err(`error: the suppressions file has ${e.problems.length} ${noun}.\n\n${e.problems.map((p) => `${formatProblem(p)}\n`).join('')}`);
      return 1;
    }
    throw e;
  }
}
