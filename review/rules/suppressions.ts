import { closest } from '../../model/names';
import { yamlSource } from '../../table/private/yaml-source';
import { Problem } from '../../model/problem';
import { formatProblem, sortProblems } from '../../table/table-error';

/** The file `scoped-agents check` reads suppressions from by default, at the repository root. */
export const DEFAULT_SUPPRESSIONS_FILE = 'scoped-agents.suppressions.yaml';

/** The shortest reason a suppression may give. */
export const MIN_REASON_LENGTH = 10;

/**
 * An accepted exception to a rule, in the manner of cdk-nag suppressions: the
 * rule id, what it applies to, and why it is acceptable. A suppression with
 * neither `resource`, `agent` nor `grant` applies to every finding of the rule.
 */
export interface Suppression {
  readonly rule: string;
  /** A finding's resource (`aws_iam_role_policy/scoped-agents-rotate`, `agent/x`) or Terraform address. */
  readonly resource?: string;
  /** The agent a finding concerns. */
  readonly agent?: string;
  /** A finding's exact grant (`cloudwatch:PutMetricData on *`), like cdk-nag's `appliesTo`. */
  readonly grant?: string;
  /** Why the exception is acceptable; at least {@link MIN_REASON_LENGTH} characters. */
  readonly reason: string;
  /** Where it was written. */
  readonly file?: string;
  readonly line?: number;
}

/** A suppressions file with problems: every one of them, with file and line. */
export class SuppressionsError extends Error {
  public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    const noun = sorted.length === 1 ? 'problem' : 'problems';
    super(`the suppressions file has ${sorted.length} ${noun}:\n${sorted.map(formatProblem).join('\n')}`);
    this.name = 'SuppressionsError';
    this.problems = sorted;
  }
}

const KEYS = ['rule', 'resource', 'agent', 'grant', 'reason'] as const;

/**
 * Parses a suppressions file:
 *
 * ```yaml
 * suppressions:
 *   - rule: no-wildcard-resource
 *     resource: aws_iam_role_policy/scoped-agents-rotate
 *     grant: "cloudwatch:PutMetricData on *"
 *     reason: PutMetricData has no resource-level permission; a condition limits it to the ScopedAgents namespace.
 * ```
 *
 * @param ruleIds the ids a suppression may name
 * @throws SuppressionsError listing every problem: YAML syntax, an unknown
 *   rule id (with the closest ids), a reason shorter than 10 characters, unknown keys
 */
export function parseSuppressions(file: string, text: string, ruleIds: readonly string[]): Suppression[] {
  const { source, problems } = yamlSource(file, text);
  if (!source) throw new SuppressionsError(problems);
  const found: Problem[] = [];
  const at = (path: (string | number)[], p: Omit<Problem, 'file' | 'line' | 'column'>, key = false): void => {
    found.push({ ...source.locate(path, key), ...p });
  };
  const data = source.data as { suppressions?: unknown } | null | undefined;
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) {
    at([], {
      rule: 'suppressions-shape',
      message: 'expected a map with a suppressions: list',
      fix: 'write suppressions: followed by a list of { rule, resource, reason }',
    });
    throw new SuppressionsError(found);
  }
  for (const key of Object.keys(data).filter((k) => k !== 'suppressions')) {
    at([key], { rule: 'unknown-key', value: key, message: 'unknown top-level key', fix: 'the file holds only suppressions:' }, true);
  }
  const list = data.suppressions ?? [];
  if (!Array.isArray(list)) {
    at(['suppressions'], { rule: 'suppressions-shape', message: 'suppressions: is not a list', fix: 'write each suppression as a list item: - rule: …' });
    throw new SuppressionsError(found);
  }
  const out: Suppression[] = [];
  list.forEach((item: unknown, i) => {
    const path = ['suppressions', i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      at(path, { rule: 'suppressions-shape', message: 'a suppression is not a map', fix: 'write { rule, resource?, agent?, grant?, reason }' });
      return;
    }
    const entry = item as Record<string, unknown>;
    let ok = true;
    for (const key of Object.keys(entry).filter((k) => !(KEYS as readonly string[]).includes(k))) {
      at([...path, key], { rule: 'unknown-key', value: key, message: 'unknown key in a suppression', fix: `use only ${KEYS.join(', ')}` }, true);
      ok = false;
    }
    for (const key of KEYS) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string') {
        at([...path, key], { rule: 'suppressions-shape', value: String(entry[key]), message: `${key} is not a string`, fix: `write ${key} as text` });
        ok = false;
      }
    }
    const rule = typeof entry.rule === 'string' ? entry.rule : undefined;
    if (rule === undefined) {
      if (entry.rule === undefined)
        at(path, { rule: 'suppression-rule', message: 'the suppression names no rule', fix: `add rule: with one of ${ruleIds.join(', ')}` });
      ok = false;
    } else if (!ruleIds.includes(rule)) {
      const near = closest(rule, ruleIds);
      at([...path, 'rule'], {
        rule: 'suppression-rule',
        value: rule,
        message: 'unknown rule id',
        fix: near.length > 0 ? `did you mean ${near.join(' or ')}?` : `use one of ${ruleIds.join(', ')}`,
      });
      ok = false;
    }
    const reason = typeof entry.reason === 'string' ? entry.reason.trim() : undefined;
    if (reason === undefined || reason.length < MIN_REASON_LENGTH) {
      at(reason === undefined ? path : [...path, 'reason'], {
        rule: 'suppression-reason',
        value: reason,
        message: reason === undefined ? 'the suppression gives no reason' : `the reason has ${reason.length} characters, fewer than ${MIN_REASON_LENGTH}`,
        fix: 'say why the exception is acceptable, e.g. what limits it and who accepted it',
      });
      ok = false;
    }
    if (!ok) return;
    const position = source.locate(path);
    out.push({
      rule: rule!,
      resource: entry.resource as string | undefined,
      agent: entry.agent as string | undefined,
      grant: entry.grant as string | undefined,
      reason: reason!,
      file,
      line: position.line,
    });
  });
  if (found.length > 0) throw new SuppressionsError(found);
  return out;
}
