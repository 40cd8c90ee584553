/**
 * `memory_array_mapped_addresses`: the physical address ranges mapped to each memory array (SMBIOS type 19).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { byteAt, hexString, mappedRange, SMBIOS_TYPE, smbiosStructures, structuresOfType, wordAt } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "memory_array_mapped_addresses",
  description: "Physical address ranges mapped to memory arrays, from SMBIOS (type 19).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of this SMBIOS structure, 4 hex digits." },
    {
      name: "memory_array_handle",
      type: "TEXT",
      description: "Handle of the memory array (type 16) the range belongs to.",
    },
    {
      name: "starting_address",
      type: "TEXT",
      description: "First address of the range: KiB units as 8 hex digits, or bytes as 12+ when extended.",
    },
    {
      name: "ending_address",
      type: "TEXT",
      description: "Last address of the range, in the same form as starting_address.",
    },
    {
      name: "partition_width",
      type: "INTEGER",
      description: "How many memory devices form one row of this partition.",
    },
  ],
  generate(ctx) {
    return memoryArrayMappedAddressesRows(ctx.host);
  },
}));

/** The rows for the memory array mapped addresses of `host`. */
function memoryArrayMappedAddressesRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.MEMORY_ARRAY_MAPPED_ADDRESS, 0x0f)) {
    const range = mappedRange(s, 0x0f);
    rows.push({
      handle: hexString(s.handle),
      memory_array_handle: hexString(wordAt(s, 0x0c)),
      starting_address: range.starting_address,
      ending_address: range.ending_address,
      partition_width: byteAt(s, 0x0e),
    });
  }
  return rows;
}
