import { columnAt } from './private/text-position';
import { Problem, SourcePosition } from '../model/problem';
import { DocPath } from './table-source';

/** One agent row of a seed-shaped Markdown table, with where its cells are. */
interface MarkdownRow {
  readonly line: number;
  readonly cells: Record<string, { text: string; column: number }>;
}

const COLUMNS: Record<string, string> = {
  agent: 'agent',
  'required action': 'actions',
  'required actions': 'actions',
  action: 'actions',
  actions: 'actions',
  'api scope': 'scopes',
  'api scopes': 'scopes',
  scope: 'scopes',
  scopes: 'scopes',
  owner: 'owner',
  platform: 'platform',
};

/** Splits a Markdown table line into trimmed cells with their 1-based columns (in characters). */
function splitRow(line: string): { text: string; column: number }[] {
  let body = line;
  let offset = 0;
  const lead = /^\s*\|/.exec(body);
  if (lead) {
    offset = lead[0].length;
    body = body.slice(offset);
  }
  body = body.replace(/\|\s*$/, '');
  const cells: { text: string; column: number }[] = [];
  let start = 0;
  for (const part of body.split('|')) {
    const leading = part.length - part.trimStart().length;
    cells.push({ text: part.trim(), column: columnAt(line, 0, offset + start + leading) });
    start += part.length + 1;
  }
  return cells;
}

/** The comma-separated items of a cell, each with its own 1-based column. */
function listItems(cell: { text: string; column: number } | undefined): { text: string; column: number }[] {
  const items: { text: string; column: number }[] = [];
  if (!cell) return items;
  let start = 0;
  for (const part of cell.text.split(',')) {
    const text = part.trim();
    if (text !== '') items.push({ text, column: cell.column + columnAt(cell.text, 0, start + part.length - part.trimStart().length) - 1 });
    start += part.length + 1;
  }
  return items;
}

const SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/**
 * Reads the agent rows of a Markdown table in the seed's own shape:
 *
 * ```
 * Agent | Required Action | API Scope
 * ------|-----------------|----------
 * Lead-Enricher | Read contact info, write tag | crm.contacts.read, crm.tags.write
 * ```
 *
 * Actions and scopes are comma-separated. Optional `Owner` and `Platform`
 * columns are read when present. The scope catalog comes from a YAML file.
 *
 * The seed's table does not say which scope serves which action, so every
 * action of a row lists all of the row's scopes; the agent's grants are the
 * same as if each action named its own.
 */
export function markdownAgents(
  file: string,
  text: string,
): {
  agents: unknown[];
  locate: (path: DocPath) => SourcePosition;
  /** Problems that stop reading: no table, a required column missing. */
  problems: Problem[];
  /** Problems that leave the rows readable (an unknown column, a row with extra cells): reported with the rest of the table's. */
  rowProblems: Problem[];
} {
  const lines = text.split(/\r?\n/);
  const problems: Problem[] = [];
  const rowProblems: Problem[] = [];
  let header: string[] | undefined;
  const rows: MarkdownRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.includes('|')) {
      if (header && rows.length > 0) break; // the table ended
      continue;
    }
    if (!header) {
      const next = lines[i + 1] ?? '';
      if (!SEPARATOR.test(next)) continue;
      const headerCells = splitRow(line);
      const names = headerCells.map((c) => COLUMNS[c.text.toLowerCase()] ?? `?${c.text}`);
      if (!names.includes('agent')) continue;
      header = names;
      for (const missing of ['actions', 'scopes'].filter((n) => !names.includes(n))) {
        problems.push({
          rule: 'markdown-table',
          file,
          line: i + 1,
          column: 1,
          message: `the table has no ${missing === 'actions' ? '"Required Action"' : '"API Scope"'} column`,
          fix: 'use the header "Agent | Required Action | API Scope"',
        });
      }
      for (const [index, unknown] of names.entries()) {
        if (!unknown.startsWith('?')) continue;
        rowProblems.push({
          rule: 'unknown-key',
          file,
          line: i + 1,
          column: headerCells[index].column,
          value: unknown.slice(1),
          message: 'unknown column',
          fix: 'use only the columns Agent, Required Action, API Scope, Owner, Platform',
        });
      }
      i++; // skip the separator row
      continue;
    }
    const cells = splitRow(line);
    if (cells.length > header.length) {
      rowProblems.push({
        rule: 'markdown-table',
        file,
        line: i + 1,
        column: cells[header.length].column,
        value: cells[header.length].text,
        message: `the row has ${cells.length} cells; the header has ${header.length}`,
        fix: 'remove the extra | (a cell cannot hold one), or add the column to the header',
      });
    }
    const row: MarkdownRow = { line: i + 1, cells: {} };
    header.forEach((name, index) => {
      if (cells[index]) row.cells[name] = cells[index];
    });
    rows.push(row);
  }
  if (!header) {
    problems.push({
      rule: 'markdown-table',
      file,
      line: 0,
      column: 0,
      message: 'no agent table found',
      fix: 'write a table with the header "Agent | Required Action | API Scope" followed by a separator row',
    });
  }

  const list = (cell: { text: string; column: number } | undefined): string[] => listItems(cell).map((item) => item.text);
  const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

  const agents = rows.map((row) => {
    const scopes = list(row.cells.scopes);
    const agent: Record<string, unknown> = {
      name: row.cells.agent?.text ?? '',
      actions: list(row.cells.actions).map((action) => ({ action: capitalize(action), scopes })),
    };
    if (row.cells.owner?.text) agent.owner = row.cells.owner.text;
    if (row.cells.platform?.text) agent.platform = row.cells.platform.text;
    return agent;
  });

  const locate = (path: DocPath): SourcePosition => {
    const row = rows[Number(path[1])];
    if (!row) return { file, line: 0, column: 0 };
    const field = path[2];
    if (field === 'actions' && path[4] === 'scopes') {
      // One scope of the row: point at it, not at the start of its cell.
      const scope = typeof path[5] === 'number' ? listItems(row.cells.scopes)[path[5]] : undefined;
      return { file, line: row.line, column: scope?.column ?? row.cells.scopes?.column ?? 1 };
    }
    // The agent's name is written in the Agent column.
    const cell = row.cells[field === 'name' ? 'agent' : String(field)];
    return { file, line: row.line, column: cell?.column ?? 1 };
  };

  return { agents, locate, problems, rowProblems };
}
