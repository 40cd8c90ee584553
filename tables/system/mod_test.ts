// Every system table registered by mod.ts runs on the live host and yields values of its declared types.
import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { registry } from "../../core/registry.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

const SYSTEM_TABLES = [
  "time",
  "uptime",
  "system_info",
  "os_version",
  "kernel_info",
  "mounts",
  "cpu_time",
  "cpu_info",
  "memory_info",
  "load_average",
  "system_controls",
  "kernel_modules",
  "cpuid",
  "platform_info",
  "block_devices",
  "usb_devices",
  "pci_devices",
  "disk_encryption",
  "acpi_tables",
  "smbios_tables",
  "memory_map",
  "shared_memory",
  "secureboot",
  "selinux_settings",
  "apparmor_profiles",
  "kernel_keys",
  "systemd_units",
  "startup_items",
];

Deno.test("system tables: all 28 are registered", () => {
  for (const name of SYSTEM_TABLES) assert(registry.table(name) !== undefined, `${name} is not registered`);
  assertEquals(SYSTEM_TABLES.length, 28);
});

Deno.test("system tables: live rows carry values of each column's declared type", () => {
  const engine = new Engine();
  for (const name of SYSTEM_TABLES) {
    const spec = registry.table(name)!;
    const types = new Map(spec.columns.map((c) => [c.name, c.type]));
    for (const row of engine.query(`SELECT * FROM ${name}`)) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null) continue;
        const type = types.get(column);
        const ok = type === "TEXT"
          ? typeof value === "string"
          : type === "DOUBLE"
          ? typeof value === "number"
          : typeof value === "number" || typeof value === "bigint";
        assert(ok, `${name}.${column} (${type}) holds ${typeof value} ${String(value)}`);
      }
    }
  }
});
