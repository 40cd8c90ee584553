/**
 * `cpu_info`: processors as the SMBIOS Processor Information structures describe them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { byteAt, dmiString, SMBIOS_TYPE, smbiosStructures, wordAt } from "./_smbios.ts";
import { SC, sysconf } from "./_libc.ts";
import { parseCpuInfo } from "./system_info.ts";
import { readText } from "./_lib.ts";

/** Friendly prefixes of device_id by SMBIOS processor type. */
const PROCESSOR_KIND: Record<number, string> = { 3: "CPU", 4: "MATH", 5: "DSP", 6: "GPU" };

/** The `cpu_info` rows under `root`. */
export function cpuInfoRows(root = ""): Row[] {
  const rows: Row[] = [];
  let deviceNumber = 0;
  for (const s of smbiosStructures(root)) {
    if (s.type !== SMBIOS_TYPE.PROCESSOR || s.bytes.length < 0x30) continue;
    const type = byteAt(s, 0x05);
    const row: Row = {
      socket_designation: dmiString(s, byteAt(s, 0x04)),
      model: dmiString(s, byteAt(s, 0x10)),
      manufacturer: dmiString(s, byteAt(s, 0x07)),
      processor_type: String(type),
      cpu_status: byteAt(s, 0x18),
      current_clock_speed: wordAt(s, 0x16),
      max_clock_speed: wordAt(s, 0x14),
    };
    if (s.headerSize >= 0x28) {
      // SMBIOS 2.5+ carries core and thread counts and the 64-bit capability flag.
      row.number_of_cores = String(byteAt(s, 0x23));
      row.logical_processors = byteAt(s, 0x25);
      row.address_width = wordAt(s, 0x26) & (1 << 2) ? "64" : "32";
    } else {
      const logical = sysconf(SC.NPROCESSORS_ONLN) ?? 0;
      const physical = parseCpuInfo(readText(`${root}/proc/cpuinfo`) ?? "").physicalCores;
      row.number_of_cores = String(physical || logical);
      row.logical_processors = logical;
      row.address_width = "64";
    }
    const kind = PROCESSOR_KIND[type];
    if (kind) row.device_id = `${kind}${deviceNumber++}`;
    rows.push(row);
  }
  return rows;
}

export default registerTable(defineTable({
  name: "cpu_info",
  description: "Processors from SMBIOS: socket, model, maker, status, clock speeds, cores and threads.",
  columns: [
    { name: "device_id", type: "TEXT", description: "CPU0, CPU1, ... in SMBIOS order" },
    { name: "model", type: "TEXT" },
    { name: "manufacturer", type: "TEXT" },
    { name: "processor_type", type: "TEXT", description: "SMBIOS processor type code (3 = central processor)" },
    { name: "cpu_status", type: "INTEGER" },
    { name: "number_of_cores", type: "TEXT" },
    { name: "logical_processors", type: "INTEGER" },
    { name: "address_width", type: "TEXT" },
    { name: "current_clock_speed", type: "INTEGER", description: "MHz" },
    { name: "max_clock_speed", type: "INTEGER", description: "MHz" },
    { name: "socket_designation", type: "TEXT" },
    { name: "availability", type: "TEXT", linuxHidden: true },
    { name: "load_percentage", type: "INTEGER", linuxHidden: true },
    { name: "number_of_efficiency_cores", type: "INTEGER", linuxHidden: true },
    { name: "number_of_performance_cores", type: "INTEGER", linuxHidden: true },
  ],
  generate() {
    return cpuInfoRows();
  },
}));
