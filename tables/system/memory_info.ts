/**
 * `memory_info`: main memory and swap figures from /proc/meminfo, in bytes.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

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

export default registerTable(defineTable({
  name: "memory_info",
  description: "Physical memory and swap totals, free and cached amounts, in bytes.",
  columns: [
    { name: "memory_total", type: "BIGINT" },
    { name: "memory_free", type: "BIGINT" },
    { name: "memory_available", type: "BIGINT" },
    { name: "buffers", type: "BIGINT" },
    { name: "cached", type: "BIGINT" },
    { name: "swap_cached", type: "BIGINT" },
    { name: "active", type: "BIGINT" },
    { name: "inactive", type: "BIGINT" },
    { name: "swap_total", type: "BIGINT" },
    { name: "swap_free", type: "BIGINT" },
  ],
  generate() {
    return [parseMemInfo(readText("/proc/meminfo") ?? "")];
  },
}));
