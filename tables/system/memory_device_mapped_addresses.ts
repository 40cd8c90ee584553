/**
 * `memory_device_mapped_addresses`: the physical address ranges mapped to each memory device (SMBIOS type 20),
 * with the device's place in the partition row and interleave.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { byteAt, hexString, mappedRange, SMBIOS_TYPE, smbiosStructures, structuresOfType, wordAt } from "./_smbios.ts";

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
    return memoryDeviceMappedAddressesRows(ctx.host);
  },
}));

/** The rows for the memory device mapped addresses of `host`. */
function memoryDeviceMappedAddressesRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.MEMORY_DEVICE_MAPPED_ADDRESS, 0x13)) {
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
