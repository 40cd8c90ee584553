import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { TableError } from "../../core/table.ts";
import rpmPackagesTable, { hasRpmDatabase, openRpmLibraries } from "./rpm_packages.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** A fixture root holding a private copy of the fixture database: librpm may leave lock files beside it. */
const fixtureRoots: string[] = [];
Deno.test.afterAll(() => {
  for (const dir of fixtureRoots) Deno.removeSync(dir, { recursive: true });
});

function fixtureRoot(): string {
  const dir = Deno.makeTempDirSync({ prefix: "osq-rpmdb-" });
  fixtureRoots.push(dir);
  Deno.mkdirSync(`${dir}/var/lib/rpm`, { recursive: true });
  Deno.copyFileSync(
    testdata("software", "root", "var", "lib", "rpm", "rpmdb.sqlite"),
    `${dir}/var/lib/rpm/rpmdb.sqlite`,
  );
  return dir;
}

Deno.test("rpm_packages: reads name, version, release, epoch, vendor, group and sizes from an rpmdb", () => {
  const e = tableEngine([rpmPackagesTable], fixtureHost(fixtureRoot()));
  const rows = e.query("select * from rpm_packages order by name");
  assertEquals(rows.length, 2);
  const [fixturePkg, plain] = rows;
  assertEquals({ ...fixturePkg, install_time: typeof fixturePkg.install_time }, {
    name: "osq-fixture",
    version: "1.2.3",
    release: "4.el9",
    source: "osq-fixture-1.2.3-4.el9.src.rpm",
    size: 6,
    sha1: "d716c1d620403295319a1add777f6040a1f2dfe5",
    arch: "noarch",
    epoch: 2,
    install_time: "number",
    vendor: "osq fixtures",
    package_group: "Applications/System",
  });
  assertEquals(
    { epoch: plain.epoch, vendor: plain.vendor, package_group: plain.package_group, size: plain.size },
    { epoch: null, vendor: "", package_group: "Unspecified", size: 0 },
  );
});

Deno.test("rpm_packages: name = ... and IN (...) use the Name index", () => {
  const e = tableEngine([rpmPackagesTable], fixtureHost(fixtureRoot()));
  assertEquals(e.query("select name from rpm_packages where name = 'osq-plain'"), [{ name: "osq-plain" }]);
  assertEquals(
    e.query("select name from rpm_packages where name in ('osq-plain', 'osq-fixture', 'absent') order by name"),
    [{ name: "osq-fixture" }, { name: "osq-plain" }],
  );
  assertEquals(e.query("select name from rpm_packages where name = 'absent'"), []);
});

Deno.test("rpm_packages: a host without an RPM database returns zero rows", () => {
  const e = tableEngine([rpmPackagesTable], fixtureHost("/nonexistent"));
  assertEquals(e.query("select * from rpm_packages"), []);
  assertEquals(hasRpmDatabase("/nonexistent/rpm"), false);
  // The live host: zero rows on Debian, real packages on RPM systems; never an error.
  tableEngine([rpmPackagesTable]).query("select * from rpm_packages");
});

Deno.test("rpm_packages: a missing librpm is a TableError naming the package to install", () => {
  assertThrows(() => openRpmLibraries("libosq-no-such-rpm.so.9", "libosq-no-such-rpmio.so.9"), TableError, "librpm9");
});
