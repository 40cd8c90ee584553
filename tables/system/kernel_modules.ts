/**
 * `kernel_modules`: loaded Linux kernel modules from /proc/modules.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

export default registerTable(defineTable({
  name: "kernel_modules",
  description: "Kernel modules currently loaded, with size, dependents, state and load address.",
  columns: [
    { name: "name", type: "TEXT", description: "The module's name." },
    { name: "size", type: "BIGINT", description: "Memory the module occupies, in bytes." },
    { name: "used_by", type: "TEXT", description: "Modules that depend on this one, comma-separated, or -." },
    { name: "status", type: "TEXT", description: "Live, Loading or Unloading." },
    {
      name: "address",
      type: "TEXT",
      description: "Where the module is loaded in kernel memory (0 unless privileged).",
    },
  ],
  generate(ctx) {
    return parseModules(readText(ctx.host.path("/proc/modules")) ?? "");
  },
}));

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
