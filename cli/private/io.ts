/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Working directory that relative paths are read from. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether `err` is a terminal a person watches: progress is shown only there. */
  readonly errIsTTY?: boolean;
  /** Milliseconds since some fixed point; tests pass a clock they move. */
  readonly now?: () => number;
}
