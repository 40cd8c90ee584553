/**
 * `system_info`: host identity (names, UUID), CPU summary, memory size and the SMBIOS system and
 * baseboard strings.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUuid } from "../../core/runtime/process.ts";
import { readAttr, readText } from "./_lib.ts";
import { canonicalName, hostname, SC, sysconf } from "./_libc.ts";
import { dmiString, SMBIOS_TYPE, smbiosStructures } from "./_smbios.ts";
import { cpuidReader } from "./_cpuid.ts";
import { cpuidRows } from "./cpuid.ts";

/** Facts from /proc/cpuinfo: the first processor's fields, and the distinct physical cores. */
export interface CpuInfoSummary {
  /** The first processor block, field name → value. */
  first: Map<string, string>;
  /** Distinct (physical id, core id) pairs; 0 when the kernel does not report topology. */
  physicalCores: number;
}

/** Parses /proc/cpuinfo text; lines without a colon are ignored. */
export function parseCpuInfo(text: string): CpuInfoSummary {
  const first = new Map<string, string>();
  const cores = new Set<string>();
  let block = 0;
  let physical = "";
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      block++;
      physical = "";
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (block === 0 && !first.has(key)) first.set(key, value);
    if (key === "physical id") physical = value;
    else if (key === "core id") cores.add(`${physical}:${value}`);
  }
  return { first, physicalCores: cores.size };
}

/**
 * Without a readable SMBIOS table (it is root-only), the kernel's world-readable DMI attributes in
 * /sys/class/dmi/id still name the system and board; serial numbers stay root-only there too.
 */
function applyDmiIdentity(row: Row, root: string): void {
  const dmi = (name: string) => readAttr(`${root}/sys/class/dmi/id/${name}`);
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

/** Builds the CPU and SMBIOS columns of `system_info` from the sources under `root`. */
export function systemInfoHardware(root = "", logicalCores = sysconf(SC.NPROCESSORS_ONLN) ?? -1): Row {
  const row: Row = { cpu_subtype: "0", cpu_logical_cores: logicalCores > 0 ? logicalCores : -1 };
  const info = parseCpuInfo(readText(`${root}/proc/cpuinfo`) ?? "");
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

  const structures = smbiosStructures(root);
  if (structures.length === 0) applyDmiIdentity(row, root);
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

export default registerTable(defineTable({
  name: "system_info",
  description: "Host identity and hardware summary: names, UUID, CPU, memory, system and board strings.",
  columns: [
    { name: "hostname", type: "TEXT", description: "Fully qualified host name" },
    { name: "uuid", type: "TEXT", collate: "nocase" },
    { name: "cpu_type", type: "TEXT" },
    { name: "cpu_subtype", type: "TEXT" },
    { name: "cpu_brand", type: "TEXT" },
    { name: "cpu_physical_cores", type: "INTEGER" },
    { name: "cpu_logical_cores", type: "INTEGER" },
    { name: "cpu_sockets", type: "INTEGER" },
    { name: "cpu_microcode", type: "TEXT" },
    { name: "physical_memory", type: "BIGINT", description: "Bytes of RAM" },
    { name: "hardware_vendor", type: "TEXT" },
    { name: "hardware_model", type: "TEXT" },
    { name: "hardware_version", type: "TEXT" },
    { name: "hardware_serial", type: "TEXT" },
    { name: "board_vendor", type: "TEXT" },
    { name: "board_model", type: "TEXT" },
    { name: "board_version", type: "TEXT" },
    { name: "board_serial", type: "TEXT" },
    { name: "computer_name", type: "TEXT" },
    { name: "local_hostname", type: "TEXT" },
    { name: "emulated_cpu_type", type: "TEXT", linuxHidden: true },
  ],
  generate(ctx) {
    const row = systemInfoHardware();
    const name = hostname();
    if (ctx.isAnyUsed("hostname", "local_hostname")) {
      row.hostname = row.local_hostname = canonicalName(name);
    }
    row.computer_name = name;
    row.uuid = hostUuid();
    row.cpu_type = Deno.build.arch;
    if (ctx.isUsed("cpu_brand")) {
      // osquery takes the brand from CPUID on x86-64; /proc/cpuinfo's "model name" is the fallback.
      const product = cpuidRows(cpuidReader()).find((r) => r.feature === "product_name")?.value;
      if (typeof product === "string" && product.trim()) row.cpu_brand = product.trim();
    }
    const pages = sysconf(SC.PHYS_PAGES);
    const pageSize = sysconf(SC.PAGESIZE);
    row.physical_memory = pages && pageSize ? pages * pageSize : -1;
    return [row];
  },
}));
