import { resourceGraph } from '../../review/graph';
import { GRAPH_FORMATS, renderGraph } from '../../review/graph-formats';
import { parseArgs } from '../private/args';
import { Command } from '../private/io';
import { choice, outArg, readOutputAt, withInputErrors } from '../private/review-input';

/** `scoped-agents graph`: the resource graph with its logical layer. */
export const graphCommand: Command = {
  name: 'graph',
  summary: 'the resource graph (every block, every reference) and agent → scope → credential → policy → alarm',
  usage: 'scoped-agents graph [--out cdktf.out] --format json|dot|mermaid|csv',
  writes: false,
  run(argv, io) {
    const args = parseArgs(argv, ['out', 'format']);
    const format = choice(args, 'format', GRAPH_FORMATS);
    return withInputErrors(io, async () => {
      io.out(renderGraph(resourceGraph(readOutputAt(outArg(args), io)), format));
      return 0;
    });
  },
};
