import { FunctionEnvironment } from '../../model/operations';

/** Raised when the function's environment is incomplete or malformed; lists every problem at once. */
export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `the function's environment is not usable:\n- ${problems.join('\n- ')}\n(the fleet's Terraform sets these variables; see model/operations.ts FunctionEnvironment)`,
    );
    this.name = 'EnvError';
  }
}

type Key = keyof FunctionEnvironment;

/**
 * Reads the named variables, all at once: every missing or empty one is
 * reported in one {@link EnvError}, never only the first.
 */
export function readEnv<R extends Key, O extends Key = never>(
  env: Readonly<Record<string, string | undefined>>,
  required: readonly R[],
  optional: readonly O[] = [],
): { readonly [K in R]: string } & { readonly [K in O]?: string } {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of required) {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    else out[name] = value;
  }
  for (const name of optional) {
    const value = env[name]?.trim();
    if (value) out[name] = value;
  }
  if (problems.length > 0) throw new EnvError(problems);
  return out as { [K in R]: string } & { [K in O]?: string };
}

/** A whole number of seconds, at least `min`; `fallback` when unset. */
export function secondsFrom(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new EnvError([`${name} must be a whole number of seconds >= ${min}, got ${JSON.stringify(value)}`]);
  return Number(value);
}
