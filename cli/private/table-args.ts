import { isAbsolute, relative, resolve } from 'path';
import { TableFiles } from '../../table/load-table';
import { flag, ParsedArgs } from './args';
import { CommandIO } from './io';

/** The default table, at the repository root. */
export const DEFAULT_TABLE = 'agents.yaml';

/**
 * The table files a command reads: `--table`/`--catalog`, else
 * `SCOPED_AGENTS_TABLE`/`SCOPED_AGENTS_CATALOG`, else `agents.yaml`.
 * Paths stay as the user wrote them (relative to the working directory), so
 * problems name the file the way the user knows it.
 */
export function tableFiles(args: ParsedArgs, io: CommandIO): TableFiles {
  const table = flag(args, 'table') ?? io.env.SCOPED_AGENTS_TABLE ?? DEFAULT_TABLE;
  const catalog = flag(args, 'catalog') ?? io.env.SCOPED_AGENTS_CATALOG;
  const shown = (p: string): string => {
    const abs = isAbsolute(p) ? p : resolve(io.cwd, p);
    const rel = relative(process.cwd(), abs);
    return rel.startsWith('..') ? abs : rel || '.';
  };
  return { table: shown(table), catalog: catalog === undefined ? undefined : shown(catalog) };
}
