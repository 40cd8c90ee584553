import "./cpuid.ts";
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { cpuidRows } from "./cpuid.ts";
import { type CpuidReader, cpuinfoReader } from "./_cpuid.ts";
import { fixture } from "./system_test_helpers.ts";

/** A reader replaying registers recorded from a real CPU (keys "leafhex,subleaf"). */
function recorded(name: string): CpuidReader {
  const regs: Record<string, number[]> = JSON.parse(Deno.readTextFileSync(`${fixture("cpuid")}/${name}`));
  return (leaf, sub) => {
    const r = regs[`${leaf.toString(16)},${sub}`];
    return r ? new Uint32Array(r) : new Uint32Array(4);
  };
}

Deno.test("cpuid: recorded AMD EPYC registers decode to vendor, brand, family and feature bits", () => {
  const rows = cpuidRows(recorded("epyc_vm.json"));
  const by = new Map(rows.map((r) => [r.feature, r]));
  assertEquals(by.get("vendor")?.value, "AuthenticAMD");
  assertEquals(by.get("product_name")?.value, "Oxide Virtual Turin-like Processor             ");
  assertEquals(by.get("family")?.value, "0f00");
  assertEquals(by.get("serial")?.value, "00b00f210000000000000000");
  assertEquals(by.get("hypervisor_id")?.input_eax, "0x40000000");
  assertEquals(by.get("sse2"), { feature: "sse2", value: "1", output_register: "edx", output_bit: 26, input_eax: "1" });
  assertEquals(by.get("hypervisor")?.value, "1");
  assertEquals(by.get("lm")?.input_eax, String(0x80000001));
  assertEquals(by.get("lm")?.value, "1");
  assertEquals(by.get("sgx1")?.input_eax, "18,1");
  assertEquals(rows.length, 5 + 28 + 25 + 9 + 2);
});

Deno.test("cpuid: a CPU reporting no basic leaves, or no reader, gives no rows", () => {
  assertEquals(cpuidRows(() => new Uint32Array(4)), []);
  assertEquals(cpuidRows(undefined), []);
  assertEquals(cpuidRows(() => undefined), []);
});

if (Deno.build.arch !== "x86_64") {
  console.warn(`cpuid_test: the live check is skipped: ${Deno.build.arch} has no cpuid`);
}

Deno.test({
  name: "cpuid: live vendor matches /proc/cpuinfo on x86-64",
  ignore: Deno.build.arch !== "x86_64",
  fn() {
    const rows = new Engine().query("SELECT value FROM cpuid WHERE feature = 'vendor'");
    assertEquals(rows.length, 1);
    const vendor = /vendor_id\s*:\s*(\S+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1];
    assert(vendor !== undefined);
    assertEquals(rows[0].value, vendor);
  },
});

Deno.test("cpuid: /proc/cpuinfo fallback rebuilds vendor, brand, signature and feature bits", () => {
  const text = Deno.readTextFileSync(`${fixture("cpuid")}/cpuinfo_epyc_vm.txt`);
  const rows = cpuidRows(cpuinfoReader(text));
  const by = new Map(rows.map((r) => [r.feature, r.value]));
  assertEquals(by.get("vendor"), "AuthenticAMD");
  assertEquals(by.get("product_name"), "AMD EPYC");
  // Family 26, model 2, stepping 1 encode to the same leaf-1 signature the CPU itself returned.
  const recordedRows = new Map(cpuidRows(recorded("epyc_vm.json")).map((r) => [r.feature, r.value]));
  assertEquals(by.get("serial"), recordedRows.get("serial"));
  assertEquals(by.get("family"), "0f00");
  for (const [feature, flag] of [["sse4.2", "sse4_2"], ["avx512f", "avx512f"], ["lm", "lm"], ["svm", "svm"]]) {
    assertEquals(by.get(feature), new RegExp(`\\b${flag}\\b`).test(text) ? "1" : "0", feature);
  }
  assertEquals(by.has("hypervisor_id"), false);
  assertEquals(cpuinfoReader("processor : 0\nvendor_id : ARM\n"), undefined);
  assertEquals(cpuinfoReader("\0\0garbage"), undefined);
});
