/**
 * Columns as people and editors count them: in characters (Unicode code
 * points), not in JavaScript's UTF-16 units, so a line with `ö` or an emoji
 * before the problem points at the right place.
 */

/** The 1-based column of `offset` in `text`, on the line that starts at `lineStart`. */
export function columnAt(text: string, lineStart: number, offset: number): number {
  let column = 1;
  for (let i = lineStart; i < offset; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate and the low one after it are one character.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < offset) i++;
    column++;
  }
  return column;
}

/**
 * The byte offset of the first sequence in `bytes` that is not UTF-8
 * (a stray Latin-1 byte, a cut multi-byte character, an overlong form, a
 * surrogate), or `undefined` when all of it is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes, and the bounds of the second byte (no overlong forms, no surrogates, nothing past U+10FFFF).
    const shape =
      b >= 0xc2 && b <= 0xdf
        ? { n: 1, lo: 0x80, hi: 0xbf }
        : b === 0xe0
          ? { n: 2, lo: 0xa0, hi: 0xbf }
          : (b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef
            ? { n: 2, lo: 0x80, hi: 0xbf }
            : b === 0xed
              ? { n: 2, lo: 0x80, hi: 0x9f }
              : b === 0xf0
                ? { n: 3, lo: 0x90, hi: 0xbf }
                : b >= 0xf1 && b <= 0xf3
                  ? { n: 3, lo: 0x80, hi: 0xbf }
                  : b === 0xf4
                    ? { n: 3, lo: 0x80, hi: 0x8f }
                    : undefined;
    if (!shape || i + shape.n >= bytes.length) return i;
    if (bytes[i + 1] < shape.lo || bytes[i + 1] > shape.hi) return i;
    for (let k = 2; k <= shape.n; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += shape.n + 1;
  }
  return undefined;
}
