/**
 * `memory_array_mapped_addresses`: the physical address ranges mapped to each memory array (SMBIOS type 19).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import {
  byteAt,
  dwordAt,
  hasField,
  hexString,
  qwordAt,
  SMBIOS_TYPE,
  type SmbiosStructure,
  smbiosStructures,
  structuresOfType,
  wordAt,
} from "./_smbios.ts";

/**
 * A mapped range in osquery's rendering: the 32-bit KiB addresses as 8 hex digits, or — when the start reads
 * 0xFFFFFFFF — the 64-bit extended addresses (bytes) at `extendedAt` as at least 12 digits.
 */
export function mappedRange(
  s: SmbiosStructure,
  extendedAt: number,
): { starting_address: string; ending_address: string } {
  const start = dwordAt(s, 0x04);
  if (start !== 0xffffffff) {
    return { starting_address: hexString(start, 8), ending_address: hexString(dwordAt(s, 0x08), 8) };
  }
  if (!hasField(s, extendedAt, 16)) return { starting_address: "", ending_address: "" };
  return {
    starting_address: hexString(qwordAt(s, extendedAt), 12),
    ending_address: hexString(qwordAt(s, extendedAt + 8), 12),
  };
}

/** The rows for the memory array mapped addresses under `root`. */
export function memoryArrayMappedAddressesRows(root = ""): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(root), SMBIOS_TYPE.MEMORY_ARRAY_MAPPED_ADDRESS, 0x0f)) {
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

export default registerTable(defineTable({
  name: "memory_array_mapped_addresses",
  description: "Physical address ranges mapped to memory arrays, from SMBIOS (type 19).",
  columns: [
    { name: "handle", type: "TEXT" },
    { name: "memory_array_handle", type: "TEXT" },
    { name: "starting_address", type: "TEXT" },
    { name: "ending_address", type: "TEXT" },
    { name: "partition_width", type: "INTEGER" },
  ],
  generate: () => memoryArrayMappedAddressesRows(),
}));
