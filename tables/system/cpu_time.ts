/**
 * `cpu_time`: per-core CPU time counters from /proc/stat.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

const FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"];

/** Parses /proc/stat's `cpuN` lines (the aggregate `cpu` line and short lines are skipped). */
export function parseCpuTime(text: string): Row[] {
  const rows: Row[] = [];
  for (const raw of text.split("\n")) {
    const f = words(raw.trim());
    if (f.length < 8 || !/^cpu\d+$/.test(f[0])) continue;
    if (!f.slice(1).every((v) => /^\d+$/.test(v))) continue;
    const row: Row = { core: Number(f[0].slice(3)) };
    // steal, guest and guest_nice arrived in later kernels: absent fields read as 0.
    FIELDS.forEach((name, i) => row[name] = f[i + 1] ?? "0");
    rows.push(row);
  }
  return rows;
}

export default registerTable(defineTable({
  name: "cpu_time",
  description: "Time each CPU core has spent in user, system, idle and other states, in clock ticks.",
  columns: [
    { name: "core", type: "INTEGER" },
    { name: "user", type: "BIGINT" },
    { name: "nice", type: "BIGINT" },
    { name: "system", type: "BIGINT" },
    { name: "idle", type: "BIGINT" },
    { name: "iowait", type: "BIGINT" },
    { name: "irq", type: "BIGINT" },
    { name: "softirq", type: "BIGINT" },
    { name: "steal", type: "BIGINT" },
    { name: "guest", type: "BIGINT" },
    { name: "guest_nice", type: "BIGINT" },
  ],
  generate() {
    return parseCpuTime(readText("/proc/stat") ?? "");
  },
}));
