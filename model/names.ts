/**
 * Agent names as they appear in Vault paths, IAM role names and Terraform
 * identifiers: lowercase kebab-case.
 */

// Hyphen, non-breaking hyphen, figure dash, en/em dashes, minus, small and full-width hyphen-minus.
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/** The one shape a name may have once normalized: `lead-enricher`, `etl2-loader`. */
export const SAFE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Normalizes an agent name as written in a table (`Lead‑Enricher`,
 * `Invoice Summarizer`) to lowercase kebab-case. Characters that have no safe
 * spelling (`/`, `.`, `*`…) are kept, so that validation can name them.
 */
export function normalizeName(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(DASHES, '-')
    .replace(/\u00AD/g, '') // soft hyphen: invisible, never meant as a separator
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidates closest to `name` (at most three, within a third of its length). */
export function closest(name: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...candidates]
    .map((c) => ({ c, d: editDistance(name, c) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, 3)
    .map((x) => x.c);
}
