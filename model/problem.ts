/**
 * A problem found in an agent table: what is wrong, where, and how to fix it.
 *
 * Every loader and validation rule reports through this one shape, so the CLI,
 * the constructs and the tests print and compare problems the same way.
 */
export interface Problem {
  /** Stable identifier of the rule that found the problem, e.g. `unknown-scope`. */
  readonly rule: string;
  /** The file the problem is in, as the user named it. */
  readonly file: string;
  /** 1-based line; 0 when the problem concerns the file as a whole. */
  readonly line: number;
  /** 1-based column; 0 when unknown. */
  readonly column: number;
  /** The agent the problem belongs to, when it belongs to one. */
  readonly agent?: string;
  /** The offending value, exactly as written. */
  readonly value?: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What to change to make it right. */
  readonly fix: string;
}

/** Where a problem is, before the rule adds what and how to fix. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}
