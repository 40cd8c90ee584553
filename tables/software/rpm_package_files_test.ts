import { assert, assertEquals } from "../../testing/assert.ts";
import rpmPackageFilesTable, { readRpmPackageFiles } from "./rpm_package_files.ts";
import { octalMode } from "../../core/host/statx.ts";
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

const hello = {
  package: "osq-fixture",
  path: "/usr/share/osq-fixture/hello.txt",
  username: "root",
  groupname: "root",
  mode: "0644",
  size: 6,
  sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
};

Deno.test("rpm_package_files: each packaged file with owner, mode, size and SHA-256; packages without files add none", () => {
  const e = tableEngine([rpmPackageFilesTable], fixtureHost(fixtureRoot()));
  assertEquals(e.query("select * from rpm_package_files"), [hello]);
});

Deno.test("rpm_package_files: package and path constraints narrow the rows", () => {
  const e = tableEngine([rpmPackageFilesTable], fixtureHost(fixtureRoot()));
  assertEquals(e.query("select path from rpm_package_files where package = 'osq-fixture'"), [{ path: hello.path }]);
  assertEquals(e.query("select path from rpm_package_files where package in ('osq-plain', 'absent')"), []);
  assertEquals(e.query(`select size from rpm_package_files where path = '${hello.path}'`), [{ size: 6 }]);
  assertEquals(e.query("select size from rpm_package_files where path = '/nope'"), []);
});

Deno.test("rpm_package_files: a query without sha256 still reads mode and owner", () => {
  const e = tableEngine([rpmPackageFilesTable], fixtureHost(fixtureRoot()));
  assertEquals(e.query("select mode, username from rpm_package_files"), [{ mode: "0644", username: "root" }]);
});

Deno.test("rpm_package_files: no RPM database means no rows (librpm not needed)", () => {
  const e = tableEngine([rpmPackageFilesTable], fixtureHost("/nonexistent"));
  assertEquals(e.query("select * from rpm_package_files"), []);
  assertEquals(octalMode(0o104755), "4755");
});

Deno.test("rpm_package_files: an interrupted read stops at the next package header", () => {
  const root = fixtureRoot();
  const db = "/var/lib/rpm";
  let polls = 0;
  assertEquals(readRpmPackageFiles(db, root, [], true, () => (polls++, false)), [hello]);
  assert(polls >= 2, `the fixture has two packages: ${polls} polls`);
  polls = 0;
  assertEquals(readRpmPackageFiles(db, root, [], true, () => (polls++, true)), []);
  assertEquals(polls, 1, "no header read after the interrupt");
  const e = tableEngine([rpmPackageFilesTable], fixtureHost(root));
  assertEquals(e.query("select count(*) as n from rpm_package_files"), [{ n: 1 }]);
});
