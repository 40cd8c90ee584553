/**
 * `kernel_modules`: loaded Linux kernel modules from /proc/modules.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

/** Parses /proc/modules ("name size refcount used_by state address"); lines with fewer fields are skipped. */
export function parseModules(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const f = words(line.trim()).map((w) => (w.endsWith(",") ? w.slice(0, -1) : w));
    if (f.length < 6) continue;
    rows.push({ name: f[0], size: f[1], used_by: f[3], status: f[4], address: f[5] });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "kernel_modules",
  description: "Kernel modules currently loaded, with size, dependents, state and load address.",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "size", type: "BIGINT" },
    { name: "used_by", type: "TEXT", description: "Modules that depend on this one, comma-separated, or -" },
    { name: "status", type: "TEXT", description: "Live, Loading or Unloading" },
    { name: "address", type: "TEXT" },
  ],
  generate() {
    return parseModules(readText("/proc/modules") ?? "");
  },
}));
