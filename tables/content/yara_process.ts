/**
 * yara_process: scans the memory of the given processes with YARA rules named by `sigfile`,
 * `sig_group` (from the config's yara section) or `sigrule` text. `pid` is required; reading
 * another process's memory needs ptrace rights (root, or CAP_SYS_PTRACE).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { releaseRules, rulesFromContext, scanProcess } from "./_yara.ts";

export default registerTable(defineTable({
  name: "yara_process",
  description: "YARA matches in the memory of the given processes, with rules from sigfile, sig_group or sigrule.",
  columns: [
    { name: "pid", type: "INTEGER", required: true, index: true },
    { name: "matches", type: "TEXT" },
    { name: "count", type: "INTEGER" },
    { name: "sig_group", type: "TEXT", additional: true },
    { name: "sigfile", type: "TEXT", additional: true },
    { name: "sigrule", type: "TEXT", additional: true, hidden: true, linuxHidden: true },
    { name: "strings", type: "TEXT" },
    { name: "tags", type: "TEXT" },
    { name: "sigurl", type: "TEXT", additional: true, hidden: true, linuxHidden: true },
    { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    const pids = ctx.integerEquals("pid");
    if (pids.length === 0) return [];
    const sets = rulesFromContext(ctx);
    const wantStrings = ctx.isUsed("strings");
    try {
      const rows: Row[] = [];
      for (const pid of pids) {
        for (const set of sets) {
          const hit = scanProcess(set.rules, pid, wantStrings);
          if (!hit) continue;
          rows.push({
            pid,
            ...hit,
            sig_group: set.column === "sig_group" ? set.name : "",
            sigfile: set.column === "sigfile" ? set.name : "",
            sigrule: set.column === "sigrule" ? set.name : "",
            pid_with_namespace: 0,
          });
        }
      }
      return rows;
    } finally {
      releaseRules(sets);
    }
  },
}));
