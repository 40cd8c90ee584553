/**
 * `oem_strings`: the free-form strings a vendor stores in SMBIOS type 11 structures, one row per string.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { byteAt, dmiString, hexString, SMBIOS_TYPE, smbiosStructures, structuresOfType } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "oem_strings",
  description: "Vendor-defined strings from SMBIOS OEM Strings structures (type 11).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of the OEM Strings structure (type 11), 4 hex digits." },
    { name: "number", type: "INTEGER", description: "The string's position in the structure, from 1." },
    { name: "value", type: "TEXT", description: "The string." },
  ],
  generate(ctx) {
    return oemStringsRows(ctx.host);
  },
}));

/** The rows for the OEM strings of `host`: the count at 0x04 says how many strings there are. */
function oemStringsRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.OEM_STRINGS, 0x05)) {
    const handle = hexString(s.handle);
    const count = byteAt(s, 0x04);
    for (let number = 1; number <= count; number++) rows.push({ handle, number, value: dmiString(s, number) });
  }
  return rows;
}
