/**
 * `md_drives`: the member devices of each software RAID array with their slot and state, from
 * /sys/block/mdN/md/dev-*. Slots no member holds are reported as removed, as osquery does.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { type MdMember, readMdstat, readMdSysfs } from "./_md.ts";

export default registerTable(defineTable({
  name: "md_drives",
  description: "Member drives of software RAID (md) arrays, with slot and state.",
  columns: [
    { name: "md_device_name", type: "TEXT", description: "The array's name, e.g. md0." },
    { name: "drive_name", type: "TEXT", description: "The member's device node, or unknown for an empty slot." },
    {
      name: "slot",
      type: "INTEGER",
      description: "The member's slot in the array (NULL for spares and failed members without one).",
    },
    {
      name: "state",
      type: "TEXT",
      description: "The member's state: active sync, spare, faulty, recovering, removed, ...",
    },
  ],
  generate(ctx) {
    return mdDrivesRows(ctx.host);
  },
}));

/** State words in osquery's order and spelling (its names for the driver's disk-state bits). */
const STATE_WORDS: [string, string][] = [
  ["faulty", "faulty"],
  ["in_sync", "active sync"],
  ["write_mostly", "writemostly"],
  ["failfast", "failfast"],
  ["journal", "journal"],
  ["spare", "spare"],
];

/** A member's state: its words joined, or "recovering" when the kernel reports none of them (being rebuilt). */
export function memberState(m: MdMember): string {
  const words = STATE_WORDS.filter(([sysfs]) => m.states.includes(sysfs)).map(([, word]) => word);
  // A faulty device is only faulty: the driver reports no other bit for it.
  if (words[0] === "faulty") return "faulty";
  return words.length > 0 ? words.join(" ") : "recovering";
}

/** The rows for the members of `host`'s arrays. */
function mdDrivesRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const array of readMdstat(host).arrays) {
    const sys = readMdSysfs(array.name, host);
    if (!sys) continue;
    const missing = new Set(Array.from({ length: sys.raidDisks ?? 0 }, (_, i) => i));
    const unslotted: Row[] = [];
    for (const m of sys.members) {
      const row: Row = {
        md_device_name: array.name,
        drive_name: `/dev/${m.name}`,
        slot: m.slot,
        state: memberState(m),
      };
      if (m.slot !== undefined) missing.delete(m.slot);
      else unslotted.push(row);
      rows.push(row);
    }
    // A failed or spare device most likely sat in a slot that is now empty; the rest are gone.
    for (const slot of missing) {
      const row = unslotted.shift();
      if (row) row.slot = slot;
      else rows.push({ md_device_name: array.name, drive_name: "unknown", slot, state: "removed" });
    }
  }
  return rows;
}
