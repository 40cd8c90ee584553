import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import osVersion from "./os_version.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("os_version: os-release fields fill name, version numbers, platform and codename", () => {
  const [row] = generated(osVersion, fixture("host_a"));
  assertEquals(row.name, "Ubuntu");
  assertEquals(row.version, "22.04.3 LTS (Jammy Jellyfish)");
  assertEquals([row.major, row.minor, row.patch], ["22", "04", "3"]);
  assertEquals(row.platform, "ubuntu");
  assertEquals(row.platform_like, "debian");
  assertEquals(row.codename, "jammy");
  assertEquals(row.arch, Deno.build.arch);
  assertEquals([row.pid_with_namespace, row.mount_namespace_id], [0, undefined]);
});

Deno.test("os_version: a Red Hat release file overrides os-release", () => {
  const [row] = generated(osVersion, fixture("rhel6"));
  assertEquals(row.name, "CentOS");
  assertEquals([row.major, row.minor, row.patch], ["6", "10", "0"]);
  assertEquals(row.platform, "rhel");
  assertEquals(row.platform_like, "rhel");
  assertEquals(row.version, "CentOS release 6.10 (Final)");
});

Deno.test("os_version: garbage or missing files keep osquery's defaults", () => {
  for (const root of [fixture("broken"), fixture("does-not-exist")]) {
    const [row] = generated(osVersion, root);
    assertEquals(row.name, "Unknown");
    assertEquals(row.platform, "posix");
    assertEquals([row.major, row.minor, row.patch], [0, 0, 0]);
  }
});

Deno.test("os_version: the live host has a name and a major version", () => {
  const [row] = new Engine().query("SELECT * FROM os_version");
  assert(typeof row.name === "string" && row.name.length > 0 && row.name !== "Unknown");
  assertEquals(row.arch, Deno.build.arch);
});

Deno.test("os_version: pid_with_namespace reads that process's mount namespace", () => {
  const rows = new Engine().query(
    `SELECT name, pid_with_namespace, mount_namespace_id FROM os_version WHERE pid_with_namespace = ${Deno.pid}`,
  );
  assertEquals(rows.length, 1);
  assertEquals(rows[0].pid_with_namespace, Deno.pid);
  assert(/^\d+$/.test(String(rows[0].mount_namespace_id)));
});
