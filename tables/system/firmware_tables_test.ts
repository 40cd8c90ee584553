// Tests for the firmware tables: smbios_tables, platform_info, cpu_info, acpi_tables, secureboot.
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import smbiosTables, { smbiosRow } from "./smbios_tables.ts";
import platformInfo from "./platform_info.ts";
import cpuInfo from "./cpu_info.ts";
import acpiTables from "./acpi_tables.ts";
import secureboot from "./secureboot.ts";
import { dmiString, parseSmbios } from "./_smbios.ts";
import { encodeStructure, encodeTable, sampleTable } from "./smbios_test_helpers.ts";
import { md5Hex } from "./_lib.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("smbios_tables: the committed fixture equals the builder's output", () => {
  const committed = Deno.readFileSync(`${fixture("host_a")}/sys/firmware/dmi/tables/DMI`);
  assertEquals(committed, sampleTable());
});

Deno.test("smbios_tables: each structure becomes a row with type name, handle, sizes and MD5", () => {
  const rows = generated(smbiosTables, fixture("host_a"));
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
  assertEquals(generated(platformInfo, fixture("host_a")), [{
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
  assertEquals(generated(platformInfo, fixture("broken")), []);
});

Deno.test("cpu_info: processor structure decoded with SMBIOS 2.5+ counts", () => {
  assertEquals(generated(cpuInfo, fixture("host_a")), [{
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
  const rows = generated(acpiTables, fixture("host_a"));
  assertEquals(rows.map((r) => [r.name, r.size]), [["DSDT", 24], ["FACP", 16], ["SSDT1", 4]]);
  assertEquals(rows[2].md5, md5Hex(new TextEncoder().encode("SSDT")));
  assertEquals(generated(acpiTables, fixture("host_a"), { used: ["name"] })[0].md5, undefined);
  assertEquals(generated(acpiTables, fixture("broken")), []);
});

Deno.test("secureboot: efivarfs values after the attribute word; legacy vars; BIOS hosts have no row", () => {
  assertEquals(generated(secureboot, fixture("host_a")), [{ secure_boot: 1, setup_mode: 0 }]);
  assertEquals(generated(secureboot, fixture("legacy_efi")), [{ secure_boot: -1, setup_mode: 1 }]);
  assertEquals(generated(secureboot, fixture("broken")), []);
});

Deno.test("firmware tables: live queries run (empty where the firmware exposes nothing)", () => {
  const engine = new Engine();
  for (const table of ["smbios_tables", "platform_info", "cpu_info", "secureboot"]) {
    assert(Array.isArray(engine.query(`SELECT * FROM ${table}`)));
  }
  const acpi = engine.query("SELECT name, size, md5 FROM acpi_tables");
  for (const row of acpi) assert(Number(row.size) === -1 || /^[0-9a-f]{32}$/.test(String(row.md5)));
});

/** Writes an SMBIOS table into a temporary root and returns the root. */
function rootWithSmbios(table: Uint8Array): string {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/sys/firmware/dmi/tables`, { recursive: true });
  Deno.writeFileSync(`${dir}/sys/firmware/dmi/tables/DMI`, table);
  return dir;
}

Deno.test("cpu_info: short processor structures are skipped; pre-2.5 structures count CPUs from the OS", () => {
  const short = { type: 4, handle: 1, fields: Array(20).fill(0), strings: ["X"] };
  // SMBIOS 2.3: formatted area 0x23 long (no core counts), padded with strings past 0x30 bytes in total.
  const old = {
    type: 4,
    handle: 2,
    fields: [1, 4, 0, 2, ...Array(8).fill(0), 3, 0, 0, 0, 0x10, 0x0e, 0xd0, 0x07, 0x41, ...Array(10).fill(0)],
    strings: ["Socket 0", "AMD", "Math coprocessor with a long version string"],
  };
  const dir = rootWithSmbios(encodeTable([short, old, { type: 127, handle: 3, fields: [] }]));
  try {
    const rows = generated(cpuInfo, dir);
    assertEquals(rows.length, 1);
    assertEquals([rows[0].device_id, rows[0].processor_type, rows[0].max_clock_speed, rows[0].current_clock_speed], [
      "MATH0",
      "4",
      3600,
      2000,
    ]);
    assertEquals(rows[0].address_width, "64");
    assert(Number(rows[0].logical_processors) >= 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("platform_info: a BIOS structure too short for its fields is skipped", () => {
  const dir = rootWithSmbios(encodeTable([{ type: 0, handle: 0, fields: [1, 2, 0, 0xf0], strings: [] }]));
  try {
    assertEquals(generated(platformInfo, dir), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("secureboot: a truncated efivar reads as unknown (NULL)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/sys/firmware/efi/efivars`, { recursive: true });
    Deno.writeFileSync(
      `${dir}/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c`,
      new Uint8Array([6, 0]),
    );
    assertEquals(generated(secureboot, dir), [{ secure_boot: undefined, setup_mode: undefined }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
