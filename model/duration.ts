/**
 * Durations as the table writes them: `15m`, `1h`, `1h30m`, `90s`, `2d`, or a
 * bare number of seconds. Vault and AWS both take seconds, so that is what the
 * model stores.
 */
const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Parses a duration into whole seconds.
 *
 * @returns the number of seconds, or `undefined` when the text is not a duration
 */
export function parseDuration(text: string | number): number | undefined {
  // Vault and AWS read TTLs as whole seconds: anything past a safe integer is no duration they take.
  if (typeof text === 'number') {
    return Number.isSafeInteger(text) && text > 0 ? text : undefined;
  }
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
  const m = DURATION.exec(trimmed);
  if (!m || trimmed === '') return undefined;
  const [, d, h, min, s] = m;
  const total = Number(d ?? 0) * UNIT_SECONDS.d + Number(h ?? 0) * UNIT_SECONDS.h + Number(min ?? 0) * UNIT_SECONDS.m + Number(s ?? 0);
  return Number.isSafeInteger(total) && total > 0 ? total : undefined;
}

/** Formats seconds the way the table writes them (`900` → `15m`, `5400` → `1h30m`). */
export function formatDuration(seconds: number): string {
  let rest = seconds;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_SECONDS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out || '0s';
}
