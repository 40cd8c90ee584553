/**
 * Tokenising host text files as osquery's string utilities do, shared by every area that reads
 * configuration and procfs lines.
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
