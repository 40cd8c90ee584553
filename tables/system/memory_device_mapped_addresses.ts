/**
 * `memory_device_mapped_addresses`: the physical address ranges mapped to each memory device (SMBIOS type 20),
 * with the device's place in the partition row and interleave.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { byteAt, hexString, SMBIOS_TYPE, smbiosStructures, structuresOfType, wordAt } from "./_smbios.ts";
import { mappedRange } from "./memory_array_mapped_addresses.ts";

/** The rows for the memory device mapped addresses under `root`. */
export function memoryDeviceMappedAddressesRows(root = ""): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(root), SMBIOS_TYPE.MEMORY_DEVICE_MAPPED_ADDRESS, 0x13)) {
    const range = mappedRange(s, 0x13);
    rows.push({
      handle: hexString(s.handle),
      memory_device_handle: hexString(wordAt(s, 0x0c)),
      // osquery 5 leaves this column empty; the structure does carry it, at 0x0E.
      memory_array_mapped_address_handle: hexString(wordAt(s, 0x0e)),
      starting_address: range.starting_address,
      ending_address: range.ending_address,
      partition_row_position: byteAt(s, 0x10),
      interleave_position: byteAt(s, 0x11),
      interleave_data_depth: byteAt(s, 0x12),
    });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "memory_device_mapped_addresses",
  description: "Physical address ranges mapped to memory devices, from SMBIOS (type 20).",
  columns: [
    { name: "handle", type: "TEXT" },
    { name: "memory_device_handle", type: "TEXT" },
    { name: "memory_array_mapped_address_handle", type: "TEXT" },
    { name: "starting_address", type: "TEXT" },
    { name: "ending_address", type: "TEXT" },
    { name: "partition_row_position", type: "INTEGER" },
    { name: "interleave_position", type: "INTEGER" },
    { name: "interleave_data_depth", type: "INTEGER" },
  ],
  generate: () => memoryDeviceMappedAddressesRows(),
}));
