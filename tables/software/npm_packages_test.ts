import { assertEquals } from "../../testing/assert.ts";
import npmPackagesTable from "./npm_packages.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** testdata/software/root holds node_modules under /usr/lib, one of npm_packages' default locations. */
const lib = "/usr/lib";
const nm = `${lib}/node_modules`;
const engine = () => tableEngine([npmPackagesTable], fixtureHost(testdata("software", "root")));

Deno.test("npm_packages: packages, scoped packages and nested node_modules with their depth", () => {
  const e = engine();
  const rows = e.query(
    "select name, version, author, license, homepage, description, path, directory, depth from npm_packages",
  );
  const byPath = new Map(rows.map((r) => [String(r.path).slice(nm.length + 1), r]));
  assertEquals(byPath.get("express/package.json"), {
    name: "express",
    version: "4.18.2",
    author: "TJ Holowaychuk",
    license: "https://opensource.org/licenses/MIT",
    homepage: "http://expressjs.com/",
    description: "Fast, unopinionated, minimalist web framework",
    path: `${nm}/express/package.json`,
    directory: `${lib}/`,
    depth: 0,
  });
  assertEquals(byPath.get("express/node_modules/debug/package.json")?.depth, 1);
  assertEquals(byPath.get("express/node_modules/debug/package.json")?.description, "");
  assertEquals(byPath.get("express/node_modules/debug/package.json")?.author, "TJ Holowaychuk <tj@vision-media.ca>");
  assertEquals(byPath.get("@types/node/package.json")?.name, "@types/node");
  // Broken JSON and directories without a manifest are skipped.
  assertEquals(byPath.has("broken/package.json"), false);
  assertEquals(rows.some((r) => String(r.path).includes("notapkg")), false);
});

Deno.test("npm_packages: a symlink loop in node_modules ends", () => {
  const e = engine();
  const cyc = e.query("select depth from npm_packages where name = 'cyc' order by depth");
  assertEquals(cyc.length <= 3, true);
  assertEquals(cyc[0].depth, 0);
});

Deno.test("npm_packages: max_depth = 0 keeps direct packages only; directory = ... picks the tree", () => {
  const none = tableEngine([npmPackagesTable], fixtureHost("/nonexistent"));
  assertEquals(none.query("select count(*) as n from npm_packages"), [{ n: 0 }]);
  const e = engine();
  const rows = e.query(
    `select name, depth from npm_packages where directory = '${lib}' and max_depth = 0 order by name`,
  );
  assertEquals(rows, [{ name: "@types/node", depth: 0 }, { name: "cyc", depth: 0 }, { name: "express", depth: 0 }]);
});

Deno.test("npm_packages: a default location reads as osquery's glob marks it, with a trailing slash", () => {
  // osquery resolves its default locations with glob(GLOB_MARK): `/usr/lib` is reported as
  // `/usr/lib/`, so a `directory = '/usr/lib/'` filter copied from osquery output must match.
  const e = engine();
  const directories = e.query("select distinct directory from npm_packages");
  assertEquals(directories, [{ directory: `${lib}/` }]);
  const named = e.query(`select name from npm_packages where directory = '${lib}/' and max_depth = 0 order by name`);
  assertEquals(named.map((r) => r.name), ["@types/node", "cyc", "express"]);
  // Paths never double the slash.
  for (const r of e.query("select path from npm_packages")) assertEquals(String(r.path).includes("//"), false);
});
