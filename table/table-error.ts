import { Problem } from '../model/problem';
import { redactSecrets } from '../model/secret-patterns';

/** Formats one problem as the CLI prints it: `file:line:col  [agent x]  message (value)` then the fix. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  const agent = p.agent ? ` agent ${p.agent}:` : '';
  const value = p.value !== undefined ? ` (got ${JSON.stringify(p.value)})` : '';
  return `${where}:${agent} ${p.message}${value}\n    fix: ${p.fix} [${p.rule}]`;
}

/**
 * The problem with every secret-shaped part of its value, message and fix
 * redacted: a credential pasted into the table must not be echoed to a
 * terminal or a CI log by the error that refuses it.
 */
export function redactProblem(p: Problem): Problem {
  return {
    ...p,
    ...(p.value !== undefined ? { value: redactSecrets(p.value) } : {}),
    message: redactSecrets(p.message),
    fix: redactSecrets(p.fix),
  };
}

/** Orders problems by file, line, column and rule, so reports are stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message),
  );
}

/**
 * Thrown when a table has one or more problems. It carries all of them:
 * loaders and validation never stop at the first.
 */
export class TableError extends Error {
  public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    // The same problem at the same place is reported once (a Markdown row's scopes serve each of its actions).
    const unique = [
      ...new Map(problems.map(redactProblem).map((p) => [JSON.stringify([p.rule, p.file, p.line, p.column, p.agent, p.value, p.message]), p])).values(),
    ];
    const sorted = sortProblems(unique);
    const noun = sorted.length === 1 ? 'problem' : 'problems';
    super(`the agent table has ${sorted.length} ${noun}:\n${sorted.map(formatProblem).join('\n')}`);
    this.name = 'TableError';
    this.problems = sorted;
  }
}
