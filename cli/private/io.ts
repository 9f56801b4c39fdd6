/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Working directory that relative paths are read from. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command: parses its own arguments and returns the exit code. */
export interface Command {
  readonly name: string;
  /** One line for `scoped-agents --help`. */
  readonly summary: string;
  /** The command's usage line(s). */
  readonly usage: string;
  /** Whether the command writes files (its errors then say that nothing was written). */
  readonly writes: boolean;
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}
