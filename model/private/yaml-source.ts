import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from 'yaml';
import { Problem, SourcePosition } from '../problem';
import { DocPath, TableSource } from '../table-source';

/**
 * Parses YAML text into a `TableSource` that remembers where every key and
 * value was written. Syntax errors come back as problems, all of them.
 */
export function yamlSource(file: string, text: string): { source?: TableSource; problems: Problem[] } {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice is a problem, not a silent override.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return {
      rule: 'yaml-syntax',
      file,
      line: pos.line,
      column: pos.col,
      message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      fix: 'correct the YAML syntax at this position',
    };
  });
  if (problems.length > 0) return { problems };

  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file, line: 1, column: 1 };
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };

  const locate = (path: DocPath, key = false): SourcePosition => {
    let node: unknown = doc.contents;
    let position = at((doc.contents as Node | null)?.range?.[0]);
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
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

  return { source: { data: doc.toJS({ maxAliasCount: 100 }), files: [file], locate }, problems: [] };
}
