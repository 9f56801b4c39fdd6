/**
 * EventBridge schedule expressions, as EventBridge Scheduler and Secrets
 * Manager read them: `rate(N unit)` and the six-field `cron(minutes hours
 * day-of-month month day-of-week year)`, with the values and wildcards each
 * field accepts. One reading for the table's validation and the review's
 * frequency comparison.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
/** EventBridge numbers the days of the week 1 (SUN) to 7 (SAT). */
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** What one cron field accepts. */
interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** `?`: no value in this field (day-of-month or day-of-week, whichever the other names). */
  readonly question?: boolean;
  /** `L` (last), `nW` (nearest weekday), `LW`: day-of-month only. */
  readonly lastAndWeekday?: boolean;
  /** `L`, `nL` (last n-day of the month) and `n#k` (the k-th n-day): day-of-week only. */
  readonly lastAndNth?: boolean;
}

/** The six fields, in order. */
export const CRON_FIELDS: readonly FieldSpec[] = [
  { label: 'minutes', min: 0, max: 59 },
  { label: 'hours', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31, question: true, lastAndWeekday: true },
  { label: 'month', min: 1, max: 12, names: MONTHS },
  { label: 'day-of-week', min: 1, max: 7, names: DAYS, question: true, lastAndNth: true },
  { label: 'year', min: 1970, max: 2199 },
];

/** One field read: the values it allows (`undefined` when `L`, `W` or `#` make them depend on the month), or why it is invalid. */
export type CronField = { readonly values?: ReadonlySet<number>; readonly any: boolean; readonly problem?: undefined } | { readonly problem: string };

/** Reads one value of a field: a number or (month, day-of-week) a name. */
function valueOf(text: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named !== -1) return named + 1;
  if (!/^\d{1,4}$/.test(text)) return `"${text}" is not a ${spec.label} value`;
  const n = Number(text);
  if (n < spec.min || n > spec.max) return `${spec.label} value ${n} is outside ${spec.min}-${spec.max}`;
  return n;
}

/** Reads one field of a cron expression. */
export function cronField(text: string, spec: FieldSpec): CronField {
  if (text === '*' || (text === '?' && spec.question)) return { values: range(spec.min, spec.max, 1), any: true };
  if (text === '?') return { problem: `? is allowed only in day-of-month and day-of-week, not in ${spec.label}` };
  const values = new Set<number>();
  let special = false;
  for (const item of text.split(',')) {
    if (spec.lastAndWeekday && /^(L|LW|\d{1,2}W)$/.test(item)) {
      const day = /^(\d{1,2})W$/.exec(item);
      if (day) {
        const v = valueOf(day[1], spec);
        if (typeof v === 'string') return { problem: v };
      }
      special = true;
      continue;
    }
    if (spec.lastAndNth) {
      const nth = /^(\w+)#(\d+)$/.exec(item);
      const last = /^(\w+)?L$/.exec(item);
      if (nth || last) {
        const v = (nth ?? last)![1] === undefined ? 7 : valueOf((nth ?? last)![1], spec);
        if (typeof v === 'string') return { problem: v };
        if (nth && (Number(nth[2]) < 1 || Number(nth[2]) > 5)) return { problem: `${item}: the week of the month after # is 1-5` };
        special = true;
        continue;
      }
    }
    const m = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(item);
    if (!m) return { problem: `"${item}" is not a ${spec.label} value, range, list or increment` };
    let lo = spec.min;
    let hi = spec.max;
    if (m[1] !== '*') {
      const a = valueOf(m[1], spec);
      if (typeof a === 'string') return { problem: a };
      const b = m[2] === undefined ? (m[3] ? spec.max : a) : valueOf(m[2], spec);
      if (typeof b === 'string') return { problem: b };
      if (b < a) return { problem: `${spec.label} range ${item} runs backwards; write the lower bound first` };
      lo = a;
      hi = b;
    } else if (m[2] !== undefined) {
      return { problem: `"${item}" is not a ${spec.label} value, range, list or increment` };
    }
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (step < 1 || step > spec.max) return { problem: `${spec.label} increment /${m[3]} is outside 1-${spec.max}` };
    range(lo, hi, step).forEach((v) => values.add(v));
  }
  return special ? { any: false } : { values, any: false };
}

function range(lo: number, hi: number, step: number): Set<number> {
  const out = new Set<number>();
  for (let v = lo; v <= hi; v += step) out.add(v);
  return out;
}

/** A schedule expression read: a fixed rate in seconds, or cron fields. */
export type Schedule =
  | { readonly kind: 'rate'; readonly seconds: number; readonly problem?: undefined }
  | { readonly kind: 'cron'; readonly fields: readonly Exclude<CronField, { problem: string }>[]; readonly problem?: undefined }
  | { readonly kind?: undefined; readonly problem: string };

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/** Reads an EventBridge schedule expression, or says why it is invalid. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return { problem: 'has a rate below 1' };
    if (!Number.isSafeInteger(n)) return { problem: 'has a rate too large for a schedule' };
    if (n === 1 && rate[2].endsWith('s')) return { problem: `needs the singular unit: rate(1 ${rate[2].slice(0, -1)})` };
    if (n > 1 && !rate[2].endsWith('s')) return { problem: `needs the plural unit: rate(${n} ${rate[2]}s)` };
    return { kind: 'rate', seconds: n * UNIT_SECONDS[rate[2].replace(/s$/, '')] };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return { problem: 'is neither cron(...) nor rate(...)' };
  const texts = cron[1].trim().split(/\s+/);
  if (texts.length !== 6) return { problem: `has ${texts.length} fields; EventBridge cron has 6 (minutes hours day-of-month month day-of-week year)` };
  const fields: Exclude<CronField, { problem: string }>[] = [];
  for (const [i, text] of texts.entries()) {
    const f = cronField(text, CRON_FIELDS[i]);
    if (f.problem !== undefined) return { problem: `has an invalid ${CRON_FIELDS[i].label} field: ${f.problem}` };
    fields.push(f);
  }
  if ((texts[2] === '?') === (texts[4] === '?')) return { problem: 'must have ? in exactly one of day-of-month and day-of-week' };
  return { kind: 'cron', fields };
}

/**
 * The shortest time between two runs of a valid schedule, in seconds: exact
 * for `rate()`; for `cron()`, from its minutes and hours, taking consecutive
 * days to run (so an evening and a morning hour count as close).
 */
export function shortestInterval(schedule: Exclude<Schedule, { problem: string }>): number {
  if (schedule.kind === 'rate') return schedule.seconds;
  const [minutes, hours] = schedule.fields.map((f) => [...(f.values ?? [])].sort((a, b) => a - b));
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  let shortest = 24 * 60;
  for (let i = 0; i < times.length; i++) {
    const next = i + 1 < times.length ? times[i + 1] : times[0] + 24 * 60;
    shortest = Math.min(shortest, next - times[i]);
  }
  return shortest * 60;
}
