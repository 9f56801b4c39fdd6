import { accessMatrix } from '../../review/access-matrix';
import { renderMatrixJson, renderMatrixMarkdown } from '../../review/report';
import { ParsedArgs } from '../private/args';
import { CommandIO } from '../private/io';
import { choice, outArg, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents report`: the access matrix of a synthesized output. */
export function report(args: ParsedArgs, io: CommandIO): Promise<number> {
  const format = choice(args, 'format', ['markdown', 'json'] as const, 'markdown');
  return withInputErrors(io, async () => {
    const matrix = accessMatrix(readOutputAt(outArg(args), io));
    io.out(format === 'json' ? renderMatrixJson(matrix) : renderMatrixMarkdown(matrix));
    return 0;
  });
}
