import { Engine } from "../../core/engine.ts";
import { fixtureHost } from "../../core/host/host.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import systemInfo, { systemInfoHardware } from "./system_info.ts";
import { parseCpuInfo } from "./_lib.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("system_info: cpuinfo and SMBIOS fixture fill the hardware columns (Lenovo swap applied)", () => {
  const row = systemInfoHardware(fixtureHost(fixture("host_a")), 4);
  assertEquals(row.cpu_subtype, "142");
  assertEquals(row.cpu_microcode, "0xf4");
  assertEquals(row.cpu_sockets, 1);
  assertEquals(row.cpu_physical_cores, 2);
  assertEquals(row.cpu_logical_cores, 4);
  assertEquals(row.hardware_vendor, "LENOVO");
  assertEquals(row.hardware_model, "ThinkPad T480");
  assertEquals(row.hardware_version, "20L6S1UE00");
  assertEquals(row.hardware_serial, "PF1ABCDE");
  assertEquals(row.board_vendor, "LENOVO");
  assertEquals(row.board_model, "20L6S1UE00");
  assertEquals(row.board_serial, "L1HF81N00K2");
});

Deno.test("system_info: without SMBIOS the hardware strings are empty, not an error", () => {
  const row = systemInfoHardware(fixtureHost(fixture("broken")), 2);
  assertEquals(row.hardware_model, "");
  assertEquals(row.hardware_vendor, undefined);
  assertEquals(row.cpu_physical_cores, 2);
});

Deno.test("system_info: cpuinfo lines without a colon are ignored", () => {
  const info = parseCpuInfo("garbage\nmodel\t: 7\n\x00\x01\n");
  assertEquals(info.first.get("model"), "7");
  assertEquals(info.physicalCores, 0);
});

Deno.test("system_info: the generator reads the fixture's cpuinfo and SMBIOS table", () => {
  const [row] = generated(systemInfo, fixture("host_a"), { used: ["hardware_model", "cpu_microcode"] });
  assertEquals([row.hardware_vendor, row.hardware_model, row.cpu_microcode], ["LENOVO", "ThinkPad T480", "0xf4"]);
});

Deno.test("system_info: live row has names, a UUID, CPUs and memory", () => {
  const [row] = new Engine().query("SELECT * FROM system_info");
  assert(String(row.hostname).length > 0);
  assert(String(row.computer_name).length > 0);
  assert(/^[0-9A-F-]{36}$/i.test(String(row.uuid)));
  assert(Number(row.cpu_logical_cores) >= 1);
  assert(Number(row.physical_memory) > 0);
  assertEquals(row.cpu_type, Deno.build.arch);
});

Deno.test("system_info: without an SMBIOS table, /sys/class/dmi/id names the system and board", () => {
  const row = systemInfoHardware(fixtureHost(fixture("dmi_only")), 1);
  assertEquals(
    [row.hardware_vendor, row.hardware_model, row.hardware_version, row.hardware_serial],
    ["QEMU", "Standard PC (Q35 + ICH9, 2009)", "pc-q35-8.2", undefined],
  );
  assertEquals([row.board_vendor, row.board_model], ["Canonical Ltd.", "LXD"]);
  // No firmware UUID there either: the host's machine id, shaped as a UUID, names it.
  const [generatedRow] = generated(systemInfo, fixture("dmi_only"), { used: ["uuid"] });
  assertEquals(generatedRow.uuid, "01234567-89AB-CDEF-0123-456789ABCDEF");
});
