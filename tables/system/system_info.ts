/**
 * `system_info`: host identity (names, UUID), CPU summary, memory size and the SMBIOS system and
 * baseboard strings.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUuid } from "../../core/runtime/process.ts";
import type { Host } from "../../core/host/host.ts";
import { parseCpuInfo, readAttr, readText } from "./_lib.ts";
import { canonicalName, hostname, SC, sysconf } from "./_libc.ts";
import { dmiString, SMBIOS_TYPE, smbiosStructures } from "./_smbios.ts";
import { cpuidReader } from "./_cpuid.ts";
import { cpuidRows } from "./cpuid.ts";

export default registerTable(defineTable({
  name: "system_info",
  description: "Host identity and hardware summary: names, UUID, CPU, memory, system and board strings.",
  columns: [
    { name: "hostname", type: "TEXT", description: "The host's fully qualified name." },
    {
      name: "uuid",
      type: "TEXT",
      collate: "nocase",
      description: "The host's UUID: the firmware's system UUID, else one derived from the machine id.",
    },
    { name: "cpu_type", type: "TEXT", description: "The CPU architecture, e.g. x86_64, aarch64." },
    { name: "cpu_subtype", type: "TEXT", description: "The CPU model number from /proc/cpuinfo." },
    { name: "cpu_brand", type: "TEXT", description: "The CPU's brand string, naming vendor and model." },
    { name: "cpu_physical_cores", type: "INTEGER", description: "Physical cores in the system." },
    { name: "cpu_logical_cores", type: "INTEGER", description: "Logical CPUs (hardware threads) online." },
    { name: "cpu_sockets", type: "INTEGER", description: "Processor packages (sockets) in the system." },
    { name: "cpu_microcode", type: "TEXT", description: "The CPU microcode revision loaded." },
    { name: "physical_memory", type: "BIGINT", description: "Physical RAM in bytes." },
    { name: "hardware_vendor", type: "TEXT", description: "The system's maker." },
    { name: "hardware_model", type: "TEXT", description: "The system's model." },
    { name: "hardware_version", type: "TEXT", description: "The system's version." },
    { name: "hardware_serial", type: "TEXT", description: "The system's serial number (readable by root only)." },
    { name: "board_vendor", type: "TEXT", description: "The mainboard's maker." },
    { name: "board_model", type: "TEXT", description: "The mainboard's model." },
    { name: "board_version", type: "TEXT", description: "The mainboard's version." },
    { name: "board_serial", type: "TEXT", description: "The mainboard's serial number (readable by root only)." },
    { name: "computer_name", type: "TEXT", description: "The host name as gethostname(2) returns it." },
    {
      name: "local_hostname",
      type: "TEXT",
      description: "The host's name as local resolution gives it (as hostname).",
    },
    {
      name: "emulated_cpu_type",
      type: "TEXT",
      linuxHidden: true,
      description: "The CPU type a translated process sees (macOS only).",
    },
  ],
  generate(ctx) {
    const row = systemInfoHardware(ctx.host, sysconf(SC.NPROCESSORS_ONLN) ?? -1);
    const name = hostname();
    if (ctx.isAnyUsed("hostname", "local_hostname")) {
      row.hostname = row.local_hostname = canonicalName(name);
    }
    row.computer_name = name;
    row.uuid = hostUuid(ctx.host.root);
    row.cpu_type = Deno.build.arch;
    if (ctx.isUsed("cpu_brand")) {
      // osquery takes the brand from CPUID on x86-64; /proc/cpuinfo's "model name" is the fallback.
      const product = cpuidRows(cpuidReader(ctx.host)).find((r) => r.feature === "product_name")?.value;
      if (typeof product === "string" && product.trim()) row.cpu_brand = product.trim();
    }
    const pages = sysconf(SC.PHYS_PAGES);
    const pageSize = sysconf(SC.PAGESIZE);
    row.physical_memory = pages && pageSize ? pages * pageSize : -1;
    return [row];
  },
}));

/**
 * Without a readable SMBIOS table (it is root-only), the kernel's world-readable DMI attributes in
 * /sys/class/dmi/id still name the system and board; serial numbers stay root-only there too.
 */
function applyDmiIdentity(row: Row, host: Host): void {
  const dmi = (name: string) => readAttr(host.path(`/sys/class/dmi/id/${name}`));
  const pairs: [string, string][] = [
    ["hardware_vendor", "sys_vendor"],
    ["hardware_model", "product_name"],
    ["hardware_version", "product_version"],
    ["hardware_serial", "product_serial"],
    ["board_vendor", "board_vendor"],
    ["board_model", "board_name"],
    ["board_version", "board_version"],
    ["board_serial", "board_serial"],
  ];
  for (const [column, attr] of pairs) {
    const value = dmi(attr);
    if (value !== undefined) row[column] = value;
  }
  if (String(row.hardware_vendor ?? "").toLowerCase() === "lenovo") {
    [row.hardware_model, row.hardware_version] = [row.hardware_version, row.hardware_model];
  }
}

/**
 * Builds the CPU and SMBIOS columns of `system_info` from `host`'s files, given the online CPU
 * count (a syscall's answer, so tests can set it for a fixture).
 */
export function systemInfoHardware(host: Host, logicalCores: number): Row {
  const row: Row = { cpu_subtype: "0", cpu_logical_cores: logicalCores > 0 ? logicalCores : -1 };
  const info = parseCpuInfo(readText(host.path("/proc/cpuinfo")) ?? "");
  const model = info.first.get("model");
  if (model !== undefined) row.cpu_subtype = model;
  const microcode = info.first.get("microcode");
  if (microcode !== undefined) row.cpu_microcode = microcode;
  const siblings = Number(info.first.get("siblings"));
  if (info.first.has("siblings")) {
    row.cpu_sockets = logicalCores > 0 && siblings > 0 ? Math.floor(logicalCores / siblings) : -1;
  }
  // Without topology lines (some VMs, non-x86), count logical CPUs, as boost's physical_concurrency does.
  row.cpu_physical_cores = info.physicalCores > 0 ? info.physicalCores : logicalCores;
  const brand = info.first.get("model name");
  if (brand) row.cpu_brand = brand;

  const structures = smbiosStructures(host);
  if (structures.length === 0) applyDmiIdentity(row, host);
  for (const s of structures) {
    if (s.bytes.length < 0x12) continue;
    if (s.type === SMBIOS_TYPE.SYSTEM) {
      row.hardware_vendor = dmiString(s, s.bytes[4]);
      row.hardware_model = dmiString(s, s.bytes[5]);
      row.hardware_version = dmiString(s, s.bytes[6]);
      row.hardware_serial = dmiString(s, s.bytes[7]);
      // Lenovo keeps the marketing model in "Version" and the SKU in "Product": swap to match other vendors.
      if (String(row.hardware_vendor).toLowerCase() === "lenovo") {
        [row.hardware_model, row.hardware_version] = [row.hardware_version, row.hardware_model];
      }
    } else if (s.type === SMBIOS_TYPE.BOARD) {
      row.board_vendor = dmiString(s, s.bytes[4]);
      row.board_model = dmiString(s, s.bytes[5]);
      row.board_version = dmiString(s, s.bytes[6]);
      row.board_serial = dmiString(s, s.bytes[7]);
    }
  }
  if (row.hardware_model === undefined) row.hardware_model = "";
  return row;
}
