/**
 * The .deb and .rpm (scripts/package.ts): built, the .deb installed with dpkg, its shell and unit
 * checked, then removed leaving nothing but config; the .rpm lists the same files.
 *
 * Installing touches the host (/opt/osquery, /usr/bin/osquery{i,d}, the unit), so it runs only as
 * root with dpkg, rpmbuild and systemd-analyze present and no osquery package installed;
 * otherwise it is skipped, saying why.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { buildPackages, packageLayout } from "./package.ts";

const decoder = new TextDecoder();

function has(program: string, args = ["--version"]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function installed(pkg: string): boolean {
  try {
    const out = new Deno.Command("dpkg-query", { args: ["-W", "-f=${Status}", pkg], stdout: "piped", stderr: "null" })
      .outputSync();
    return out.success && decoder.decode(out.stdout).includes("install ok installed");
  } catch {
    return false;
  }
}

function why(): string | undefined {
  if (Deno.uid() !== 0) return "installing a package needs root";
  for (const tool of ["dpkg", "dpkg-deb", "rpmbuild", "rpm", "systemd-analyze"]) {
    if (!has(tool)) return `${tool} is missing (apt-get install dpkg-dev rpm systemd)`;
  }
  if (installed("osquery")) return "the osquery package is installed (osq's packages conflict with it)";
  return undefined;
}

const skipReason = why();
if (skipReason) console.warn(`scripts/package_test.ts skipped: ${skipReason}`);

function exec(program: string, args: string[]): { code: number; out: string; err: string } {
  const o = new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).outputSync();
  return { code: o.code, out: decoder.decode(o.stdout), err: decoder.decode(o.stderr) };
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "packages: the .deb installs osqueryi and a unit systemd accepts, and dpkg -r leaves only config; the .rpm lists the same files",
  ignore: skipReason !== undefined,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "osq_pkg_test_" });
    try {
      const { deb, rpm } = await buildPackages(out);
      const layout = packageLayout("unused").map((e) => e.path).sort();

      // The .deb's entries (without the parent directories tar lists) and the .rpm's are the layout.
      const debList = exec("dpkg-deb", ["-c", deb]).out.split("\n").filter(Boolean)
        .map((line) => line.split(/\s+/)[5].replace(/^\./, "").replace(/\/$/, ""))
        .filter((p) => layout.includes(p)).sort();
      assertEquals(debList, layout);
      const rpmList = exec("rpm", ["-qlp", rpm]).out.split("\n").filter(Boolean).sort();
      assertEquals(rpmList, layout);

      // The relations in the built packages: core libraries required, table libraries optional.
      const debFields = exec("dpkg-deb", ["-f", deb, "Depends", "Recommends", "Suggests"]).out;
      for (const p of ["libssl3", "libsystemd0", "libpcre2-8-0", "libsqlite3-0", "libmagic1", "librdkafka1"]) {
        assert(debFields.includes(p), `the .deb does not name ${p}:\n${debFields}`);
      }
      const rpmRequires = exec("rpm", ["-qp", "--requires", rpm]).out;
      for (const p of ["openssl-libs", "systemd-libs", "pcre2", "sqlite-libs"]) {
        assert(rpmRequires.includes(p), `the .rpm does not require ${p}:\n${rpmRequires}`);
      }
      assert(exec("rpm", ["-qp", "--recommends", rpm]).out.includes("file-libs"), "the .rpm recommends file-libs");

      const install = exec("dpkg", ["-i", deb]);
      assertEquals(install.code, 0, install.err + install.out);
      try {
        const shell = exec("/usr/bin/osqueryi", ["--json", "select version from osquery_info"]);
        assertEquals(shell.code, 0, shell.err);
        const rows = JSON.parse(shell.out) as { version: string }[];
        assertEquals(rows.length, 1);
        assert(/^\d+\.\d+\.\d+$/.test(rows[0].version), shell.out);
        const verify = exec("systemd-analyze", ["verify", "/usr/lib/systemd/system/osqueryd.service"]);
        assertEquals(verify.code, 0, verify.err + verify.out);
        assertEquals(verify.err.trim(), "", "systemd-analyze verify reports no problem");
      } finally {
        const remove = exec("dpkg", ["-r", "osq"]);
        assertEquals(remove.code, 0, remove.err + remove.out);
      }
      // Nothing but config survives a remove: every installed path is gone (empty /etc/osquery too),
      // and the runtime the executable unpacked for root.
      const left = layout.filter((p) => !p.startsWith("/etc/") && exists(p));
      assertEquals(left, []);
      assert(!exists("/var/cache/osquery"), "/var/cache/osquery is removed with the package");
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
