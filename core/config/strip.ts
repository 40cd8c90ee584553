/**
 * osquery's config comment stripping: `\`+newline sequences are removed, every line is trimmed,
 * and lines whose trimmed text starts with `#` or `//` are dropped. The map back to original
 * line numbers lets errors point at the file as the user wrote it.
 *
 * @module
 */

/** Stripped text plus, for each stripped line (0-based), the original 1-based line and indent. */
export interface StrippedText {
  text: string;
  /** `origin[i]` = [original line, characters trimmed from its start] for stripped line i + 1. */
  origin: [number, number][];
}

/** Strips comments the way osquery does before parsing a config or pack. */
export function stripConfigComments(raw: string): StrippedText {
  const origin: [number, number][] = [];
  const out: string[] = [];
  // Track original line numbers across removed backslash-newline joins.
  const lines = raw.split("\n");
  let lineNo = 0;
  let pending = "";
  let pendingStart = 0;
  for (let i = 0; i < lines.length; i++) {
    lineNo = i + 1;
    let line = lines[i];
    if (pending === "") pendingStart = lineNo;
    if (line.endsWith("\\") && i < lines.length - 1) {
      pending += line.slice(0, -1);
      continue;
    }
    line = pending + line;
    pending = "";
    const trimmed = line.trim();
    if (trimmed.startsWith("#") || trimmed.startsWith("//")) continue;
    origin.push([pendingStart, line.length - line.trimStart().length]);
    out.push(trimmed);
  }
  // osquery appends a newline after every kept line (a trailing split piece included).
  const text = out.length ? out.join("\n") + "\n" : "";
  return { text, origin };
}

/** Maps a (line, column) in stripped text back to the original file. */
export function originalPosition(stripped: StrippedText, line: number, column: number): [number, number] {
  const entry = stripped.origin[line - 1];
  if (!entry) return [line, column];
  return [entry[0], column + entry[1]];
}
