/**
 * deb_package_files against the native tool, side by side in one `deno bench` group:
 *
 *   deno bench -A tables/software/deb_package_files_bench.ts
 *
 * `SELECT * FROM deb_package_files` (status database plus every info/*.list, rows through SQLite) against
 * `dpkg-query -L <every installed package>` (libdpkg in C, spawned as a user would run it); and the one-package
 * lookup (`package = 'dpkg'`) against `dpkg-query -L dpkg`. Skipped where dpkg is absent.
 *
 * @module
 */
import { tableEngine } from "../../testing/table_engine.ts";
import debPackageFilesTable from "./deb_package_files.ts";
import { DEFAULT_ADMINDIR, readDpkgDatabase } from "./deb_packages.ts";

const packages = readDpkgDatabase(DEFAULT_ADMINDIR);
const engine = tableEngine([debPackageFilesTable]);
const names = [...new Set((packages ?? []).map((p) => p.name))];
const ignore = packages === undefined;

function dpkgQuery(args: string[]): number {
  const out = new Deno.Command("dpkg-query", { args: ["-L", ...args], stdout: "piped", stderr: "null" }).outputSync();
  let lines = 0;
  for (const byte of out.stdout) if (byte === 10) lines++;
  return lines;
}

Deno.bench({ name: "osq: SELECT * FROM deb_package_files", group: "all", baseline: true, ignore }, () => {
  engine.query("SELECT * FROM deb_package_files");
});
Deno.bench({ name: "dpkg-query -L <all packages>", group: "all", ignore }, () => {
  dpkgQuery(names);
});
// The table's own cost (reading and handing rows to SQLite) without building a JavaScript object per row.
Deno.bench({ name: "osq: SELECT count(*) FROM deb_package_files", group: "all", ignore }, () => {
  engine.query("SELECT count(*) FROM deb_package_files");
});
Deno.bench({ name: "osq: deb_package_files WHERE package = 'dpkg'", group: "one", baseline: true, ignore }, () => {
  engine.query("SELECT * FROM deb_package_files WHERE package = 'dpkg'");
});
Deno.bench({ name: "dpkg-query -L dpkg", group: "one", ignore }, () => {
  dpkgQuery(["dpkg"]);
});
