/**
 * `sudoers`: the rules of /etc/sudoers and the files it includes (`#include`, `@include`,
 * `#includedir`, `@includedir`), each split into its leading token and the rest, with
 * backslash-continued lines joined, as osquery reports them.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { exists, listFiles, readText, underRoot } from "../../core/host/files.ts";
import { hostEnv, type UsersEnv } from "./_lib.ts";
import { splitTrim } from "../../core/host/text.ts";

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
function readSudoersFile(root: string, file: string, level: number, rows: Row[]): void {
  if (level > MAX_NEST) return;
  const text = readText(underRoot(root, file));
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
      const realDir = underRoot(root, dir);
      for (const real of listFiles(realDir)) {
        const name = real.slice(real.lastIndexOf("/") + 1);
        // sudoers(5): files whose name contains a dot or ends in ~ are skipped.
        if (name === "" || name.includes(".") || name.endsWith("~")) continue;
        readSudoersFile(root, resolveInclude(name, `${dir}/x`), ++nest, rows);
      }
    } else if (isInclude) {
      readSudoersFile(root, resolveInclude(details, file), ++nest, rows);
    }
  }
}

/** The `sudoers` rows for the tree under `root`. */
export function sudoersRows(root = ""): Row[] {
  const rows: Row[] = [];
  if (!exists(underRoot(root, SUDOERS))) return rows;
  readSudoersFile(root, SUDOERS, 1, rows);
  return rows;
}

/** The `sudoers` table reading under `env`. */
export function sudoersTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "sudoers",
    description: "Rules from /etc/sudoers and its included files: source file, leading token and rule text.",
    columns: [
      { name: "source", type: "TEXT" },
      { name: "header", type: "TEXT" },
      { name: "rule_details", type: "TEXT" },
    ],
    generate() {
      return sudoersRows(env.root);
    },
  }));
}

export default registerTable(sudoersTable());
