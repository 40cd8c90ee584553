import { assert, assertEquals } from "../../testing/assert.ts";
import { CancelAfter } from "../../testing/cancel_after.ts";
import { QueryContext } from "../../core/table.ts";
import debPackageFilesTable from "./deb_package_files.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** testdata/software/root: dpkg's database at /var/lib/dpkg. */
const host = fixtureHost(testdata("software", "root"));
const admindir = "/var/lib/dpkg";
const engine = () => tableEngine([debPackageFilesTable], host);

Deno.test("deb_package_files: lists the paths of packages in the status database, skipping blank lines", () => {
  const e = engine();
  const rows = e.query("select package, path from deb_package_files where package = 'bash'");
  assertEquals(rows.map((r) => r.path), [
    "/.",
    "/bin",
    "/bin/bash",
    "/usr/share/doc/bash",
    "/usr/share/doc/bash/copyright",
  ]);
  const all = e.query("select distinct package from deb_package_files order by package");
  // not-in-status.list has no package in the database and is only read when asked for by name.
  assertEquals(all.map((r) => r.package), ["bash", "bsdutils", "libc6", "odd-priority"]);
});

Deno.test("deb_package_files: Multi-Arch lists (<name>:<arch>.list) are reported under the package name", () => {
  const e = engine();
  const rows = e.query("select path, admindir from deb_package_files where package = 'libc6'");
  assertEquals(rows.map((r) => r.path), [
    "/.",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/share/doc/libc6",
    "/.",
    "/lib/i386-linux-gnu/libc.so.6",
  ]);
  assert(rows.every((r) => r.admindir === admindir));
});

Deno.test("deb_package_files: a package constraint reads its list directly; unknown and path-like names give nothing", () => {
  const e = engine();
  assertEquals(e.query("select path from deb_package_files where package = 'not-in-status'"), [{
    path: "/usr/bin/orphan",
  }]);
  assertEquals(e.query("select path from deb_package_files where package in ('nothing', '../dpkg/info/bash')"), []);
  assertEquals(e.query("select path from deb_package_files where package = 'odd-priority'").map((r) => r.path), [
    "/etc/odd",
    "/usr/bin/odd",
  ]);
});

Deno.test("deb_package_files: admindir constraint selects databases; a missing one gives no rows", () => {
  const e = engine();
  const rows = e.query(`select count(*) as n from deb_package_files where admindir = '${admindir}'`);
  assertEquals(rows, [{ n: 15 }]);
  assertEquals(e.query("select * from deb_package_files where admindir = '/nonexistent/dpkg'"), []);
});

Deno.test("deb_package_files: the live dpkg database lists dpkg's own files", () => {
  let live = false;
  try {
    live = Deno.statSync("/var/lib/dpkg/info/dpkg.list").isFile;
  } catch { /* not a dpkg host */ }
  const rows = tableEngine([debPackageFilesTable]).query(
    "select path, admindir from deb_package_files where package = 'dpkg'",
  );
  if (!live) {
    assertEquals(rows, []);
    return;
  }
  assert(rows.some((r) => typeof r.path === "string" && r.path.endsWith("/dpkg-query")), "dpkg-query is listed");
  assert(rows.every((r) => r.admindir === "/var/lib/dpkg"));
});

Deno.test("deb_package_files: an interrupted query stops between packages", () => {
  const packages = (ctx: QueryContext) => {
    ctx.host = host;
    return new Set([...debPackageFilesTable.generate(ctx)].map((r) => r.package));
  };
  assertEquals(packages(new QueryContext("deb_package_files")).size, 4);
  const ctx = new CancelAfter("deb_package_files", 2);
  assertEquals([...packages(ctx)], ["bash", "bsdutils"], "only the packages read before the interrupt");
  assertEquals(ctx.polls, 3);
});
