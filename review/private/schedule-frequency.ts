/**
 * How often an EventBridge schedule expression fires, so that a diff can say
 * whether a rotation became less frequent. `rate(…)` is exact; `cron(…)` is
 * counted minute by minute over one reference year; `at(…)` fires once, which
 * is never as a rotation. Expressions this does not understand (`L`, `W`, `#`)
 * return `undefined`, and callers treat the change as broadening.
 */
import { parseSchedule } from '../../model/schedule';

/** The reference year: 2025 (not a leap year) from 1 January, UTC. */
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_SECONDS = 365 * 86_400;

/** Times a schedule expression fires in one year, or `undefined` when not understood. */
export function firesPerYear(expression: string | undefined): number | undefined {
  if (expression === undefined) return undefined;
  const text = expression.trim();
  if (/^at\(/.test(text)) return 0;
  const schedule = parseSchedule(text);
  if (schedule.problem !== undefined) return undefined;
  if (schedule.kind === 'rate') return YEAR_SECONDS / schedule.seconds;
  const [minutes, hours, dom, months, dow] = schedule.fields;
  // `L`, `W` and `#` name days that depend on the month: not counted here.
  if (!minutes.values || !hours.values || !dom.values || !months.values || !dow.values) return undefined;
  let fires = 0;
  for (let day = 0; day < 365; day++) {
    const d = new Date(YEAR_START + day * 86_400_000);
    if (!months.values.has(d.getUTCMonth() + 1)) continue;
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay() + 1);
    const dayMatches = dom.any && dow.any ? true : dom.any ? dowOk : dow.any ? domOk : domOk && dowOk;
    if (dayMatches) fires += minutes.values.size * hours.values.size;
  }
  return fires;
}
