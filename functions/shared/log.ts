/**
 * Structured logging: one JSON object a line, which CloudWatch Logs Insights
 * can query field by field. Callers never pass a secret value as a field.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger writing `{ level, message, …fields }` lines through `write`. */
export function jsonLogger(write: (line: string) => void = (line) => console.log(line), base: Record<string, unknown> = {}): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      write(JSON.stringify({ level, message, ...base, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
