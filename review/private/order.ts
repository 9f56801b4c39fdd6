/**
 * Code-unit order: the same on every machine, whatever its locale (which
 * `localeCompare` depends on), so that reports and graphs are byte-stable.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
