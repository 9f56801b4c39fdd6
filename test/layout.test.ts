/**
 * The layout shows the data flow, and the imports keep to it: each folder
 * imports only the folders before it (table → model; documents, review,
 * constructs → model; stacks → constructs; the CLI over all), no file is in
 * an import cycle, and the functions that run in AWS import only leaf model
 * files, never a barrel.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
const SKIP = new Set(['node_modules', '.git', 'cdktf.out', '.venv', '.gen', 'lib', 'test', 'bench', 'coverage', 'docs', 'scripts', 'bin']);

/** Every shipped TypeScript file, relative to the root. */
function sources(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP.has(name) && dir === ROOT ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/** The project files a file imports (type-only imports included: they are dependencies of the reader too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const base = resolve(ROOT, dirname(file), m[1]);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((c) => existsSync(c));
    if (hit) out.push(relative(ROOT, hit));
  }
  return out;
}

const FILES = sources();
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));
const layerOf = (file: string): string => (file.includes('/') ? file.split('/')[0] : '(root)');

/** Which layers each layer may import, in the order data flows. */
const ALLOWED: Record<string, readonly string[]> = {
  model: ['model'],
  table: ['model', 'table'],
  documents: ['model', 'documents'],
  review: ['model', 'table', 'review'],
  constructs: ['model', 'documents', 'constructs'],
  stacks: ['model', 'documents', 'constructs', 'stacks'],
  functions: ['model', 'functions'],
  cli: ['model', 'table', 'documents', 'review', 'constructs', 'stacks', 'cli'],
  '(root)': ['model', 'table', 'documents', 'review', 'constructs', 'stacks', 'cli', '(root)'],
};

test('every shipped file is in a known layer', () => {
  expect([...new Set(FILES.map(layerOf))].filter((l) => !(l in ALLOWED))).toEqual([]);
  expect(FILES.length).toBeGreaterThan(100);
});

test.each(Object.keys(ALLOWED))('%s imports only the layers before it', (layer) => {
  const wrong = FILES.filter((f) => layerOf(f) === layer).flatMap((f) =>
    GRAPH.get(f)!
      .filter((d) => !ALLOWED[layer].includes(layerOf(d)))
      .map((d) => `${f} → ${d}`),
  );
  expect(wrong).toEqual([]);
});

/** The import cycles of a graph: its strongly connected components of more than one file (Tarjan). */
function cyclesIn(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const f of graph.keys()) if (!idx.has(f)) visit(f);
  return cycles;
}

test('no file is in an import cycle', () => {
  expect(cyclesIn(GRAPH)).toEqual([]);
});

test('the cycle check finds a cycle through a barrel', () => {
  const graph = new Map([
    ['model/index.ts', ['model/fleet.ts', 'documents/index.ts']],
    ['documents/index.ts', ['documents/runbook.ts']],
    ['documents/runbook.ts', ['model/index.ts']],
    ['model/fleet.ts', []],
  ]);
  expect(cyclesIn(graph)).toEqual([['documents/index.ts', 'documents/runbook.ts', 'model/index.ts']]);
});

test('the functions import leaf model files, never a barrel (each bundle carries only what it uses)', () => {
  const barrels = FILES.filter((f) => f.startsWith('functions/')).flatMap((f) =>
    GRAPH.get(f)!
      .filter((d) => d.endsWith('index.ts') && !d.startsWith('functions/'))
      .map((d) => `${f} → ${d}`),
  );
  expect(barrels).toEqual([]);
});
