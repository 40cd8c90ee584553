/**
 * `cpu_time`: per-core CPU time counters from /proc/stat, in the kernel's clock ticks (USER_HZ).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

export default registerTable(defineTable({
  name: "cpu_time",
  description: "Time each CPU core has spent in user, system, idle and other states, in clock ticks.",
  columns: [
    { name: "core", type: "INTEGER", description: "The core's number (cpuN in /proc/stat)." },
    { name: "user", type: "BIGINT", description: "Ticks running user code." },
    { name: "nice", type: "BIGINT", description: "Ticks running user code at lowered priority (niced)." },
    { name: "system", type: "BIGINT", description: "Ticks running kernel code." },
    { name: "idle", type: "BIGINT", description: "Ticks spent idle." },
    { name: "iowait", type: "BIGINT", description: "Ticks idle while I/O was outstanding." },
    { name: "irq", type: "BIGINT", description: "Ticks handling hardware interrupts." },
    { name: "softirq", type: "BIGINT", description: "Ticks handling software interrupts." },
    { name: "steal", type: "BIGINT", description: "Ticks a hypervisor gave to other guests while this one waited." },
    { name: "guest", type: "BIGINT", description: "Ticks running a guest's virtual CPU." },
    { name: "guest_nice", type: "BIGINT", description: "Ticks running a niced guest's virtual CPU." },
  ],
  generate(ctx) {
    return parseCpuTime(readText(ctx.host.path("/proc/stat")) ?? "");
  },
}));

const FIELDS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"];

/** Parses /proc/stat's `cpuN` lines (the aggregate `cpu` line and short lines are skipped). */
export function parseCpuTime(text: string): Row[] {
  const rows: Row[] = [];
  for (const raw of text.split("\n")) {
    const f = words(raw.trim());
    if (f.length < 8 || !/^cpu\d+$/.test(f[0])) continue;
    if (!f.slice(1).every((v) => /^\d+$/.test(v))) continue;
    const row: Row = { core: Number(f[0].slice(3)) };
    FIELDS.forEach((name, i) => row[name] = f[i + 1] ?? "0");
    rows.push(row);
  }
  return rows;
}
