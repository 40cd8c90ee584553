/**
 * Tokenising host text files as osquery's string utilities do, shared by every area that reads
 * configuration and procfs lines: osquery's split, C-like whitespace trimming, strict decimal and
 * hex parsing (undefined, never NaN, for junk) and blank-separated fields. The tokenisers are
 * written over char codes because they run for every line of every process's /proc files.
 *
 * @module
 */

/**
 * osquery's `split(text, delims)`: splits on any of the `delims` characters, drops the empty
 * pieces, then trims each (so a piece of blanks between two delimiters stays, as "").
 */
export function splitTrim(text: string, delims = "\t "): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || delims.includes(text[i])) {
      if (i > start) out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return out;
}

/** Trims ASCII whitespace at both ends (as C's isspace), leaving other characters alone. */
export function trimAscii(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Parses a string of decimal digits (optionally signed); undefined for anything else. */
export function parseDecimal(s: string): number | undefined {
  const t = trimAscii(s);
  if (t.length === 0) return undefined;
  let i = t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43 ? 1 : 0;
  if (i === t.length) return undefined;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(t);
}

/** Parses a string of hex digits; undefined for anything else. */
export function parseHex(s: string): number | undefined {
  if (s.length === 0) return undefined;
  for (let i = 0; i < s.length; i++) {
    if (hexValue(s.charCodeAt(i)) < 0) return undefined;
  }
  return parseInt(s, 16);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** True for a space or a tab: the separators of /proc's tabular files. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** The index just past the first `n` space/tab-separated fields of `line`. */
export function afterFields(line: string, n: number): number {
  let pos = 0;
  for (let k = 0; k < n; k++) {
    while (pos < line.length && isBlank(line.charCodeAt(pos))) pos++;
    while (pos < line.length && !isBlank(line.charCodeAt(pos))) pos++;
  }
  return pos;
}

/** Splits on runs of spaces/tabs, dropping empty fields. */
export function fields(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (start >= 0) {
        out.push(line.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(line.slice(start));
  return out;
}
