/**
 * yara_file (alias `yara`): scans files with YARA rules named by `sigfile`, `sig_group` (from the
 * config's yara section) or `sigrule` text. `path` is required; `LIKE` patterns (`%` within a
 * name, `%%` for any depth) expand to the regular files they match.
 *
 * @module
 */
import { defineTable, OP, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { matchRows, scanFile, scanWithQueryRules, YARA_RESULT_COLUMNS } from "./_yara.ts";

/**
 * Expands an osquery file pattern (`%` within a component, `%%` = any depth) to regular files.
 * `stop` is polled once per directory entry; once it says so the expansion ends with what it found.
 */
export function expandFilePattern(pattern: string, stop: () => boolean = () => false): string[] {
  const parts = pattern.split("/").filter((p) => p !== "");
  let current = ["/"];
  const join = (base: string, name: string) => (base === "/" ? `/${name}` : `${base}/${name}`);
  const walk = (dir: string, out: string[], depth: number) => {
    if (depth > 64) return;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      if (stop()) return;
      const p = join(dir, e.name);
      out.push(p);
      if (e.isDirectory) walk(p, out, depth + 1);
    }
  };
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    if (part === "%%") {
      for (const base of current) walk(base, next, 0);
    } else if (part.includes("%") || part.includes("_")) {
      const re = new RegExp(
        "^" + [...part].map((c) => (c === "%" ? ".*" : c === "_" ? "." : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
          .join("") +
          "$",
      );
      for (const base of current) {
        try {
          for (const e of Deno.readDirSync(base)) {
            if (stop()) break;
            if (re.test(e.name)) next.push(join(base, e.name));
          }
        } catch {
          // Unreadable directory: nothing below it.
        }
      }
    } else {
      for (const base of current) next.push(join(base, part));
    }
    current = next.sort();
  }
  return current.filter((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
}

/** The filesystem views to scan: the host, or each named process's root (processes that are gone are skipped). */
function namespaceRoots(pids: number[], constrained: boolean): { prefix: string; pid: number }[] {
  if (!constrained) return [{ prefix: "", pid: 0 }];
  return pids.filter((pid) => {
    try {
      return pid > 0 && Deno.statSync(`/proc/${pid}/root`).isDirectory;
    } catch {
      return false;
    }
  }).map((pid) => ({ prefix: `/proc/${pid}/root`, pid }));
}

export default registerTable(defineTable({
  name: "yara_file",
  description: "YARA matches in the given files, with rules from sigfile, sig_group or sigrule.",
  aliases: ["yara"],
  columns: [{ name: "path", type: "TEXT", required: true, index: true }, ...YARA_RESULT_COLUMNS],
  generate(ctx) {
    const hasPaths = ctx.hasConstraint("path", OP.EQUALS) || ctx.likes("path").length > 0;
    if (!hasPaths) return [];
    const wantStrings = ctx.isUsed("strings");
    return scanWithQueryRules(ctx, (sets) => {
      const rows: Row[] = [];
      for (
        const root of namespaceRoots(ctx.integerEquals("pid_with_namespace"), ctx.hasConstraint("pid_with_namespace"))
      ) {
        // Paths are named as the process sees them and read through /proc/<pid>/root.
        const paths = new Set(ctx.equals("path").map((p) => root.prefix + p));
        for (const pattern of ctx.likes("path")) {
          for (const p of expandFilePattern(root.prefix + pattern, () => ctx.cancelled)) paths.add(p);
        }
        // An interrupted query (Ctrl-C, a time limit) stops between files: a scan can take long.
        for (const path of paths) {
          if (ctx.cancelled) return rows;
          const subject = { path: path.slice(root.prefix.length) };
          rows.push(...matchRows(sets, subject, root.pid, (rules) => scanFile(rules, path, wantStrings)));
        }
      }
      return rows;
    });
  },
}));
