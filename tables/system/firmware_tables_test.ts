// Tests for the firmware tables: smbios_tables, platform_info, cpu_info, acpi_tables, secureboot.
import "./smbios_tables.ts";
import "./platform_info.ts";
import "./cpu_info.ts";
import "./acpi_tables.ts";
import "./secureboot.ts";
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { smbiosRow } from "./smbios_tables.ts";
import { platformInfoRows } from "./platform_info.ts";
import { cpuInfoRows } from "./cpu_info.ts";
import { acpiTableRows } from "./acpi_tables.ts";
import { secureBootRows } from "./secureboot.ts";
import { dmiString, parseSmbios, smbiosStructures } from "./_smbios.ts";
import { encodeStructure, encodeTable, sampleTable } from "./_smbios_build.ts";
import { md5Hex } from "./_lib.ts";
import { fixture } from "./_fixtures.ts";

Deno.test("smbios_tables: the committed fixture equals the builder's output", () => {
  const committed = Deno.readFileSync(`${fixture("host_a")}/sys/firmware/dmi/tables/DMI`);
  assertEquals(committed, sampleTable());
});

Deno.test("smbios_tables: each structure becomes a row with type name, handle, sizes and MD5", () => {
  const rows = smbiosStructures(fixture("host_a")).map((s) => smbiosRow(s));
  assertEquals(rows.map((r) => [r.number, r.type, r.description, r.handle, r.header_size]), [
    [0, 0, "BIOS Information", 0x0000, 0x18],
    [1, 1, "System Information", 0x000f, 0x1b],
    [2, 2, "Base Board or Module Information", 0x0010, 0x0f],
    [3, 4, "Processor Information", 0x0031, 0x30],
    [4, 127, "End-of-Table", 0x0040, 4],
  ]);
  const bios = encodeStructure({
    type: 0,
    handle: 0,
    fields: [1, 2, 0, 0xf0, 3, 0x0f, 0x80, 0x98, 0x8b, 0x3f, 0, 0, 0, 0, 0x03, 0x0d, 5, 17, 1, 2],
    strings: ["LENOVO", "N24ET56W (1.31 )", "02/19/2020"],
  });
  assertEquals(rows[0].size, bios.length);
  assertEquals(rows[0].md5, md5Hex(bios));
  // Like osquery, the final structure's scan stops four bytes short of the end: its NULs are not counted.
  assertEquals(rows[4].size, 4);
});

Deno.test("smbios_tables: unknown types, corrupt lengths and truncated data stop cleanly", () => {
  const table = encodeTable([{ type: 200, handle: 1, fields: [0, 0], strings: ["x"] }]);
  assertEquals(smbiosRow(parseSmbios(table)[0]).description, "Unknown");
  // A header claiming more bytes than remain ends the walk.
  assertEquals(parseSmbios(new Uint8Array([1, 0xff, 0, 0, 1, 2])), []);
  // A header shorter than four bytes is corrupt.
  assertEquals(parseSmbios(new Uint8Array([1, 2, 5, 0, 0, 0, 0, 0])), []);
  assertEquals(parseSmbios(new Uint8Array([1, 2])), []);
  // Zero padding ends the table.
  const padded = new Uint8Array([...encodeStructure({ type: 1, handle: 2, fields: [] }), 0, 0, 0, 0, 0, 0]);
  assertEquals(parseSmbios(padded).length, 1);
});

Deno.test("smbios_tables: strings past the string set or without a terminator read as empty", () => {
  const [s] = parseSmbios(encodeTable([{ type: 1, handle: 1, fields: [1, 2, 9], strings: ["A  ", "B"] }, {
    type: 127,
    handle: 2,
    fields: [],
  }]));
  assertEquals([dmiString(s, 1), dmiString(s, 2), dmiString(s, 3), dmiString(s, 0)], ["A", "B", "", ""]);
  const unterminated = parseSmbios(new Uint8Array([1, 5, 1, 0, 1, 65, 66, 67, 68, 69, 70, 71]))[0];
  assertEquals(dmiString(unterminated, 1), "");
});

Deno.test("platform_info: BIOS structure fields and firmware type", () => {
  assertEquals(platformInfoRows(fixture("host_a")), [{
    vendor: "LENOVO",
    version: "N24ET56W (1.31 )".trimEnd(),
    date: "02/19/2020",
    revision: "5.17",
    extra: "",
    firmware_type: "uefi",
    address: "0xf000",
    size: String(16 * 64 * 1024),
    volume_size: 0,
  }]);
  assertEquals(platformInfoRows(fixture("broken")), []);
});

Deno.test("cpu_info: processor structure decoded with SMBIOS 2.5+ counts", () => {
  assertEquals(cpuInfoRows(fixture("host_a")), [{
    device_id: "CPU0",
    socket_designation: "U3E1",
    model: "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz",
    manufacturer: "Intel(R) Corporation",
    processor_type: "3",
    cpu_status: 0x41,
    current_clock_speed: 1900,
    max_clock_speed: 4200,
    number_of_cores: "4",
    logical_processors: 8,
    address_width: "64",
  }]);
});

Deno.test("acpi_tables: tables including dynamic ones, with sizes and MD5s", () => {
  const rows = acpiTableRows(fixture("host_a"));
  assertEquals(rows.map((r) => [r.name, r.size]), [["DSDT", 24], ["FACP", 16], ["SSDT1", 4]]);
  assertEquals(rows[2].md5, md5Hex(new TextEncoder().encode("SSDT")));
  assertEquals(acpiTableRows(fixture("host_a"), false)[0].md5, undefined);
  assertEquals(acpiTableRows(fixture("broken")), []);
});

Deno.test("secureboot: efivarfs values after the attribute word; legacy vars; BIOS hosts have no row", () => {
  assertEquals(secureBootRows(fixture("host_a")), [{ secure_boot: 1, setup_mode: 0 }]);
  assertEquals(secureBootRows(fixture("legacy_efi")), [{ secure_boot: -1, setup_mode: 1 }]);
  assertEquals(secureBootRows(fixture("broken")), []);
});

Deno.test("firmware tables: live queries run (empty where the firmware exposes nothing)", () => {
  const engine = new Engine();
  for (const table of ["smbios_tables", "platform_info", "cpu_info", "secureboot"]) {
    assert(Array.isArray(engine.query(`SELECT * FROM ${table}`)));
  }
  const acpi = engine.query("SELECT name, size, md5 FROM acpi_tables");
  for (const row of acpi) assert(Number(row.size) === -1 || /^[0-9a-f]{32}$/.test(String(row.md5)));
});
