import { SynthOutput } from '../synth-output';

/** The controls a rule gives evidence for, by framework. */
export interface ControlMapping {
  /** SOC 2 Trust Services Criteria, e.g. `CC6.1`. */
  readonly soc2: readonly string[];
  /** ISO/IEC 27001:2022 Annex A controls, e.g. `A.8.2`. */
  readonly iso27001: readonly string[];
  /** NIST SP 800-53 Rev. 5 controls, e.g. `AC-6(1)`. */
  readonly nist80053: readonly string[];
}

/** One place where the synthesized output breaks a rule. */
export interface Finding {
  /** Id of the rule broken. */
  readonly rule: string;
  readonly stack: string;
  /** The stack's `cdk.tf.json`, as the output was read. */
  readonly file: string;
  /**
   * What the finding is about, by the name it carries: `aws_iam_role_policy/agent-x`,
   * `vault_policy/agent-x`; `agent/<name>` for something an agent lacks.
   * Suppressions match on it.
   */
  readonly resource: string;
  /** Terraform address of the block (`type.name`), for locating it in the file; absent when something is missing. */
  readonly address?: string;
  /** The agent the finding concerns, when it concerns one. */
  readonly agent?: string;
  /** The exact grant or value at fault (`s3:* on arn:…`); never a secret's value. */
  readonly grant?: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

/**
 * A guard rail over synthesized output, in the manner of cdk-nag: an id, the
 * compliant condition in one line, why it matters, the controls it evidences,
 * and a pure evaluation that reports every finding (never only the first).
 */
export interface Rule {
  /** Stable, kebab-case; suppressions and SARIF name the rule by it. */
  readonly id: string;
  /** A short title. */
  readonly name: string;
  /** The compliant condition, in one line. */
  readonly compliant: string;
  /** Why the rule matters, and what it reads. */
  readonly explanation: string;
  readonly controls: ControlMapping;
  /** Every finding in the output (an empty list when compliant). */
  evaluate(output: SynthOutput): readonly Finding[] | Promise<readonly Finding[]>;
}
