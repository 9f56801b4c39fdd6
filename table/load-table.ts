import { readFileSync } from 'fs';
import { extname } from 'path';
import { markdownAgents } from './load-markdown';
import { firstInvalidUtf8, columnAt } from './private/text-position';
import { yamlSource } from './private/yaml-source';
import { Problem, SourcePosition } from '../model/problem';
import { TableError } from './table-error';
import { DocPath, TableSource } from './table-source';

/** Which files make up a table. */
export interface TableFiles {
  /** The agent table: YAML (`.yaml`, `.yml`, `.json`) or a seed-shaped Markdown table (`.md`). */
  readonly table: string;
  /**
   * A YAML scope catalog (a table without `agents:`). Required for a Markdown
   * table; for a YAML table its scopes are added to the table's own.
   * @default - none
   */
  readonly catalog?: string;
}

/**
 * Reads a table file as UTF-8 text (without a byte-order mark). A file that
 * is not UTF-8 is a problem naming the first bad byte: decoding it anyway
 * would turn the byte into U+FFFD and change names silently.
 */
function readText(file: string, problems: Problem[]): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push({
      rule: 'file',
      file,
      line: 0,
      column: 0,
      message: code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read the file (${code ?? String(e)})`,
      fix: 'check the path given with --table / --catalog (or SCOPED_AGENTS_TABLE)',
    });
    return undefined;
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    const lineStart = bad === 0 ? 0 : bytes.lastIndexOf(0x0a, bad - 1) + 1;
    const before = bytes.subarray(lineStart, bad).toString('utf8');
    problems.push({
      rule: 'encoding',
      file,
      line: bytes.subarray(0, bad).filter((b) => b === 0x0a).length + 1,
      column: columnAt(before, 0, before.length),
      message: `the file is not UTF-8: byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} at byte offset ${bad} starts no UTF-8 character`,
      fix: 'save the file as UTF-8 (a Latin-1 or Windows-1252 file must be converted, e.g. iconv -f latin1 -t utf-8)',
    });
    return undefined;
  }
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function isMarkdown(file: string): boolean {
  return ['.md', '.markdown'].includes(extname(file).toLowerCase());
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Reads a table (and its catalog) into one `TableSource`.
 *
 * Problems that stop reading (a missing file, broken YAML, no Markdown table)
 * are thrown as one `TableError` listing every one of them.
 */
export function loadTable(files: TableFiles): TableSource {
  const problems: Problem[] = [];
  const tableText = readText(files.table, problems);
  const catalogText = files.catalog !== undefined ? readText(files.catalog, problems) : undefined;

  const catalog = catalogText !== undefined && files.catalog ? yamlSource(files.catalog, catalogText) : undefined;
  problems.push(...(catalog?.problems ?? []));

  if (tableText === undefined) throw new TableError(problems);

  if (isMarkdown(files.table)) {
    if (files.catalog === undefined) {
      problems.push({
        rule: 'file',
        file: files.table,
        line: 0,
        column: 0,
        message: 'a Markdown table names scopes but does not define them',
        fix: 'pass the scope catalog with --catalog scopes.yaml',
      });
    }
    const md = markdownAgents(files.table, tableText);
    problems.push(...md.problems);
    if (problems.length > 0 || !catalog?.source) throw new TableError(problems);
    const catalogSource = catalog.source;
    const rawCatalog = asRecord(catalogSource.data);
    if ('agents' in rawCatalog) {
      throw new TableError([
        {
          rule: 'unknown-key',
          ...catalogSource.locate(['agents'], true),
          value: 'agents',
          message: 'a scope catalog lists no agents; the Markdown table does',
          fix: 'remove agents: from the catalog, or use the YAML file as the table itself',
        },
      ]);
    }
    return {
      data: { ...rawCatalog, agents: md.agents },
      files: [files.table, files.catalog!],
      problems: md.rowProblems,
      locate: (path: DocPath, key?: boolean): SourcePosition => (path[0] === 'agents' ? md.locate(path) : catalogSource.locate(path, key)),
    };
  }

  const table = yamlSource(files.table, tableText);
  problems.push(...table.problems);
  if (problems.length > 0 || !table.source) throw new TableError(problems);
  if (!catalog?.source) return table.source;
  return mergeCatalog(table.source, catalog.source);
}

/** Adds a catalog's scopes to a YAML table's; a scope defined in both is a problem. */
function mergeCatalog(table: TableSource, catalog: TableSource): TableSource {
  const data = asRecord(table.data);
  const catalogData = asRecord(catalog.data);
  const tableScopes = asRecord(data.scopes);
  const catalogScopes = asRecord(catalogData.scopes);
  const problems: Problem[] = [];
  for (const name of Object.keys(catalogScopes).filter((n) => n in tableScopes)) {
    problems.push({
      rule: 'duplicate-scope',
      ...catalog.locate(['scopes', name], true),
      value: name,
      message: `scope is defined both here and in ${table.files[0]}`,
      fix: 'define each scope once: remove it from the table or from the catalog',
    });
  }
  for (const section of Object.keys(catalogData).filter((s) => s !== 'version' && s !== 'scopes')) {
    problems.push({
      rule: 'unknown-key',
      ...catalog.locate([section], true),
      value: section,
      message: `a catalog given with a YAML table may hold only scopes:, not ${section}:`,
      fix: `move ${section}: into ${table.files[0]}`,
    });
  }
  if (problems.length > 0) throw new TableError(problems);
  return {
    data: { ...data, scopes: { ...tableScopes, ...catalogScopes } },
    files: [...table.files, ...catalog.files],
    locate: (path: DocPath, key?: boolean): SourcePosition =>
      path[0] === 'scopes' && path.length > 1 && String(path[1]) in catalogScopes ? catalog.locate(path, key) : table.locate(path, key),
  };
}
