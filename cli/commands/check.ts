import { existsSync, readFileSync } from 'fs';
import { isAbsolute, resolve } from 'path';
import { runChecks } from '../../review/rules/check';
import { CHECK_FORMATS, checkToCsv, checkToJson, checkToSarif, checkToText } from '../../review/rules/check-formats';
import { OutputError } from '../../review/synth-output';
import { RULES } from '../../review/rules';
import { Finding } from '../../review/rules/rule';
import { DEFAULT_SUPPRESSIONS_FILE, parseSuppressions, Suppression } from '../../review/rules/suppressions';
import { flag, ParsedArgs } from '../private/args';
import { CommandIO } from '../private/io';
import { choice, outArg, readOutputAt, withInputErrors } from '../private/review-input';
import { packageVersion } from '../../constructs/private/package-root';

/** The suppressions of `--suppressions F`, else of `scoped-agents.suppressions.yaml` when it exists. */
function suppressionsOf(path: string | undefined, io: CommandIO): Suppression[] {
  const file = path ?? DEFAULT_SUPPRESSIONS_FILE;
  const full = isAbsolute(file) ? file : resolve(io.cwd, file);
  if (!existsSync(full)) {
    if (path === undefined) return [];
    throw new OutputError(`${file}: suppressions file not found — check the path given with --suppressions`);
  }
  return parseSuppressions(
    file,
    readFileSync(full, 'utf8'),
    RULES.map((r) => r.id),
  );
}

/** The line of a finding's block in its stack file: where `"<name>": {` opens under its type. */
function lineFinder(io: CommandIO): (f: Finding) => number | undefined {
  const texts = new Map<string, string[]>();
  return (f) => {
    if (!f.address) return undefined;
    const file = isAbsolute(f.file) ? f.file : resolve(io.cwd, f.file);
    if (!texts.has(file)) texts.set(file, existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);
    const name = f.address.split('.').pop()!;
    const i = texts.get(file)!.findIndex((l) => l.trimStart().startsWith(`${JSON.stringify(name)}: {`));
    return i === -1 ? undefined : i + 1;
  };
}

/** `scoped-agents check`: guard rails over a synthesized output. */
export function check(args: ParsedArgs, io: CommandIO): Promise<number> {
  const format = choice(args, 'format', CHECK_FORMATS, 'text');
  return withInputErrors(io, async () => {
    const suppressions = suppressionsOf(flag(args, 'suppressions'), io);
    const result = await runChecks(readOutputAt(outArg(args), io), suppressions);
    const version = packageVersion();
    const render = {
      text: checkToText,
      json: checkToJson,
      csv: checkToCsv,
      sarif: (r: typeof result) => checkToSarif(r, { lineOf: lineFinder(io), version }),
    }[format];
    io.out(render(result));
    if (!result.passed) {
      const n = result.findings.length;
      io.err(`error: ${n} unsuppressed finding${n === 1 ? '' : 's'} in ${result.dir}\n`);
      return 1;
    }
    return 0;
  });
}
