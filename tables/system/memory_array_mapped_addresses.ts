/**
 * `memory_array_mapped_addresses`: the physical address ranges mapped to each memory array (SMBIOS type 19).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { byteAt, hexString, MAPPED_RANGE_COLUMNS, mappedAddressRows, SMBIOS_TYPE, wordAt } from "./_smbios.ts";

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
    ...MAPPED_RANGE_COLUMNS,
    {
      name: "partition_width",
      type: "INTEGER",
      description: "How many memory devices form one row of this partition.",
    },
  ],
  generate(ctx) {
    return mappedAddressRows(ctx.host, SMBIOS_TYPE.MEMORY_ARRAY_MAPPED_ADDRESS, 0x0f, (s) => ({
      memory_array_handle: hexString(wordAt(s, 0x0c)),
      partition_width: byteAt(s, 0x0e),
    }));
  },
}));
