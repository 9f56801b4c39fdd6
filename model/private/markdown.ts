/**
 * Markdown as every writer of the project emits it (runbooks, report, diff,
 * check, usage), safe whatever the text holds: CommonMark ends a line at a
 * lone CR as at LF, so a value with one could start a heading, a list or raw
 * HTML on a line of its own; and GitHub renders inline HTML.
 */

/** Every line end CommonMark (and a browser) honours: CRLF, CR, LF, NEL, LS, PS. */
const LINE_END = /\r\n|[\r\n\u0085\u2028\u2029]/g;
/** Other control characters, which no Markdown text needs. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * Inline text: line ends flattened to spaces, control characters dropped, and
 * `&` and `<` escaped, so that no tag or entity of the value reaches the page
 * as HTML (`>` alone starts nothing in the middle of a line).
 */
export function text(value: string): string {
  return value.replace(LINE_END, ' ').replace(CONTROL, '').replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Text safe in a table cell: {@link text}, with pipes escaped. */
export function cell(value: string): string {
  return text(value).replace(/\|/g, '\\|');
}

/** An inline code span: line ends flattened (a code span may not end its line), the fence longer than any backtick inside. */
export function code(value: string): string {
  const flat = value.replace(LINE_END, ' ').replace(CONTROL, '');
  const fence = flat.includes('`') ? '``' : '`';
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A {@link code} span that survives a table cell: GitHub applies the `\|`
 * escape inside code spans too (HTML stays literal inside one).
 */
export function cellCode(value: string): string {
  return code(value.replace(/\|/g, '\\|'));
}

/** A GitHub table; cells are written as given (escape them with {@link cell} or {@link code}). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
