import { RULES } from '.';
import { Finding, Rule } from './rule';
import { SynthOutput } from '../synth-output';
import { builtinExceptionsOf } from './builtin-exceptions';
import { Suppression } from './suppressions';
import { byCodeUnit } from '../private/order';

/** A finding that a suppression accepts as an exception. */
export interface AcceptedFinding {
  readonly finding: Finding;
  readonly suppression: Suppression;
}

/** One rule's outcome. */
export interface RuleOutcome {
  readonly id: string;
  readonly name: string;
  readonly compliant: string;
  readonly explanation: string;
  readonly controls: Rule['controls'];
  /** `fail` with unsuppressed findings, `accepted` when every finding is suppressed, else `pass`. */
  readonly status: 'pass' | 'fail' | 'accepted';
  readonly findings: number;
  readonly accepted: number;
}

/** What `scoped-agents check` found: every rule's outcome, every finding, every accepted exception. */
export interface CheckResult {
  readonly dir: string;
  readonly stacks: readonly string[];
  /** True when no finding is left unsuppressed. */
  readonly passed: boolean;
  readonly rules: readonly RuleOutcome[];
  /** Unsuppressed findings, sorted by rule order, stack, resource, grant. */
  readonly findings: readonly Finding[];
  readonly accepted: readonly AcceptedFinding[];
  /** Suppressions that matched no finding (stale exceptions worth removing). */
  readonly unusedSuppressions: readonly Suppression[];
}

/** Whether a suppression covers a finding. */
export function suppresses(s: Suppression, f: Finding): boolean {
  return (
    s.rule === f.rule &&
    (s.resource === undefined || s.resource === f.resource || s.resource === f.address) &&
    (s.agent === undefined || s.agent === f.agent) &&
    (s.grant === undefined || s.grant === f.grant)
  );
}

/**
 * Runs every rule over the output (all of them, always) and sets the
 * findings that a suppression covers apart as accepted exceptions.
 *
 * @param rules the pack to run
 * @default rules - {@link RULES}
 */
export async function runChecks(output: SynthOutput, given: readonly Suppression[] = [], rules: readonly Rule[] = RULES): Promise<CheckResult> {
  const all = await Promise.all(rules.map(async (rule) => ({ rule, findings: [...(await rule.evaluate(output))] })));
  // The library's own exceptions come after the user's: a user's suppression of the same finding is the one shown (and used).
  const builtin = builtinExceptionsOf(output);
  const suppressions = [...given, ...builtin];
  const order = (f: Finding): string => [f.stack, f.resource, f.grant ?? '', f.message].join('\u0000');
  const used = new Set<Suppression>();
  const findings: Finding[] = [];
  const accepted: AcceptedFinding[] = [];
  const outcomes: RuleOutcome[] = [];
  for (const { rule, findings: ruleFindings } of all) {
    let open = 0;
    let ok = 0;
    for (const finding of ruleFindings.sort((a, b) => byCodeUnit(order(a), order(b)))) {
      const suppression = suppressions.find((s) => suppresses(s, finding));
      if (suppression) {
        used.add(suppression);
        accepted.push({ finding, suppression });
        ok++;
      } else {
        findings.push(finding);
        open++;
      }
    }
    outcomes.push({
      id: rule.id,
      name: rule.name,
      compliant: rule.compliant,
      explanation: rule.explanation,
      controls: rule.controls,
      status: open > 0 ? 'fail' : ok > 0 ? 'accepted' : 'pass',
      findings: open,
      accepted: ok,
    });
  }
  return {
    dir: output.dir,
    stacks: output.stacks.map((s) => s.name),
    passed: findings.length === 0,
    rules: outcomes,
    findings,
    accepted,
    unusedSuppressions: given.filter((s) => !used.has(s)),
  };
}
