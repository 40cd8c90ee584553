/**
 * `md_personalities`: the RAID levels (md personalities) the running kernel has loaded, from the
 * first line of /proc/mdstat, in the kernel's order.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readMdstat } from "./_md.ts";

export default registerTable(defineTable({
  name: "md_personalities",
  description: "Software RAID personalities (levels) the kernel supports right now.",
  columns: [{ name: "name", type: "TEXT", description: "The personality's name, e.g. raid1, raid10, linear." }],
  generate(ctx) {
    return readMdstat(ctx.host).personalities.map((name) => ({ name }));
  },
}));
