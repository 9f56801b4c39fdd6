import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, visit } from 'yaml';
import { Problem, SourcePosition } from '../../model/problem';
import { DocPath, TableSource } from '../table-source';
import { columnAt } from './text-position';

/**
 * How far aliases may expand: yaml counts each alias by the aliases inside
 * what it names, so this bounds the nodes a document can blow up to (the
 * "billion laughs"), while a table that reuses an anchor across thousands of
 * agents still loads.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/**
 * Parses YAML text into a `TableSource` that remembers where every key and
 * value was written (columns in characters, not UTF-16 units). Syntax errors
 * come back as problems, all of them.
 */
export function yamlSource(file: string, text: string): { source?: TableSource; problems: Problem[] } {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice is a problem, not a silent override.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file, line: 1, column: 1 };
    const { line } = lineCounter.linePos(offset);
    return { file, line, column: columnAt(text, lineCounter.lineStarts[line - 1] ?? 0, offset) };
  };
  const problems: Problem[] = doc.errors.map((e) => ({
    rule: 'yaml-syntax',
    ...at(e.pos[0]),
    message: `YAML syntax error: ${e.message.split('\n')[0]}`,
    fix: 'correct the YAML syntax at this position',
  }));
  if (problems.length > 0) return { problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    // Thrown for an alias that expands past the bound (or names no anchor): point at the first alias.
    let first: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        first = node.range?.[0];
        return visit.BREAK;
      },
    });
    return {
      problems: [
        {
          rule: 'yaml-syntax',
          ...at(first),
          message: `YAML aliases expand the document past ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} nodes (${e.message})`,
          fix: 'write the repeated part out, or use fewer and smaller aliases (*name)',
        },
      ],
    };
  }

  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null || data === undefined ? 'nothing (it is empty, or only comments)' : Array.isArray(data) ? 'a list' : `a single ${typeof data}`;
    return {
      problems: [
        {
          rule: 'not-a-table',
          ...at((doc.contents as Node | null)?.range?.[0]),
          message: `the file holds ${what}, not a table`,
          fix: 'write the table as a mapping: version: 1, then scopes: and agents: (see agents.yaml)',
        },
      ],
    };
  }

  const locate = (path: DocPath, key = false): SourcePosition => {
    let node: unknown = doc.contents;
    let position = at((doc.contents as Node | null)?.range?.[0]);
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return position;
        const keyNode = pair.key as Node;
        if (last && key) return at(keyNode.range?.[0]);
        node = pair.value;
        position = at((pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0]);
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return position;
        node = item;
        position = at(item.range?.[0]);
      } else {
        return position;
      }
    }
    return position;
  };

  return { source: { data, files: [file], locate }, problems: [] };
}
