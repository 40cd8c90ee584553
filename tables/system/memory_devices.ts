/**
 * `memory_devices`: the memory modules and slots the firmware describes (SMBIOS type 17): form factor, widths,
 * size, locators, type, speeds, identification strings and voltages.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import {
  bitNames,
  byteAt,
  dmiString,
  dwordAt,
  hasField,
  hexString,
  SMBIOS_TYPE,
  type SmbiosStructure,
  smbiosStructures,
  structuresOfType,
  wordAt,
} from "./_smbios.ts";

export default registerTable(defineTable({
  name: "memory_devices",
  description: "Memory modules and slots described by the firmware's SMBIOS tables (type 17).",
  columns: [
    { name: "handle", type: "TEXT", description: "Handle of this SMBIOS structure, 4 hex digits." },
    { name: "array_handle", type: "TEXT", description: "Handle of the memory array (type 16) the device belongs to." },
    { name: "form_factor", type: "TEXT", description: "The module's form, e.g. DIMM, SODIMM." },
    { name: "total_width", type: "INTEGER", description: "Bits per transfer including error-correction bits." },
    { name: "data_width", type: "INTEGER", description: "Data bits per transfer." },
    { name: "size", type: "INTEGER", description: "The module's size in MiB (0 for an empty slot)." },
    { name: "set", type: "INTEGER", description: "The set of identical devices this one belongs to (0 none)." },
    { name: "device_locator", type: "TEXT", description: "The slot's label on the board, e.g. DIMM_A1." },
    { name: "bank_locator", type: "TEXT", description: "The bank's label on the board." },
    { name: "memory_type", type: "TEXT", description: "The memory technology, e.g. DDR4, DDR5." },
    {
      name: "memory_type_details",
      type: "TEXT",
      description: "Further type attributes, space-separated (Synchronous, Registered, ...).",
    },
    { name: "max_speed", type: "INTEGER", description: "Highest speed the module supports, in MT/s." },
    { name: "configured_clock_speed", type: "INTEGER", description: "The speed the module runs at, in MT/s." },
    { name: "manufacturer", type: "TEXT", description: "The module's maker." },
    { name: "serial_number", type: "TEXT", description: "The module's serial number." },
    { name: "asset_tag", type: "TEXT", description: "The module's asset tag." },
    { name: "part_number", type: "TEXT", description: "The maker's part number." },
    { name: "min_voltage", type: "INTEGER", description: "Lowest operating voltage, in millivolts." },
    { name: "max_voltage", type: "INTEGER", description: "Highest operating voltage, in millivolts." },
    { name: "configured_voltage", type: "INTEGER", description: "The voltage it runs at, in millivolts." },
  ],
  generate(ctx) {
    return memoryDevicesRows(ctx.host);
  },
}));

const FORM_FACTORS: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "SIMM",
  0x04: "SIP",
  0x05: "Chip",
  0x06: "DIP",
  0x07: "ZIP",
  0x08: "Proprietary Card",
  0x09: "DIMM",
  0x0a: "TSOP",
  0x0b: "Row of chips",
  0x0c: "RIMM",
  0x0d: "SODIMM",
  0x0e: "SRIMM",
  0x0f: "FB-DIMM",
  0x10: "Die",
  0x11: "CAMM",
};
/** Memory types, osquery's names, continued with the values DSP0134 added later (DDR5 and on). */
const MEMORY_TYPES: Record<number, string> = {
  0x01: "Other",
  0x02: "Unknown",
  0x03: "DRAM",
  0x04: "EDRAM",
  0x05: "VRAM",
  0x06: "SRAM",
  0x07: "RAM",
  0x08: "ROM",
  0x09: "FLASH",
  0x0a: "EEPROM",
  0x0b: "FEPROM",
  0x0c: "EPROM",
  0x0d: "CDRAM",
  0x0e: "3DRAM",
  0x0f: "SDRAM",
  0x10: "SGRAM",
  0x11: "RDRAM",
  0x12: "DDR",
  0x13: "DDR2",
  0x14: "DDR2 FB-DIMM",
  0x15: "RESERVED",
  0x16: "RESERVED",
  0x17: "RESERVED",
  0x18: "DDR3",
  0x19: "FBD2",
  0x1a: "DDR4",
  0x1b: "LPDDR",
  0x1c: "LPDDR2",
  0x1d: "LPDDR3",
  0x1e: "LPDDR4",
  0x1f: "Logical non-volatile device",
  0x20: "HBM",
  0x21: "HBM2",
  0x22: "DDR5",
  0x23: "LPDDR5",
  0x24: "HBM3",
};
/** Type detail bits 0-15. */
const TYPE_DETAILS = [
  "Reserved",
  "Other",
  "Unknown",
  "Fast-paged",
  "Static column",
  "Pseudo-static",
  "RAMBUS",
  "Synchronous",
  "CMOS",
  "EDO",
  "Window DRAM",
  "Cache DRAM",
  "Non-volatile",
  "Registered (Buffered)",
  "Unbuffered (Unregistered)",
  "LRDIMM",
] as const;

/** A word field, or undefined when absent or holding one of the "unknown" values. */
function wordUnless(s: SmbiosStructure, offset: number, ...unknown: number[]): number | undefined {
  if (!hasField(s, offset, 2)) return undefined;
  const v = wordAt(s, offset);
  return unknown.includes(v) ? undefined : v;
}

/** The size in MiB: 0x7FFF defers to the extended size; bit 15 set means the value counts KiB. */
function sizeMb(s: SmbiosStructure): number | undefined {
  const raw = wordUnless(s, 0x0c, 0xffff);
  if (raw === undefined) return undefined;
  if (raw === 0x7fff) return hasField(s, 0x1c, 4) ? dwordAt(s, 0x1c) & 0x7fffffff : undefined;
  return raw & 0x8000 ? Math.floor((raw & 0x7fff) / 1024) : raw;
}

/** A string field, "" when the formatted area does not reach it. */
function stringField(s: SmbiosStructure, offset: number): string {
  return hasField(s, offset, 1) ? dmiString(s, byteAt(s, offset)) : "";
}

/** The rows for the memory devices of `host`; structures older than SMBIOS 2.1's layout are skipped. */
function memoryDevicesRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of structuresOfType(smbiosStructures(host), SMBIOS_TYPE.MEMORY_DEVICE, 0x15)) {
    const set = byteAt(s, 0x0f);
    rows.push({
      handle: hexString(s.handle),
      array_handle: hexString(wordAt(s, 0x04)),
      form_factor: FORM_FACTORS[byteAt(s, 0x0e)] ?? "",
      total_width: wordUnless(s, 0x08, 0xffff),
      data_width: wordUnless(s, 0x0a, 0xffff),
      size: sizeMb(s),
      set: set === 0xff ? undefined : set,
      device_locator: stringField(s, 0x10),
      bank_locator: stringField(s, 0x11),
      memory_type: MEMORY_TYPES[byteAt(s, 0x12)] ?? "",
      memory_type_details: bitNames(wordAt(s, 0x13), TYPE_DETAILS),
      max_speed: wordUnless(s, 0x15, 0, 0xffff),
      configured_clock_speed: wordUnless(s, 0x20, 0, 0xffff),
      manufacturer: stringField(s, 0x17),
      serial_number: stringField(s, 0x18),
      asset_tag: stringField(s, 0x19),
      part_number: stringField(s, 0x1a),
      min_voltage: wordUnless(s, 0x22, 0),
      max_voltage: wordUnless(s, 0x24, 0),
      configured_voltage: wordUnless(s, 0x26, 0),
    });
  }
  return rows;
}
