/**
 * `memory_arrays`: the physical memory arrays (SMBIOS type 16) — where each array sits, what it is for,
 * its error correction, capacity and number of device slots.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import {
  byteAt,
  dwordAt,
  hasField,
  hexString,
  qwordAt,
  SMBIOS_TYPE,
  smbiosStructures,
  structuresOfType,
  wordAt,
} from "./_smbios.ts";

export default registerTable(defineTable({
  name: "memory_arrays",
  description: "Physical memory arrays described by the firmware's SMBIOS tables (type 16).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of this SMBIOS structure, 4 hex digits." },
    { name: "location", type: "TEXT", description: "Where the array sits, e.g. System board or motherboard." },
    { name: "use", type: "TEXT", description: "What the array is for, e.g. System memory." },
    {
      name: "memory_error_correction",
      type: "TEXT",
      description: "The error detection or correction the array supports, e.g. Multi-bit ECC.",
    },
    { name: "max_capacity", type: "INTEGER", description: "The most memory the array can hold, in GiB." },
    {
      name: "memory_error_info_handle",
      type: "TEXT",
      description: "Handle of the array's memory error record (type 18), empty when none.",
    },
    {
      name: "number_memory_devices",
      type: "INTEGER",
      description: "Slots or sockets for memory devices in the array.",
    },
  ],
  generate(ctx) {
    return memoryArraysRows(ctx.host);
  },
}));

const LOCATIONS: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "System board or motherboard",
  0x04: "ISA add-on card",
  0x05: "EISA add-on card",
  0x06: "PCI add-on card",
  0x07: "MCA add-on card",
  0x08: "PCMCIA add-on card",
  0x09: "Proprietary add-on card",
  0x0a: "NuBus",
  0xa0: "PC-98/C20 add-on card",
  0xa1: "PC-98/C24 add-on card",
  0xa2: "PC-98/E add-on card",
  0xa3: "PC-98/Local bus add-on card",
  0xa4: "CXL add-on card",
};
const USES: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "System memory",
  0x04: "Video memory",
  0x05: "Flash memory",
  0x06: "Non-volatile RAM",
  0x07: "Cache memory",
};
/** Error correction types; memory_error_info shares the spelling of "none". */
const ERROR_CORRECTION: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "none",
  0x04: "Parity",
  0x05: "Single-bit ECC",
  0x06: "Multi-bit ECC",
  0x07: "CRC",
};

/** The rows for the memory arrays of `host`. */
function memoryArraysRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.MEMORY_ARRAY, 0x0f)) {
    const capacityKb = dwordAt(s, 0x07);
    // 0x80000000 KiB means "too large: see the extended capacity" (bytes, SMBIOS 2.7+).
    let capacityGb: number | undefined = Math.floor(capacityKb / 1048576);
    if (capacityKb >= 0x80000000) {
      capacityGb = hasField(s, 0x0f, 8) ? Number(qwordAt(s, 0x0f) / (1n << 30n)) : undefined;
    }
    const errorHandle = wordAt(s, 0x0b);
    rows.push({
      handle: hexString(s.handle),
      location: LOCATIONS[byteAt(s, 0x04)] ?? "",
      use: USES[byteAt(s, 0x05)] ?? "",
      memory_error_correction: ERROR_CORRECTION[byteAt(s, 0x06)] ?? "",
      max_capacity: capacityGb,
      // 0xFFFE: not provided; 0xFFFF: no error seen.
      memory_error_info_handle: errorHandle >= 0xfffe ? "" : hexString(errorHandle),
      number_memory_devices: wordAt(s, 0x0d),
    });
  }
  return rows;
}
