/**
 * `yara_file` (alias `yara`): scans files with YARA rules named by `sigfile`, `sig_group` (from
 * the config's yara section) or `sigrule` text. `path` is required; LIKE patterns resolve as
 * osquery's file patterns do (core/host/glob.ts: `%` within a name, a trailing `%%` for any depth)
 * to the regular files they match. With `pid_with_namespace`, paths are read through each named
 * process's root (core/host/namespace_roots.ts).
 *
 * @module
 */
import { defineTable, OP, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { GLOB, iterateLikePattern } from "../../core/host/glob.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { matchRows, scanFile, scanWithQueryRules, YARA_RESULT_COLUMNS } from "./_yara.ts";

export default registerTable(defineTable({
  name: "yara_file",
  description: "YARA matches in the given files, with rules from sigfile, sig_group or sigrule.",
  aliases: ["yara"],
  columns: [
    { name: "path", type: "TEXT", required: true, index: true, description: "The file scanned (= or LIKE)." },
    ...YARA_RESULT_COLUMNS,
  ],
  generate(ctx) {
    const hasPaths = ctx.hasConstraint("path", OP.EQUALS) || ctx.likes("path").length > 0;
    if (!hasPaths) return [];
    const wantStrings = ctx.isUsed("strings");
    return scanWithQueryRules(ctx, (sets) => {
      const rows: Row[] = [];
      for (const view of namespaceRoots(ctx)) {
        // An interrupted query (Ctrl-C, a time limit) stops between files: a scan can take long.
        for (const path of scannedPaths(ctx, view.root)) {
          if (ctx.cancelled) return rows;
          rows.push(...matchRows(sets, { path }, view.pid, (rules) => scanFile(rules, view.root + path, wantStrings)));
        }
      }
      return rows;
    });
  },
}));

/**
 * The paths a query names, as seen under `root`: its `=` values as given (a missing file simply
 * gives no row), then what its LIKE patterns resolve to, kept to regular files as osquery keeps
 * them (GLOB_FILES, then a stat: devices and FIFOs are not scanned).
 */
function scannedPaths(ctx: QueryContext, root: string): Set<string> {
  const paths = new Set(ctx.equals("path"));
  for (const pattern of ctx.likes("path")) {
    for (const path of iterateLikePattern(pattern, GLOB.FILES, Deno.cwd(), root, () => ctx.cancelled)) {
      if (isRegularFile(root + path)) paths.add(path);
    }
  }
  return paths;
}

/** Whether `path` (followed through symlinks) is a regular file. */
function isRegularFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
