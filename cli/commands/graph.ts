import { resourceGraph } from '../../review/graph';
import { GRAPH_FORMATS, renderGraph } from '../../review/graph-formats';
import { ParsedArgs } from '../private/args';
import { CommandIO } from '../private/io';
import { choice, outArg, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents graph`: the resource graph with its logical layer. */
export function graph(args: ParsedArgs, io: CommandIO): Promise<number> {
  const format = choice(args, 'format', GRAPH_FORMATS);
  return withInputErrors(io, async () => {
    io.out(renderGraph(resourceGraph(readOutputAt(outArg(args), io)), format));
    return 0;
  });
}
