import { accessMatrix } from '../../review/access-matrix';
import { renderMatrixJson, renderMatrixMarkdown } from '../../review/report';
import { parseArgs } from '../private/args';
import { Command } from '../private/io';
import { choice, outArg, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents report`: the access matrix of a synthesized output. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'the access matrix: per agent, its scopes and concrete grants, TTLs, rotation, alarms, where its secrets live',
  usage: 'scoped-agents report [--out cdktf.out] [--format markdown|json]',
  writes: false,
  run(argv, io) {
    const args = parseArgs(argv, ['out', 'format']);
    const format = choice(args, 'format', ['markdown', 'json'] as const, 'markdown');
    return withInputErrors(io, async () => {
      const matrix = accessMatrix(readOutputAt(outArg(args), io));
      io.out(format === 'json' ? renderMatrixJson(matrix) : renderMatrixMarkdown(matrix));
      return 0;
    });
  },
};
