import { OSQUERY_PLATFORM_TABLES } from "./osquery_platform_tables_data.ts";
import { platformEngine, SchemaOnlyTableError } from "./osquery_tables.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";

Deno.test("platform schemas: the lint's module holds the darwin and windows schemas generated into testdata", () => {
  const reference = JSON.parse(
    Deno.readTextFileSync(new URL("../../testdata/reference/osquery_platform_tables.json", import.meta.url)),
  ) as { platforms: Record<string, unknown> };
  assertEquals(JSON.parse(JSON.stringify(OSQUERY_PLATFORM_TABLES)), reference.platforms);
  assert(OSQUERY_PLATFORM_TABLES.darwin.length > 150 && OSQUERY_PLATFORM_TABLES.windows.length > 100);
});

Deno.test("platform schemas: queries prepare against a platform's tables, which never run", () => {
  const darwin = platformEngine("darwin");
  assertEquals(darwin.columns("select name, program from launchd").map((c) => c.name), ["name", "program"]);
  assertThrows(() => darwin.columns("select * from deb_packages"), Error, "no such table");
  assertThrows(() => darwin.query("select name from launchd"), Error, "schema for checking queries");
  const windows = platformEngine("windows");
  assertEquals(windows.columns("select key, name from registry where key = 'HKEY_LOCAL_MACHINE'").length, 2);
  assert(new SchemaOnlyTableError("windows", "registry").message.includes("registry"));
});
