/**
 * `memory_map`: the physical memory regions the kernel lists in /proc/iomem.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "memory_map",
  description: "Physical address ranges and what owns them, from /proc/iomem (addresses read 0 unless root).",
  columns: [
    { name: "name", type: "TEXT", description: "What owns the range, e.g. System RAM, Kernel code, a device." },
    { name: "start", type: "TEXT", description: "The range's first physical address, in hex." },
    { name: "end", type: "TEXT", description: "The range's last physical address, in hex." },
  ],
  generate(ctx) {
    return parseIomem(readText(ctx.host.path("/proc/iomem")) ?? "");
  },
}));

/**
 * Parses /proc/iomem ("start-end : name", nested regions indented). Lines without the
 * range and name are skipped. osquery leaves a trailing space in `end`; we do not.
 */
export function parseIomem(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.+)$/.exec(line);
    if (!m) continue;
    rows.push({ name: m[3].trim(), start: `0x${m[1]}`, end: `0x${m[2]}` });
  }
  return rows;
}
