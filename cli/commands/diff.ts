import { accessMatrix } from '../../review/access-matrix';
import { diffMatrices } from '../../review/diff';
import { renderDiffJson, renderDiffMarkdown } from '../../review/diff-report';
import { ParsedArgs, UsageError } from '../private/args';
import { CommandIO } from '../private/io';
import { choice, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents diff`: what changes in each agent's access between two synthesized outputs. */
export function diff(args: ParsedArgs, io: CommandIO): Promise<number> {
  if (args.positional.length !== 2) throw new UsageError('diff needs two synthesized outputs: BASE_OUT (before the change) and HEAD_OUT (after it)');
  const format = choice(args, 'format', ['markdown', 'json'] as const, 'markdown');
  const [basePath, headPath] = args.positional;
  return withInputErrors(io, async () => {
    const changes = diffMatrices(accessMatrix(readOutputAt(basePath, io)), accessMatrix(readOutputAt(headPath, io)));
    io.out(format === 'json' ? renderDiffJson(changes) : renderDiffMarkdown(changes));
    if (changes.broadened && args.flags['fail-on-escalation'] === true) {
      const n = changes.summary.broadening;
      io.err(`error: privilege escalation: ${n} broadening change${n === 1 ? '' : 's'} from ${basePath} to ${headPath} (--fail-on-escalation)\n`);
      return 1;
    }
    return 0;
  });
}
