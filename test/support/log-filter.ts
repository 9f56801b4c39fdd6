/**
 * CloudWatch Logs' JSON filter patterns, evaluated on one log event as the
 * service documents them ("Filter pattern syntax for metric filters", JSON
 * log events): `{ <selector> <op> <value> }` joined with `&&` and `||`,
 * grouped with parentheses; selectors `$.a.b`; string values in double quotes
 * (`*` matches any run of characters) compared with `=` and `!=`; numbers
 * with `=`, `!=`, `<`, `>`, `<=`, `>=`. A selector that the event does not
 * have matches nothing. A non-JSON event matches no JSON pattern. Enough for
 * the patterns the fleet synthesizes; anything else is refused, not guessed.
 */

type Node = { kind: 'and' | 'or'; left: Node; right: Node } | { kind: 'test'; path: string[]; op: string; value: string | number };

function parse(pattern: string): Node {
  const src = pattern.trim();
  if (!src.startsWith('{') || !src.endsWith('}')) throw new Error(`not a JSON filter pattern: ${pattern}`);
  const tokens = src.slice(1, -1).match(/\$\.[A-Za-z0-9_.]+|"(?:[^"\\]|\\.)*"|&&|\|\||!=|<=|>=|=|<|>|\(|\)|-?\d+(?:\.\d+)?|\S+/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of ${pattern}`);
    return t;
  };
  const primary = (): Node => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new Error(`missing ) in ${pattern}`);
      return inner;
    }
    const selector = next();
    if (!selector.startsWith('$.')) throw new Error(`expected a selector in ${pattern}, got ${selector}`);
    const op = next();
    if (!['=', '!=', '<', '>', '<=', '>='].includes(op)) throw new Error(`unknown operator ${op} in ${pattern}`);
    const raw = next();
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw);
    if (typeof value === 'number' && Number.isNaN(value)) throw new Error(`unquoted value ${raw} in ${pattern}`);
    if (typeof value === 'string' && op !== '=' && op !== '!=') throw new Error(`${op} on a string in ${pattern}`);
    return { kind: 'test', path: selector.slice(2).split('.'), op, value };
  };
  const and = (): Node => {
    let left = primary();
    while (peek() === '&&') {
      next();
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (peek() === '||') {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const tree = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in ${pattern}`);
  return tree;
}

function wildcard(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(text);
}

function evaluate(node: Node, event: unknown): boolean {
  if (node.kind !== 'test')
    return node.kind === 'and' ? evaluate(node.left, event) && evaluate(node.right, event) : evaluate(node.left, event) || evaluate(node.right, event);
  let v: unknown = event;
  for (const p of node.path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  if (v === undefined) return false;
  if (typeof node.value === 'string') {
    const matches = typeof v === 'string' && wildcard(node.value, v);
    return node.op === '=' ? matches : !matches;
  }
  if (typeof v !== 'number') return false;
  const n = node.value;
  return { '=': v === n, '!=': v !== n, '<': v < n, '>': v > n, '<=': v <= n, '>=': v >= n }[node.op as '='];
}

/** Whether the log event `message` matches `pattern`; an empty pattern matches every event, as CloudWatch Logs documents. */
export function filterMatches(pattern: string, message: string): boolean {
  if (pattern.trim() === '') return true;
  const tree = parse(pattern);
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return false;
  }
  return evaluate(tree, event);
}
