/** What a synthesized output directory holds, as the reviews read it: each stack's Terraform JSON. */

/** A block map of Terraform JSON: `type → name → body` (resources, data sources). */
export type TerraformBlocks = Record<string, Record<string, Record<string, unknown>>>;

/** One stack's Terraform JSON, as `cdktf synth` writes it. */
export interface TerraformJson {
  readonly resource?: TerraformBlocks;
  readonly data?: TerraformBlocks;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly [block: string]: unknown;
}

/** One synthesized stack. */
export interface StackOutput {
  /** Stack name: the directory under `<out>/stacks/`. */
  readonly name: string;
  /** Path of its `cdk.tf.json`, as the reader named it (for messages and SARIF locations). */
  readonly file: string;
  readonly json: TerraformJson;
  /**
   * For a sharded fleet joined into one view: the stacks it was read from
   * (the shared stack first), and each block's own stack and file by address.
   * @default - the stack is one stack
   */
  readonly parts?: readonly string[];
  readonly origins?: ReadonlyMap<string, { readonly stack: string; readonly file: string }>;
}

/**
 * Everything a synthesized output directory holds that reviews read: every
 * stack, sorted by name, a sharded fleet's stacks joined into one (named after
 * the fleet; see `parts`).
 */
export interface SynthOutput {
  /** The directory, as the reader named it. */
  readonly dir: string;
  readonly stacks: readonly StackOutput[];
}

/**
 * A synthesized output that cannot be read: missing, empty, or not Terraform
 * JSON. The message names the path and what to do.
 */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}
