/**
 * `yara_process`: scans the memory of the given processes with YARA rules named by `sigfile`,
 * `sig_group` (from the config's yara section) or `sigrule` text. `pid` is required; reading
 * another process's memory needs ptrace rights (root, or CAP_SYS_PTRACE).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { matchRows, scanProcess, scanWithQueryRules, YARA_RESULT_COLUMNS } from "./_yara.ts";

export default registerTable(defineTable({
  name: "yara_process",
  description: "YARA matches in the memory of the given processes, with rules from sigfile, sig_group or sigrule.",
  columns: [
    { name: "pid", type: "INTEGER", required: true, index: true, description: "The process whose memory was scanned." },
    ...YARA_RESULT_COLUMNS,
  ],
  generate(ctx) {
    const pids = ctx.integerEquals("pid");
    if (pids.length === 0) return [];
    const wantStrings = ctx.isUsed("strings");
    return scanWithQueryRules(ctx, (sets) => {
      const rows: Row[] = [];
      for (const pid of pids) {
        // An interrupted query stops between processes: a memory scan can take long.
        if (ctx.cancelled) break;
        rows.push(...matchRows(sets, { pid }, 0, (rules) => scanProcess(rules, pid, wantStrings)));
      }
      return rows;
    });
  },
}));
