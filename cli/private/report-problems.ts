import { Problem } from '../../model/problem';
import { formatProblem, TableError } from '../../table/table-error';
import { CommandIO } from './io';

/** Prints warnings (they never change the exit code). */
export function printWarnings(warnings: readonly Problem[], io: CommandIO): void {
  for (const w of warnings) io.err(`warning: ${formatProblem(w)}\n`);
}

/** Prints every problem of a table and returns exit code 1. */
export function printTableError(error: TableError, io: CommandIO, writes: boolean): number {
  const noun = error.problems.length === 1 ? 'problem' : 'problems';
  io.err(`error: the agent table has ${error.problems.length} ${noun}${writes ? '; nothing was written' : ''}.\n\n`);
  for (const p of error.problems) io.err(`${formatProblem(p)}\n`);
  return 1;
}
