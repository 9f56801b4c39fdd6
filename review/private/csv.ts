/**
 * CSV as the project writes it (`graph --format csv`, `check --format csv`):
 * RFC 4180 fields, and no field a spreadsheet would run as a formula.
 */

/** Starts a spreadsheet reads as a formula (`=`, `+`, `-`, `@`) or as one hidden behind a tab or CR. */
const FORMULA = /^[=+\-@\t\r]/;

/**
 * One field: a leading formula character is neutralised with a `'` (OWASP's
 * advice; the spreadsheet shows the text), then the field is quoted when it
 * holds a comma, a quote or a line break.
 */
export function csvField(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line of fields. */
export function csvRow(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
