import { assert, assertEquals } from "../../testing/assert.ts";
import debPackagesTable, { splitDebianVersion } from "./deb_packages.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** testdata/software/root: dpkg's database at /var/lib/dpkg, a truncated one at /srv/dpkg-truncated. */
const ROOT = testdata("software", "root");
const admindir = "/var/lib/dpkg";
const truncated = "/srv/dpkg-truncated";
const engine = () => tableEngine([debPackagesTable], fixtureHost(ROOT));

Deno.test("deb_packages: reports every state but not-installed, with dpkg's status words", () => {
  const e = engine();
  const rows = e.query("select name, arch, status from deb_packages order by name, arch");
  assertEquals(rows, [
    { name: "bash", arch: "amd64", status: "install ok installed" },
    { name: "bsdutils", arch: "amd64", status: "install ok installed" },
    { name: "libc6", arch: "amd64", status: "install ok installed" },
    { name: "libc6", arch: "i386", status: "install ok installed" },
    { name: "lowercase-fields", arch: "all", status: "hold reinstreq half-installed" },
    { name: "odd-priority", arch: "amd64", status: "install ok installed" },
    { name: "oldconf", arch: "all", status: "deinstall ok config-files" },
  ]);
});

Deno.test("deb_packages: columns carry version, revision, source, size, maintainer, section, priority", () => {
  const e = engine();
  const [libc] = e.query("select * from deb_packages where name = 'libc6' and arch = 'amd64'");
  assertEquals(libc, {
    name: "libc6",
    version: "2.36-9+deb12u4",
    source: "glibc",
    size: 12988,
    arch: "amd64",
    revision: "9+deb12u4",
    status: "install ok installed",
    maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
    section: "libs",
    priority: "optional",
    admindir,
  });
  const [bsd] = e.query("select version, revision, source from deb_packages where name = 'bsdutils'");
  assertEquals(bsd, { version: "1:2.38.1-5+b1", revision: "5+b1", source: "util-linux (2.38.1-5)" });
  const [bash] = e.query("select source, priority from deb_packages where name = 'bash'");
  assertEquals(bash, { source: "", priority: "required" });
});

Deno.test("deb_packages: field names are case-insensitive and priorities are normalised like dpkg", () => {
  const e = engine();
  const [lower] = e.query("select version, revision, priority from deb_packages where name = 'lowercase-fields'");
  assertEquals(lower, { version: "3.0-1-2", revision: "2", priority: "important" });
  const [odd] = e.query("select priority from deb_packages where name = 'odd-priority'");
  assertEquals(odd.priority, "source");
});

Deno.test("deb_packages: journal entries in updates/ replace the status file's stanza", () => {
  const e = engine();
  const [odd] = e.query("select version, status from deb_packages where name = 'odd-priority'");
  assertEquals(odd, { version: "2.0~rc2", status: "install ok installed" });
});

Deno.test("deb_packages: a truncated status file yields its complete stanzas only", () => {
  const e = engine();
  assertEquals(e.query(`select name, version, revision from deb_packages where admindir = '${truncated}'`), [
    { name: "partial", version: "1.0-1", revision: "1" },
  ]);
});

Deno.test("deb_packages: admindir = ... scans those databases; a missing one yields nothing", () => {
  assertEquals(
    tableEngine([debPackagesTable], fixtureHost("/nonexistent")).query("select count(*) as n from deb_packages"),
    [{ n: 0 }],
  );
  const e = engine();
  const dirs = [admindir, truncated, "/nonexistent/dpkg"];
  const rows = e.query(
    `select admindir, count(*) as n from deb_packages where admindir in (${
      dirs.map((d) => `'${d}'`).join(",")
    }) group by admindir order by n`,
  );
  assertEquals(rows, [{ admindir: truncated, n: 1 }, { admindir, n: 7 }]);
});

Deno.test("deb_packages: pid_with_namespace reads the database through that process's root", () => {
  // A fixture process 77 whose root (proc/77/root) is a link to the fixture's own root.
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/proc/77/ns`, { recursive: true });
  Deno.symlinkSync("mnt:[4026532077]", `${dir}/proc/77/ns/mnt`);
  Deno.symlinkSync(ROOT, `${dir}/proc/77/root`);
  const e = tableEngine([debPackagesTable], fixtureHost(dir));
  const rows = e.query(
    "select name, pid_with_namespace, mount_namespace_id from deb_packages where pid_with_namespace = 77",
  );
  Deno.removeSync(dir, { recursive: true });
  assertEquals(rows.length, 7);
  assertEquals(rows[0].pid_with_namespace, 77);
  assertEquals(rows[0].mount_namespace_id, "4026532077");
  assertEquals(e.query("select count(*) as n from deb_packages"), [{ n: 0 }]);
});

Deno.test("deb_packages: splitDebianVersion keeps non-zero epochs and splits at the last hyphen", () => {
  assertEquals(splitDebianVersion("1:2.0-3-4"), { version: "1:2.0-3-4", revision: "4" });
  assertEquals(splitDebianVersion("0:2.0"), { version: "2.0", revision: "" });
  assertEquals(splitDebianVersion("x:1"), undefined);
  assertEquals(splitDebianVersion(""), undefined);
});

Deno.test("deb_packages: the live host's database parses (zero rows where dpkg is absent)", () => {
  const rows = tableEngine([debPackagesTable]).query("select name, status from deb_packages");
  for (const r of rows) assert(!String(r.status).endsWith("not-installed"));
});
