import {
  linuxSpecFiles,
  parseTableSpec,
  platformAllowsLinux,
  SpecSyntaxError,
  tablesReferenced,
  versionAllows,
} from "./gen_reference.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";

const SPEC = `
table_name("demo_events", aliases=["demo"])
description("A demo table.")
schema([
    Column("path", TEXT, "Path", required=True, index=True, optimized=True),
    Column("time", BIGINT, "Time", additional=True),
    Column("eid", TEXT, "Event ID", hidden=True),
    Column("when", DATETIME, "When" "ever", collate="nocase", aliases=["at"]),
    ForeignKey(column="uid", table="users"),
])
extended_schema(DARWIN, [
    Column("mac_only", INTEGER, "Only on macOS"),
])
extended_schema(LINUX + WINDOWS, [
    Column("linux_too", INTEGER, "Linux and Windows"),
])
attributes(event_subscriber=True, cacheable=False)
implementation("demo@demo::genTable")
examples([
  '''select *
     from demo_events''',
])
`;

Deno.test("gen_reference: a spec's columns keep order, options, and hide other platforms' columns on Linux", () => {
  const table = parseTableSpec("demo.table", SPEC, { folder: "linux", buildCondition: null });
  assertEquals(table, {
    name: "demo_events",
    folder: "linux",
    aliases: ["demo"],
    attributes: { event_subscriber: true },
    event_table: true,
    utility_table: false,
    build_condition: null,
    osquery_source: "demo@demo::genTable",
    columns: [
      { name: "path", type: "TEXT", required: true, index: true, optimized: true },
      { name: "time", type: "BIGINT", additional: true },
      { name: "eid", type: "TEXT", hidden: true, hidden_on_linux: true },
      { name: "when", type: "DATETIME", collate: "nocase", aliases: ["at"] },
      { name: "mac_only", type: "INTEGER", hidden_on_linux: true },
      { name: "linux_too", type: "INTEGER" },
    ],
  });
});

Deno.test("gen_reference: a spec it cannot read is an error naming the file and line", () => {
  const err = assertThrows(
    () =>
      parseTableSpec("bad.table", 'table_name("x")\nschema([Column("a", TEXT, "A") $ ])', {
        folder: "",
        buildCondition: null,
      }),
    SpecSyntaxError,
  );
  assertEquals(err.message.startsWith("bad.table:2: unexpected character"), true, err.message);
});

Deno.test("gen_reference: Linux specs come from CMake lists with the condition they are built under", () => {
  const cmake = `
function(generateNativeTables)
  set(platform_independent_spec_files
    carves.table
    utility/file.table
  )
  if(TARGET_PROCESSOR STREQUAL "x86_64")
    list(APPEND platform_independent_spec_files cpuid.table)
  endif()
  set(platform_dependent_spec_files
    "arp_cache.table:linux,macos,windows"
    "darwin/apps.table:macos"
    "linux/shadow.table:linux"
  )
  if(OSQUERY_BUILD_DPKG)
    list(APPEND platform_dependent_spec_files
      "linux/deb_packages.table:linux"
    )
  endif()
endfunction()`;
  assertEquals(linuxSpecFiles(cmake), [
    { path: "carves.table", buildCondition: null },
    { path: "utility/file.table", buildCondition: null },
    { path: "cpuid.table", buildCondition: "TARGET_PROCESSOR == x86_64" },
    { path: "arp_cache.table", buildCondition: null },
    { path: "linux/shadow.table", buildCondition: null },
    { path: "linux/deb_packages.table", buildCondition: "OSQUERY_BUILD_DPKG" },
  ]);
});

Deno.test("gen_reference: pack platforms and versions decide whether osquery schedules a query on Linux", () => {
  for (const p of [null, "", "posix", "linux", "ubuntu", "centos", "all", "any", "darwin,linux"]) {
    assertEquals(platformAllowsLinux(p), true, String(p));
  }
  for (const p of ["darwin", "windows", "windows,darwin", "gentoo"]) assertEquals(platformAllowsLinux(p), false, p);
  assertEquals(versionAllows("2.11.0", "5.23.0"), true);
  assertEquals(versionAllows("5.23.1", "5.23.0"), false);
  assertEquals(versionAllows(null, "5.23.0"), true);
});

Deno.test("gen_reference: the tables a query reads include FROM lists, joins and subqueries, not aliases or CTEs", () => {
  const known = new Set(["processes", "users", "plist", "file", "hash", "apps", "time", "osquery_info"]);
  assertEquals(tablesReferenced("select * from time, osquery_info;", known), ["osquery_info", "time"]);
  assertEquals(
    tablesReferenced(
      "select username from plist p, (select * from users where directory like '/Users/%') u where p.path = u.directory",
      known,
    ),
    ["plist", "users"],
  );
  assertEquals(
    tablesReferenced("select * from (select file.path from apps, file where 1) join hash using (path)", known),
    ["apps", "file", "hash"],
  );
  assertEquals(
    tablesReferenced("with p as (select * from processes) select * from p where name = 'from users'", known),
    ["processes"],
  );
  assertEquals(tablesReferenced("select * from users join opera_extensions using (uid)", known), ["users"]);
});
