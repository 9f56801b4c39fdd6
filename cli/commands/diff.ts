import { accessMatrix } from '../../review/access-matrix';
import { diffMatrices } from '../../review/diff';
import { renderDiffJson, renderDiffMarkdown } from '../../review/diff-report';
import { parseArgs, UsageError } from '../private/args';
import { Command } from '../private/io';
import { choice, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents diff`: what changes in each agent's access between two synthesized outputs. */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'the privilege diff between two synthesized outputs, each change classed broadening or narrowing',
  usage: 'scoped-agents diff BASE_OUT HEAD_OUT [--format markdown|json] [--fail-on-escalation]',
  writes: false,
  run(argv, io) {
    const args = parseArgs(argv, ['format'], ['fail-on-escalation'], 2);
    if (args.positional.length !== 2) throw new UsageError('diff needs two synthesized outputs: BASE_OUT (before the change) and HEAD_OUT (after it)');
    const format = choice(args, 'format', ['markdown', 'json'] as const, 'markdown');
    const [basePath, headPath] = args.positional;
    return withInputErrors(io, async () => {
      const diff = diffMatrices(accessMatrix(readOutputAt(basePath, io)), accessMatrix(readOutputAt(headPath, io)));
      io.out(format === 'json' ? renderDiffJson(diff) : renderDiffMarkdown(diff));
      if (diff.broadened && args.flags['fail-on-escalation'] === true) {
        const n = diff.summary.broadening;
        io.err(`error: privilege escalation: ${n} broadening change${n === 1 ? '' : 's'} from ${basePath} to ${headPath} (--fail-on-escalation)\n`);
        return 1;
      }
      return 0;
    });
  },
};
