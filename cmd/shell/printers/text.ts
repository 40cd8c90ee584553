/**
 * Text measures and JSON text as osqueryi writes them (code points, UTF-8 bytes, RapidJSON strings,
 * std::map key order), shared by the printers.
 *
 * @module
 */

const encoder = new TextEncoder();
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Characters (Unicode code points) in a string: osquery's utf8StringSize. */
export function charCount(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** UTF-8 bytes in a string (strlen in osqueryi's line and column modes). */
export function byteLength(text: string): number {
  return NON_ASCII.test(text) ? encoder.encode(text).length : text.length;
}

// ---------------------------------------------------------------------------------------------
// JSON text, as RapidJSON's writer produces it

// deno-lint-ignore no-control-regex
const NEEDS_HEX_FIX = /[\x00-\x07\x0b\x0e-\x1f]/;

/** A JSON string literal as RapidJSON writes it (control characters as upper-case \u00XX). */
export function jsonString(text: string): string {
  const quoted = JSON.stringify(text);
  if (!NEEDS_HEX_FIX.test(text)) return quoted;
  return quoted.replace(
    /\\(u00[0-9a-f]{2}|[^u])/g,
    (match, escape: string) => escape.length === 5 ? "\\u00" + escape.slice(3).toUpperCase() : match,
  );
}

/** Compares strings by code point (the byte order of their UTF-8, as std::map keys sort). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The keys of a row object as osquery builds it (a std::map): unique names in sorted order,
 * each with the index of its last occurrence (a later column of the same name wins).
 */
export function sortedKeys(names: readonly string[]): { name: string; index: number }[] {
  const last = new Map<string, number>();
  names.forEach((name, i) => last.set(name, i));
  return [...last.entries()].sort((a, b) => compareCodePoints(a[0], b[0])).map(([name, index]) => ({ name, index }));
}
