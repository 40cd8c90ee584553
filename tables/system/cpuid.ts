/**
 * `cpuid`: CPU identification and feature bits, from the CPUID instruction itself (see _cpuid.ts
 * for how it is executed without a compiler, and the host files it falls back to).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type CpuidReader, cpuidReader } from "./_cpuid.ts";

export default registerTable(defineTable({
  name: "cpuid",
  description: "CPU vendor, brand string and feature bits as the CPUID instruction reports them.",
  columns: [
    { name: "feature", type: "TEXT", description: "The feature or fact: vendor, product_name, sse2, avx512f, ..." },
    { name: "value", type: "TEXT", description: "1 or 0 for a feature bit, else the text or hex value." },
    { name: "output_register", type: "TEXT", description: "The register(s) the value was read from." },
    { name: "output_bit", type: "INTEGER", description: "The feature's bit in that register (0 for whole values)." },
    { name: "input_eax", type: "TEXT", description: "The CPUID leaf (EAX input) asked, with the subleaf if any." },
  ],
  generate(ctx) {
    return cpuidRows(cpuidReader(ctx.host));
  },
}));

type Register = "eax" | "ebx" | "ecx" | "edx";
const REGISTER_INDEX: Record<Register, number> = { eax: 0, ebx: 1, ecx: 2, edx: 3 };

/** The feature bits osquery reports, by input leaf (in ascending leaf order), as [feature, register, bit]. */
const FEATURES: [number, [string, Register, number][]][] = [
  [1, [
    ["pae", "edx", 6],
    ["msr", "edx", 5],
    ["sep", "edx", 11],
    ["mtrr", "edx", 12],
    ["pge", "edx", 13],
    ["mca", "edx", 14],
    ["pat", "edx", 16],
    ["clfsh", "edx", 19],
    ["acpi", "edx", 22],
    ["mmz", "edx", 23],
    ["sse", "edx", 25],
    ["sse2", "edx", 26],
    ["ss", "edx", 27],
    ["htt", "edx", 28],
    ["ia64", "edx", 30],
    ["sse3", "ecx", 0],
    ["vmx", "ecx", 5],
    ["smx", "ecx", 6],
    ["ssse3", "ecx", 9],
    ["sdbg", "ecx", 11],
    ["pdcm", "ecx", 15],
    ["pcid", "ecx", 17],
    ["dca", "ecx", 18],
    ["sse4.1", "ecx", 19],
    ["sse4.2", "ecx", 20],
    ["aes", "ecx", 25],
    ["avx", "ecx", 28],
    ["hypervisor", "ecx", 31],
  ]],
  [7, [
    ["sgx", "ebx", 2],
    ["hle", "ebx", 4],
    ["avx2", "ebx", 5],
    ["smep", "ebx", 7],
    ["bmi2", "ebx", 8],
    ["erms", "ebx", 9],
    ["invpcid", "ebx", 10],
    ["rtm", "ebx", 11],
    ["pqm", "ebx", 12],
    ["mpx", "ebx", 14],
    ["pqe", "ebx", 15],
    ["avx512f", "ebx", 16],
    ["avx512dq", "ebx", 17],
    ["rdseed", "ebx", 18],
    ["adx", "ebx", 19],
    ["smap", "ebx", 20],
    ["intel_pt", "ebx", 25],
    ["sha", "ebx", 29],
    ["umip", "ecx", 2],
    ["pku", "ecx", 3],
    ["ospke", "ecx", 4],
    ["gfni", "ecx", 8],
    ["vaes", "ecx", 9],
    ["sgx_lc", "ecx", 30],
    ["spec_ctrl", "edx", 26],
  ]],
  [0x80000001, [
    ["lahfsahf", "ecx", 0],
    ["svm", "ecx", 2],
    ["3dnowprefetch", "ecx", 8],
    ["ibs", "ecx", 10],
    ["skinit", "ecx", 12],
    ["lwp", "ecx", 15],
    ["nx", "edx", 20],
    ["page1gb", "edx", 26],
    ["lm", "edx", 29],
  ]],
];

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

/** Registers as the ASCII text they spell, four little-endian bytes each; NUL padding removed. */
function registersText(regs: number[]): string {
  const bytes = new Uint8Array(regs.length * 4);
  const view = new DataView(bytes.buffer);
  regs.forEach((r, i) => view.setUint32(i * 4, r >>> 0, true));
  return new TextDecoder("latin1").decode(bytes).replace(/\0+$/, "").replaceAll("\0", "");
}

/** The `cpuid` rows read through `cpuid` (the instruction, or a recorded fixture in tests). */
export function cpuidRows(cpuid: CpuidReader | undefined): Row[] {
  if (!cpuid) return [];
  const read = (leaf: number, sub = 0) => cpuid(leaf, sub) ?? new Uint32Array(4);
  const base = read(0);
  if (base[0] < 1) return []; // CPUID leaf 0 reports no basic leaves: nothing to read
  const rows: Row[] = [];
  rows.push({
    feature: "vendor",
    value: registersText([base[1], base[3], base[2]]),
    output_register: "ebx,edx,ecx",
    output_bit: 0,
    input_eax: "0",
  });
  const brand: number[] = [];
  for (let i = 0; i < 3; i++) brand.push(...read(0x80000002 + i));
  rows.push({
    feature: "product_name",
    value: registersText(brand),
    output_register: "eax,ebx,ecx,edx",
    output_bit: 0,
    input_eax: "0x80000002",
  });
  const hv = read(0x40000000);
  if (hv[0] !== 0) {
    rows.push({
      feature: "hypervisor_id",
      value: hex8(hv[0]) + hex8(hv[1]) + hex8(hv[2]),
      output_register: "ebx,ecx,edx",
      output_bit: 0,
      input_eax: "0x40000000",
    });
  }
  const leaf1 = read(1);
  const leaf3 = read(3);
  rows.push({
    feature: "serial",
    value: hex8(leaf1[0]) + hex8(leaf3[0]) + hex8(leaf3[3]),
    output_register: "eax,eax,ecx",
    output_bit: 0,
    input_eax: "1,3",
  });
  rows.push({
    feature: "family",
    value: (leaf1[0] & 0xf00).toString(16).padStart(4, "0"),
    output_register: "eax",
    output_bit: 0,
    input_eax: "1",
  });
  for (const [leaf, features] of FEATURES) {
    const regs = read(leaf);
    for (const [feature, register, bit] of features) {
      rows.push({
        feature,
        value: (regs[REGISTER_INDEX[register]] >>> bit) & 1 ? "1" : "0",
        output_register: register,
        output_bit: bit,
        input_eax: String(leaf),
      });
    }
  }
  for (const sub of [0, 1]) {
    const r = read(0x12, sub);
    rows.push({
      feature: `sgx${sub}`,
      value: hex8(r[0]) + hex8(r[1]) + hex8(r[2]) + hex8(r[3]),
      output_register: "eax,ebx,ecx,edx",
      output_bit: 0,
      input_eax: sub === 0 ? "18" : "18,1",
    });
  }
  return rows;
}
