/**
 * How often an EventBridge schedule expression fires, so that a diff can say
 * whether a rotation became less frequent. `rate(…)` is exact; `cron(…)` is
 * counted minute by minute over one reference year; `at(…)` fires once, which
 * is never as a rotation. Expressions this does not understand (`L`, `W`, `#`)
 * return `undefined`, and callers treat the change as broadening.
 */

const UNIT: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** The reference year: 2025 (not a leap year) from 1 January, UTC. */
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_SECONDS = 365 * 86_400;

/** Values a cron field allows, or `undefined` when the field is not understood. */
function field(text: string, min: number, max: number, names: readonly string[] = [], nameBase = min): Set<number> | undefined {
  const out = new Set<number>();
  const value = (v: string): number | undefined => {
    const i = names.indexOf(v.toUpperCase());
    if (i !== -1) return i + nameBase;
    return /^\d+$/.test(v) ? Number(v) : undefined;
  };
  for (const part of text.split(',')) {
    const m = /^(\*|\?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    let lo = min;
    let hi = max;
    if (m[1] !== '*' && m[1] !== '?') {
      const [a, b] = m[1].split('-');
      const va = value(a);
      const vb = b === undefined ? (m[2] ? max : va) : value(b);
      if (va === undefined || vb === undefined) return undefined;
      lo = va;
      hi = vb;
    }
    const step = m[2] ? Number(m[2]) : 1;
    if (step < 1 || lo < min || hi > max) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Times a schedule expression fires in one year, or `undefined` when not understood. */
export function firesPerYear(expression: string | undefined): number | undefined {
  if (expression === undefined) return undefined;
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(text);
  if (rate) return YEAR_SECONDS / (Number(rate[1]) * UNIT[rate[2]]);
  if (/^at\(/.test(text)) return 0;
  const cron = /^cron\((.+)\)$/.exec(text);
  if (!cron) return undefined;
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6) return undefined;
  const minutes = field(parts[0], 0, 59);
  const hours = field(parts[1], 0, 23);
  const dom = field(parts[2], 1, 31);
  const months = field(parts[3], 1, 12, MONTHS, 1);
  // EventBridge numbers days of the week 1 (SUN) to 7 (SAT).
  const dow = field(parts[4], 1, 7, DAYS, 1);
  if (!minutes || !hours || !dom || !months || !dow) return undefined;
  const anyDom = parts[2] === '*' || parts[2] === '?';
  const anyDow = parts[4] === '*' || parts[4] === '?';
  let fires = 0;
  for (let day = 0; day < 365; day++) {
    const d = new Date(YEAR_START + day * 86_400_000);
    if (!months.has(d.getUTCMonth() + 1)) continue;
    const domOk = dom.has(d.getUTCDate());
    const dowOk = dow.has(d.getUTCDay() + 1);
    const dayMatches = anyDom && anyDow ? true : anyDom ? dowOk : anyDow ? domOk : domOk && dowOk;
    if (dayMatches) fires += minutes.size * hours.size;
  }
  return fires;
}
