/**
 * `memory_device_mapped_addresses`: the physical address ranges mapped to each memory device (SMBIOS type 20),
 * with the device's place in the partition row and interleave.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { byteAt, hexString, MAPPED_RANGE_COLUMNS, mappedAddressRows, SMBIOS_TYPE, wordAt } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "memory_device_mapped_addresses",
  description: "Physical address ranges mapped to memory devices, from SMBIOS (type 20).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of this SMBIOS structure, 4 hex digits." },
    {
      name: "memory_device_handle",
      type: "TEXT",
      description: "Handle of the memory device (type 17) the range maps to.",
    },
    {
      name: "memory_array_mapped_address_handle",
      type: "TEXT",
      description: "Handle of the array mapping (type 19) the range lies in.",
    },
    ...MAPPED_RANGE_COLUMNS,
    { name: "partition_row_position", type: "INTEGER", description: "The device's position in its partition row." },
    {
      name: "interleave_position",
      type: "INTEGER",
      description: "The device's place in the interleave (0 when not interleaved).",
    },
    {
      name: "interleave_data_depth",
      type: "INTEGER",
      description: "Consecutive rows read from the device in one interleaved transfer (0 when not interleaved).",
    },
  ],
  generate(ctx) {
    return mappedAddressRows(ctx.host, SMBIOS_TYPE.MEMORY_DEVICE_MAPPED_ADDRESS, 0x13, (s) => ({
      memory_device_handle: hexString(wordAt(s, 0x0c)),
      // osquery 5 leaves this column empty; the structure does carry it, at 0x0E.
      memory_array_mapped_address_handle: hexString(wordAt(s, 0x0e)),
      partition_row_position: byteAt(s, 0x10),
      interleave_position: byteAt(s, 0x11),
      interleave_data_depth: byteAt(s, 0x12),
    }));
  },
}));
