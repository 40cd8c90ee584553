/**
 * `arp_cache`: the kernel's IPv4 neighbour (ARP) table from /proc/net/arp.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";

export default registerTable(defineTable({
  name: "arp_cache",
  description: "IPv4 neighbour cache: addresses resolved to MAC addresses, per interface.",
  columns: [
    { name: "address", type: "TEXT", description: "The neighbour's IPv4 address." },
    { name: "mac", type: "TEXT", collate: "nocase", description: "Its hardware (MAC) address." },
    { name: "interface", type: "TEXT", description: "The interface it was learned on." },
    { name: "permanent", type: "TEXT", description: "1 for a static (permanent) entry, 0 for a learned one." },
  ],
  generate(ctx) {
    const text = readText(ctx.host.path("/proc/net/arp"));
    return text === undefined ? [] : parseProcNetArp(text);
  },
}));

/**
 * Parses /proc/net/arp: after the header line, rows of exactly six space-separated fields
 * (address, HW type, flags, HW address, mask, device). Flags `0x6` (ATF_COM | ATF_PERM) mark a
 * permanent entry. Lines of any other shape are skipped.
 */
export function parseProcNetArp(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split("\n");
  for (const line of lines.slice(1)) {
    const fields = line.split(" ").map((f) => f.trim()).filter((f) => f.length > 0);
    if (fields.length !== 6) continue;
    rows.push({
      address: fields[0],
      mac: fields[3],
      interface: fields[5],
      permanent: fields[2] === "0x6" ? "1" : "0",
    });
  }
  return rows;
}
