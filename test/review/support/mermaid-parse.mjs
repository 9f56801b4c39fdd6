// Parses Mermaid diagrams with Mermaid's own parser (the one GitHub renders
// with), in Node: Mermaid needs a DOM for DOMPurify, which jsdom provides.
// Mermaid is ESM-only, so jest (CommonJS) runs this file as a child process.
//
// Usage: node mermaid-parse.mjs FILE...  → prints one JSON line per file:
//   {"file": …, "ok": true, "diagramType": "flowchart-v2"} or {"file": …, "ok": false, "error": …}
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const result = await mermaid.parse(text);
    process.stdout.write(`${JSON.stringify({ file, ok: true, diagramType: result.diagramType })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ file, ok: false, error: String(e?.message ?? e) })}\n`);
  }
}
