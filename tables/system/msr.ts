/**
 * `msr`: a handful of Intel model-specific registers per CPU (turbo, performance state, feature control,
 * RAPL power), read from /dev/cpu/N/msr. The device exists only with the `msr` kernel module loaded and
 * opens only for root; without it the table is empty.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir } from "./_lib.ts";

export default registerTable(defineTable({
  name: "msr",
  description:
    "Model-specific registers per CPU (turbo, performance state, feature control, RAPL); needs the msr module and root.",
  columns: [
    { name: "processor_number", type: "BIGINT", description: "The logical CPU the registers were read on." },
    {
      name: "turbo_disabled",
      type: "BIGINT",
      description: "1 when turbo boost is disabled (IA32_MISC_ENABLE bit 38), else 0.",
    },
    {
      name: "turbo_ratio_limit",
      type: "BIGINT",
      description: "The turbo ratio limits per active core count (MSR 0x1AD).",
    },
    {
      name: "platform_info",
      type: "BIGINT",
      description: "The platform info register: base and maximum non-turbo ratios (MSR 0xCE).",
    },
    {
      name: "perf_ctl",
      type: "BIGINT",
      description: "The performance state the OS requested (IA32_PERF_CTL, low 16 bits).",
    },
    { name: "perf_status", type: "BIGINT", description: "The current performance state (IA32_PERF_STATUS)." },
    {
      name: "feature_control",
      type: "BIGINT",
      description: "The feature control register: VMX and SMX enablement and lock (MSR 0x3A).",
    },
    {
      name: "rapl_power_limit",
      type: "BIGINT",
      description: "The package power limits for running average power limiting (MSR 0x610).",
    },
    {
      name: "rapl_energy_status",
      type: "BIGINT",
      description: "The package energy counter, in RAPL energy units (MSR 0x611).",
    },
    {
      name: "rapl_power_units",
      type: "BIGINT",
      description: "The units RAPL's power, energy and time fields use (MSR 0x606).",
    },
  ],
  generate(ctx) {
    return msrRows(ctx.host);
  },
}));

const ALL = 0xffffffffffffffffn;

/** The registers osquery reports: column, register address, mask, and whether the column is a 0/1 flag. */
const REGISTERS: { column: string; address: number; mask: bigint; flag?: boolean }[] = [
  // IA32_MISC_ENABLE bit 38: turbo mode disabled.
  { column: "turbo_disabled", address: 0x1a0, mask: 1n << 38n, flag: true },
  { column: "turbo_ratio_limit", address: 0x1ad, mask: ALL },
  { column: "platform_info", address: 0xce, mask: ALL },
  { column: "perf_status", address: 0x198, mask: ALL },
  // IA32_PERF_CTL: only the requested performance state (low 16 bits).
  { column: "perf_ctl", address: 0x199, mask: 0xffffn },
  { column: "feature_control", address: 0x3a, mask: ALL },
  { column: "rapl_power_limit", address: 0x610, mask: ALL },
  { column: "rapl_energy_status", address: 0x611, mask: ALL },
  { column: "rapl_power_units", address: 0x606, mask: ALL },
];

/** A 64-bit register value as a number when exact, else a bigint. */
function asInteger(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Reads 8 bytes at `address`; undefined when the CPU has no such register (the read fails or comes up short). */
function readRegister(file: Deno.FsFile, address: number): bigint | undefined {
  const buf = new Uint8Array(8);
  try {
    file.seekSync(address, Deno.SeekMode.Start);
    let got = 0;
    while (got < 8) {
      const n = file.readSync(buf.subarray(got));
      if (n === null || n === 0) return undefined;
      got += n;
    }
  } catch {
    return undefined;
  }
  return new DataView(buf.buffer).getBigUint64(0, true);
}

/** The rows for `host`'s CPUs (/dev/cpu/<N>/msr). CPUs whose device cannot be opened are skipped. */
function msrRows(host: Host): Row[] {
  const cpus = listDir(host.path("/dev/cpu")).map((e) => e.name).filter((n) => /^\d+$/.test(n)).map(Number);
  const rows: Row[] = [];
  for (const cpu of cpus.sort((a, b) => a - b)) {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(host.path(`/dev/cpu/${cpu}/msr`), { read: true });
    } catch {
      continue; // no msr module, or not root
    }
    try {
      const row: Row = { processor_number: cpu };
      for (const r of REGISTERS) {
        const value = readRegister(file, r.address);
        if (value === undefined) continue;
        row[r.column] = r.flag ? ((value & r.mask) !== 0n ? 1 : 0) : asInteger(value & r.mask);
      }
      rows.push(row);
    } finally {
      file.close();
    }
  }
  return rows;
}
