/**
 * `md_personalities`: the RAID levels (md personalities) the running kernel has loaded, from /proc/mdstat.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readMdstat } from "./_md.ts";

/** The rows under `root`: one per personality, in the kernel's order. */
export function mdPersonalitiesRows(root = ""): Row[] {
  return readMdstat(root).personalities.map((name) => ({ name }));
}

export default registerTable(defineTable({
  name: "md_personalities",
  description: "Software RAID personalities (levels) the kernel supports right now.",
  columns: [{ name: "name", type: "TEXT" }],
  generate: () => mdPersonalitiesRows(),
}));
