import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { defineFlag } from "../../core/flags/flags.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";

defineFlag({ name: "osq_test_flag", type: "bool", default: false, description: "A flag for this test." });
const engine = new Engine();

Deno.test("osquery_info: one row describing this process", () => {
  const rows = engine.query("select pid, version, platform_mask, watcher, extensions, uuid from osquery_info");
  assertEquals(rows.length, 1);
  assertEquals(rows[0].pid, Deno.pid);
  assertEquals(rows[0].version, OSQUERY_VERSION);
  assertEquals(rows[0].platform_mask, 9);
  assertEquals(rows[0].watcher, -1);
  assertEquals(rows[0].extensions, "inactive");
  assert(/^[0-9A-F-]{36}$/.test(String(rows[0].uuid)), `uuid ${rows[0].uuid}`);
});

Deno.test("osquery_registry: every registered table appears in the table registry, owned by the core", () => {
  const rows = engine.query("select name, owner_uuid, internal, active from osquery_registry where registry = 'table'");
  const names = rows.map((r) => r.name);
  for (const t of ["osquery_info", "osquery_registry", "osquery_flags"]) assert(names.includes(t), t);
  assert(rows.every((r) => r.owner_uuid === 0 && r.internal === 1 && r.active === 1));
});

Deno.test("osquery_flags: declared flags show type, default, current value and shell_only", () => {
  const [row] = engine.query("select * from osquery_flags where name = 'osq_test_flag'");
  assertEquals(row, {
    name: "osq_test_flag",
    type: "bool",
    description: "A flag for this test.",
    default_value: "false",
    value: "false",
    shell_only: 0,
  });
});
