/**
 * `memory_info`: main memory and swap figures from /proc/meminfo, in bytes.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

export default registerTable(defineTable({
  name: "memory_info",
  description: "Physical memory and swap totals, free and cached amounts, in bytes.",
  columns: [
    { name: "memory_total", type: "BIGINT", description: "Physical RAM the kernel manages, in bytes." },
    { name: "memory_free", type: "BIGINT", description: "RAM nothing uses at all, in bytes." },
    {
      name: "memory_available",
      type: "BIGINT",
      description: "RAM new programs could get without swapping (free plus reclaimable), in bytes.",
    },
    { name: "buffers", type: "BIGINT", description: "RAM holding raw block device buffers, in bytes." },
    { name: "cached", type: "BIGINT", description: "RAM holding the page cache of files, in bytes." },
    { name: "swap_cached", type: "BIGINT", description: "Swapped-out memory also still held in RAM, in bytes." },
    { name: "active", type: "BIGINT", description: "Recently used memory the kernel keeps unless pressed, in bytes." },
    { name: "inactive", type: "BIGINT", description: "Less recently used memory, first to be reclaimed, in bytes." },
    { name: "swap_total", type: "BIGINT", description: "Swap space configured, in bytes." },
    { name: "swap_free", type: "BIGINT", description: "Swap space unused, in bytes." },
  ],
  generate(ctx) {
    return [parseMemInfo(readText(ctx.host.path("/proc/meminfo")) ?? "")];
  },
}));

const MEMINFO_KEYS: Record<string, string> = {
  "MemTotal:": "memory_total",
  "MemFree:": "memory_free",
  "MemAvailable:": "memory_available",
  "Buffers:": "buffers",
  "Cached:": "cached",
  "SwapCached:": "swap_cached",
  "Active:": "active",
  "Inactive:": "inactive",
  "SwapTotal:": "swap_total",
  "SwapFree:": "swap_free",
};

/** Parses /proc/meminfo into the table's row (kB values scaled to bytes; malformed values left NULL). */
export function parseMemInfo(text: string): Row {
  const row: Row = {};
  for (const line of text.split("\n")) {
    const [key, value] = words(line.trim());
    const column = MEMINFO_KEYS[key];
    if (!column || value === undefined || !/^\d+$/.test(value)) continue;
    row[column] = Number(value) * 1024;
  }
  return row;
}
