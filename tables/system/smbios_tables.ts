/**
 * `smbios_tables`: one row per SMBIOS (DMI) structure the firmware provides.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { md5Hex } from "./_lib.ts";
import { type SmbiosStructure, smbiosStructures } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "smbios_tables",
  description: "SMBIOS/DMI structures from the firmware: type, handle, sizes and an MD5 of each.",
  columns: [
    { name: "number", type: "INTEGER", description: "The structure's position in the table, from 0." },
    { name: "type", type: "INTEGER", description: "The SMBIOS structure type, e.g. 0 BIOS, 17 memory device." },
    { name: "description", type: "TEXT", description: "The type's name, e.g. BIOS Information." },
    { name: "handle", type: "INTEGER", description: "The structure's handle, by which others refer to it." },
    { name: "header_size", type: "INTEGER", description: "Length of the formatted area in bytes." },
    { name: "size", type: "INTEGER", description: "Length in bytes including the string set." },
    { name: "md5", type: "TEXT", collate: "nocase", description: "MD5 of the structure's bytes, hex." },
  ],
  generate(ctx) {
    const withHash = ctx.isUsed("md5");
    return smbiosStructures(ctx.host).map((s) => smbiosRow(s, withHash));
  },
}));

/** SMBIOS structure type names, from the DMTF specification (DSP0134). */
export const SMBIOS_TYPE_NAMES: Record<number, string> = {
  0: "BIOS Information",
  1: "System Information",
  2: "Base Board or Module Information",
  3: "System Enclosure or Chassis",
  4: "Processor Information",
  5: "Memory Controller Information",
  6: "Memory Module Information",
  7: "Cache Information",
  8: "Port Connector Information",
  9: "System Slots",
  10: "On Board Devices Information",
  11: "OEM Strings",
  12: "System Configuration Options",
  13: "BIOS Language Information",
  14: "Group Associations",
  15: "System Event Log",
  16: "Physical Memory Array",
  17: "Memory Device",
  18: "32-bit Memory Error Information",
  19: "Memory Array Mapped Address",
  20: "Memory Device Mapped Address",
  21: "Built-in Pointing Device",
  22: "Portable Battery",
  23: "System Reset",
  24: "Hardware Security",
  25: "System Power Controls",
  26: "Voltage Probe",
  27: "Cooling Device",
  28: "Temperature Probe",
  29: "Electrical Current Probe",
  30: "Out-of-Band Remote Access",
  31: "Boot Integrity Services",
  32: "System Boot Information",
  33: "64-bit Memory Error Information",
  34: "Management Device",
  35: "Management Device Component",
  36: "Management Device Threshold Data",
  37: "Memory Channel",
  38: "IPMI Device Information",
  39: "System Power Supply",
  40: "Additional Information",
  41: "Onboard Devices Extended Info",
  126: "Inactive",
  127: "End-of-Table",
  130: "Memory SPD Data",
  131: "OEM Processor Type",
  132: "OEM Processor Bus Speed",
};

/** The row for one structure; the MD5 is computed only when `withHash`. */
export function smbiosRow(s: SmbiosStructure, withHash = true): Row {
  return {
    number: s.index,
    type: s.type,
    description: SMBIOS_TYPE_NAMES[s.type] ?? "Unknown",
    handle: s.handle,
    header_size: s.headerSize,
    size: s.bytes.length,
    md5: withHash ? md5Hex(s.bytes) : undefined,
  };
}
