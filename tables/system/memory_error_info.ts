/**
 * `memory_error_info`: the last error the firmware recorded for a memory array or device (SMBIOS type 18,
 * 32-bit memory error information).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { byteAt, dwordAt, hexString, SMBIOS_TYPE, smbiosStructures, structuresOfType } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "memory_error_info",
  description: "Memory error records (32-bit memory error information) from SMBIOS (type 18).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of this SMBIOS structure, 4 hex digits." },
    { name: "error_type", type: "TEXT", description: "The kind of the last error seen, e.g. OK, Single-bit error." },
    {
      name: "error_granularity",
      type: "TEXT",
      description: "How precisely the error can be placed: device or partition level.",
    },
    {
      name: "error_operation",
      type: "TEXT",
      description: "The access that hit the error: Read, Write, Partial write.",
    },
    {
      name: "vendor_syndrome",
      type: "TEXT",
      description: "The vendor's ECC syndrome or CRC for the failed access, hex (empty when unknown).",
    },
    {
      name: "memory_array_error_address",
      type: "TEXT",
      description: "32-bit physical address of the error on the array's bus, hex (empty when unknown).",
    },
    {
      name: "device_error_address",
      type: "TEXT",
      description: "32-bit address of the error within the failing device, hex (empty when unknown).",
    },
    {
      name: "error_resolution",
      type: "TEXT",
      description: "The range in bytes the error address is accurate to, hex (empty when unknown).",
    },
  ],
  generate(ctx) {
    return memoryErrorInfoRows(ctx.host);
  },
}));

const ERROR_TYPES: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "OK",
  0x04: "Bad read",
  0x05: "Parity error",
  0x06: "Single-bit error",
  0x07: "Double-bit error",
  0x08: "Multi-bit error",
  0x09: "Nibble error",
  0x0a: "Checksum error",
  0x0b: "CRC error",
  0x0c: "Corrected single-bit error",
  0x0d: "Corrected error",
  0x0e: "Uncorrectable error",
};
const GRANULARITIES: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "Device level",
  0x04: "Memory partition level",
};
const OPERATIONS: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "Read",
  0x04: "Write",
  0x05: "Partial write",
};

/** A 32-bit field as 8 hex digits, or "" when it holds the "unknown" value. */
function hexUnless(value: number, unknown: number): string {
  return value === unknown ? "" : hexString(value, 8);
}

/** The rows for the memory error records of `host`. */
function memoryErrorInfoRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.MEMORY_ERROR_INFO_32, 0x17)) {
    rows.push({
      handle: hexString(s.handle),
      error_type: ERROR_TYPES[byteAt(s, 0x04)] ?? "",
      error_granularity: GRANULARITIES[byteAt(s, 0x05)] ?? "",
      error_operation: OPERATIONS[byteAt(s, 0x06)] ?? "",
      vendor_syndrome: hexUnless(dwordAt(s, 0x07), 0),
      memory_array_error_address: hexUnless(dwordAt(s, 0x0b), 0x80000000),
      device_error_address: hexUnless(dwordAt(s, 0x0f), 0x80000000),
      error_resolution: hexUnless(dwordAt(s, 0x13), 0x80000000),
    });
  }
  return rows;
}
