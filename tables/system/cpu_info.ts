/**
 * `cpu_info`: processors as the SMBIOS Processor Information structures (type 4) describe them.
 * Structures older than SMBIOS 2.5 carry no core counts: those come from the OS then.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { byteAt, dmiString, SMBIOS_TYPE, smbiosStructures, wordAt } from "./_smbios.ts";
import { SC, sysconf } from "./_libc.ts";
import { parseCpuInfo, readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "cpu_info",
  description: "Processors from SMBIOS: socket, model, maker, status, clock speeds, cores and threads.",
  columns: [
    { name: "device_id", type: "TEXT", description: "A name for the processor: CPU0, CPU1, ... in SMBIOS order." },
    { name: "model", type: "TEXT", description: "The processor's version string, e.g. its brand name." },
    { name: "manufacturer", type: "TEXT", description: "The processor's maker." },
    {
      name: "processor_type",
      type: "TEXT",
      description: "SMBIOS processor type code (3 central, 4 math, 5 DSP, 6 video).",
    },
    { name: "cpu_status", type: "INTEGER", description: "SMBIOS status byte: socket populated and whether enabled." },
    { name: "number_of_cores", type: "TEXT", description: "Cores in the package." },
    { name: "logical_processors", type: "INTEGER", description: "Hardware threads in the package." },
    { name: "address_width", type: "TEXT", description: "Address width in bits: 64 or 32." },
    {
      name: "current_clock_speed",
      type: "INTEGER",
      description: "Current speed in MHz, as the firmware saw it at boot.",
    },
    { name: "max_clock_speed", type: "INTEGER", description: "Highest speed the processor supports, in MHz." },
    { name: "socket_designation", type: "TEXT", description: "The socket's label on the board." },
    { name: "availability", type: "TEXT", linuxHidden: true, description: "Availability and status (Windows only)." },
    {
      name: "load_percentage",
      type: "INTEGER",
      linuxHidden: true,
      description: "Current load in percent (Windows only).",
    },
    {
      name: "number_of_efficiency_cores",
      type: "INTEGER",
      linuxHidden: true,
      description: "Efficiency cores (Apple silicon only).",
    },
    {
      name: "number_of_performance_cores",
      type: "INTEGER",
      linuxHidden: true,
      description: "Performance cores (Apple silicon only).",
    },
  ],
  generate(ctx) {
    return cpuInfoRows(ctx.host);
  },
}));

/** Friendly prefixes of device_id by SMBIOS processor type. */
const PROCESSOR_KIND: Record<number, string> = { 3: "CPU", 4: "MATH", 5: "DSP", 6: "GPU" };

/** The rows for the processor structures of `host`. */
function cpuInfoRows(host: Host): Row[] {
  const rows: Row[] = [];
  let deviceNumber = 0;
  for (const s of smbiosStructures(host)) {
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
      row.number_of_cores = String(byteAt(s, 0x23));
      row.logical_processors = byteAt(s, 0x25);
      row.address_width = wordAt(s, 0x26) & (1 << 2) ? "64" : "32";
    } else {
      const logical = sysconf(SC.NPROCESSORS_ONLN) ?? 0;
      const physical = parseCpuInfo(readText(host.path("/proc/cpuinfo")) ?? "").physicalCores;
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
