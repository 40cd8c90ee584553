// Tests for the SMBIOS memory tables and oem_strings, over the server fixture built by smbios_test_helpers.ts.
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import memoryArrays from "./memory_arrays.ts";
import memoryArrayMappedAddresses from "./memory_array_mapped_addresses.ts";
import memoryDevices from "./memory_devices.ts";
import memoryDeviceMappedAddresses from "./memory_device_mapped_addresses.ts";
import memoryErrorInfo from "./memory_error_info.ts";
import oemStrings from "./oem_strings.ts";
import { encodeTable, memoryTable } from "./smbios_test_helpers.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const server = fixture("server_smbios");

Deno.test("smbios memory tables: the committed server fixture equals the builder's output", () => {
  assertEquals(Deno.readFileSync(`${server}/sys/firmware/dmi/tables/DMI`), memoryTable());
});

Deno.test("memory_arrays: location, use, ECC, capacity (extended when flagged) and error handle", () => {
  assertEquals(generated(memoryArrays, server), [
    {
      handle: "0x1000",
      location: "System board or motherboard",
      use: "System memory",
      memory_error_correction: "Multi-bit ECC",
      max_capacity: 1024,
      memory_error_info_handle: "",
      number_memory_devices: 2,
    },
    {
      handle: "0x1001",
      location: "System board or motherboard",
      use: "System memory",
      memory_error_correction: "none",
      max_capacity: 16,
      memory_error_info_handle: "0x1011",
      number_memory_devices: 1,
    },
  ]);
});

Deno.test("memory_devices: populated DDR4 and DDR5 modules, an empty slot, and a too-short structure skipped", () => {
  const rows = generated(memoryDevices, server);
  assertEquals(rows.map((r) => r.handle), ["0x1100", "0x1101", "0x1102"]);
  assertEquals(rows[0], {
    handle: "0x1100",
    array_handle: "0x1000",
    form_factor: "DIMM",
    total_width: 72,
    data_width: 64,
    size: 32768,
    set: 0,
    device_locator: "DIMM_A1",
    bank_locator: "NODE 1",
    memory_type: "DDR4",
    memory_type_details: "Synchronous Registered (Buffered)",
    max_speed: 3200,
    configured_clock_speed: 2933,
    manufacturer: "Samsung",
    serial_number: "12345678",
    asset_tag: "A1_AssetTag",
    part_number: "M393A4K40DB3-CWE",
    min_voltage: 1200,
    max_voltage: 1200,
    configured_voltage: 1200,
  });
  const empty = rows[1];
  assertEquals([empty.size, empty.total_width, empty.data_width, empty.set, empty.max_speed], [
    0,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals([empty.memory_type, empty.memory_type_details, empty.min_voltage, empty.manufacturer], [
    "Unknown",
    "Unknown",
    undefined,
    "NO DIMM",
  ]);
  assertEquals([rows[2].memory_type, rows[2].form_factor, rows[2].size, rows[2].asset_tag, rows[2].part_number], [
    "DDR5",
    "SODIMM",
    16384,
    "",
    "MTC8C1084S1SC48BA1",
  ]);
});

Deno.test("memory_devices: an SMBIOS 2.3 structure reports what it has; later fields are NULL", () => {
  // Formatted area 0x1B long: up to the part number; no extended size, configured speed or voltages.
  const fields = [
    0x00,
    0x10,
    0xfe,
    0xff,
    64,
    0,
    64,
    0,
    0x00,
    0x02,
    0x09,
    0,
    1,
    0,
    0x12,
    0x80,
    0,
    0x90,
    0x01,
    0,
    0,
    0,
    0,
  ];
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/sys/firmware/dmi/tables`, { recursive: true });
    Deno.writeFileSync(
      `${dir}/sys/firmware/dmi/tables/DMI`,
      encodeTable([{ type: 17, handle: 0x22, fields, strings: ["DIMM0"] }, { type: 127, handle: 0x23, fields: [] }]),
    );
    const [row] = generated(memoryDevices, dir);
    assertEquals([row.size, row.memory_type, row.max_speed, row.device_locator], [512, "DDR", 400, "DIMM0"]);
    assertEquals([row.configured_clock_speed, row.configured_voltage], [undefined, undefined]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("memory_error_info: names the error and leaves unknown addresses empty", () => {
  assertEquals(generated(memoryErrorInfo, server), [
    {
      handle: "0x1010",
      error_type: "OK",
      error_granularity: "Unknown",
      error_operation: "Unknown",
      vendor_syndrome: "",
      memory_array_error_address: "",
      device_error_address: "",
      error_resolution: "",
    },
    {
      handle: "0x1011",
      error_type: "Corrected single-bit error",
      error_granularity: "Device level",
      error_operation: "Read",
      vendor_syndrome: "0xdeadbeef",
      memory_array_error_address: "0x00001000",
      device_error_address: "0x00000200",
      error_resolution: "0x00000040",
    },
  ]);
});

Deno.test("memory_array_mapped_addresses: 32-bit ranges as 8 digits, extended ranges as 12", () => {
  assertEquals(generated(memoryArrayMappedAddresses, server), [
    {
      handle: "0x1300",
      memory_array_handle: "0x1000",
      starting_address: "0x00000000",
      ending_address: "0x01ffffff",
      partition_width: 2,
    },
    {
      handle: "0x1301",
      memory_array_handle: "0x1001",
      starting_address: "0x000400000000",
      ending_address: "0x00047fffffff",
      partition_width: 1,
    },
  ]);
});

Deno.test("memory_device_mapped_addresses: device, array-mapping handle, range and interleave", () => {
  assertEquals(generated(memoryDeviceMappedAddresses, server), [
    {
      handle: "0x1400",
      memory_device_handle: "0x1100",
      memory_array_mapped_address_handle: "0x1300",
      starting_address: "0x00000000",
      ending_address: "0x01ffffff",
      partition_row_position: 1,
      interleave_position: 1,
      interleave_data_depth: 2,
    },
    {
      handle: "0x1401",
      memory_device_handle: "0x1102",
      memory_array_mapped_address_handle: "0x1301",
      starting_address: "0x000400000000",
      ending_address: "0x00047fffffff",
      partition_row_position: 255,
      interleave_position: 0,
      interleave_data_depth: 0,
    },
  ]);
});

Deno.test("oem_strings: one row per declared string, trimmed; a count past the string set reads empty", () => {
  assertEquals(generated(oemStrings, server), [
    { handle: "0x0b00", number: 1, value: "Dell System" },
    { handle: "0x0b00", number: 2, value: "5[0000]" },
    { handle: "0x0b00", number: 3, value: "" },
    { handle: "0x0b00", number: 4, value: "" },
  ]);
});

Deno.test("smbios memory tables: hosts without SMBIOS give no rows; live queries run", () => {
  for (
    const table of [
      memoryArrays,
      memoryArrayMappedAddresses,
      memoryDevices,
      memoryDeviceMappedAddresses,
      memoryErrorInfo,
      oemStrings,
    ]
  ) {
    assertEquals(generated(table, fixture("broken")), [], table.name);
  }
  const engine = new Engine();
  for (
    const table of [
      "memory_arrays",
      "memory_array_mapped_addresses",
      "memory_devices",
      "memory_device_mapped_addresses",
      "memory_error_info",
      "oem_strings",
    ]
  ) {
    const rows = engine.query(`SELECT * FROM ${table}`);
    assert(Array.isArray(rows));
    for (const row of rows) assert(/^0x[0-9a-f]{4}$/.test(String(row.handle)), `${table} handle ${row.handle}`);
  }
});
