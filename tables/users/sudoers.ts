/**
 * `sudoers`: the rules of /etc/sudoers and the files it includes (`#include`, `@include`,
 * `#includedir`, `@includedir`), each split into its leading token and the rest, with
 * backslash-continued lines joined, as osquery reports them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { exists, listFiles, readText } from "../../core/host/files.ts";
import { splitTrim } from "../../core/host/text.ts";

export default registerTable(defineTable({
  name: "sudoers",
  description: "Rules from /etc/sudoers and its included files: source file, leading token and rule text.",
  columns: [
    { name: "source", type: "TEXT", description: "The sudoers file the rule comes from." },
    { name: "header", type: "TEXT", description: "The rule's first word: a user, alias keyword, Defaults or include." },
    { name: "rule_details", type: "TEXT", description: "The rest of the rule, continuation lines joined." },
  ],
  generate(ctx) {
    return sudoersRows(ctx.host);
  },
}));

const SUDOERS = "/etc/sudoers";
/** sudoers(5) allows at most 128 levels of nesting. */
const MAX_NEST = 128;
const BLANKS = "\t\v ";

function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && BLANKS.includes(text[start])) start++;
  while (end > start && BLANKS.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

function parentDir(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? (at === 0 ? "/" : "") : path.slice(0, at);
}

function resolveInclude(target: string, from: string): string {
  if (target.startsWith("/")) return target;
  const dir = parentDir(from);
  return dir.endsWith("/") ? dir + target : `${dir}/${target}`;
}

/** Appends the rows of `file` (a path as the host sees it) and of everything it includes. */
function readSudoersFile(host: Host, file: string, level: number, rows: Row[]): void {
  if (level > MAX_NEST) return;
  const text = readText(host.path(file));
  if (text === undefined) return;
  let continued = false;
  let nest = level;
  for (const raw of splitTrim(text, "\n")) {
    const line = trimBlanks(raw);
    if (line === "") continue;
    if (continued) {
      // The previous line ended in a backslash: this line belongs to its rule.
      continued = line.endsWith("\\");
      const last = rows[rows.length - 1];
      if (last.rule_details === "") last.header = String(last.header).slice(0, -1);
      else last.rule_details = String(last.rule_details).slice(0, -1);
      last.rule_details = String(last.rule_details) + line;
      continue;
    }
    let headerEnd = 0;
    while (headerEnd < line.length && !BLANKS.includes(line[headerEnd])) headerEnd++;
    const header = line.slice(0, headerEnd);
    const isInclude = header === "#include" || header === "@include";
    const isIncludeDir = header === "#includedir" || header === "@includedir";
    if (line.startsWith("#") && !isInclude && !isIncludeDir) continue;
    const details = trimBlanks(line.slice(headerEnd));
    if (details === "" && (isInclude || isIncludeDir)) continue;
    if (!isInclude && !isIncludeDir && line.endsWith("\\")) continued = true;
    rows.push({ source: file, header, rule_details: details });
    if (isIncludeDir) {
      const dir = resolveInclude(details, file);
      const realDir = host.path(dir);
      for (const real of listFiles(realDir)) {
        const name = real.slice(real.lastIndexOf("/") + 1);
        // sudoers(5): files whose name contains a dot or ends in ~ are skipped.
        if (name === "" || name.includes(".") || name.endsWith("~")) continue;
        readSudoersFile(host, resolveInclude(name, `${dir}/x`), ++nest, rows);
      }
    } else if (isInclude) {
      readSudoersFile(host, resolveInclude(details, file), ++nest, rows);
    }
  }
}

/** The `sudoers` rows of `host`. */
export function sudoersRows(host: Host): Row[] {
  const rows: Row[] = [];
  if (!exists(host.path(SUDOERS))) return rows;
  readSudoersFile(host, SUDOERS, 1, rows);
  return rows;
}
