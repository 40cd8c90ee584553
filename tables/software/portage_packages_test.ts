import { assertEquals } from "../../testing/assert.ts";
import portagePackagesTable, { splitPortageAtom } from "./portage_packages.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const ROOT = testdata("software", "root");

/** A copy of the fixture's Portage database and world file, without the parts `leave` names. */
function partialRoot(leave: "world" | "db"): string {
  const dir = Deno.makeTempDirSync();
  if (leave !== "db") {
    Deno.mkdirSync(`${dir}/var/db/pkg/app-misc/x-1.0`, { recursive: true });
  }
  if (leave !== "world") {
    Deno.mkdirSync(`${dir}/var/lib/portage`, { recursive: true });
    Deno.copyFileSync(`${ROOT}/var/lib/portage/world`, `${dir}/var/lib/portage/world`);
  }
  return dir;
}

Deno.test("portage_packages: each package directory is a row with its metadata files", () => {
  const e = tableEngine([portagePackagesTable], fixtureHost(ROOT));
  assertEquals(e.query("select * from portage_packages order by package"), [
    {
      package: "app-misc/broken",
      version: "",
      slot: "",
      build_time: null,
      repository: "",
      eapi: null,
      size: null,
      world: 0,
    },
    {
      package: "dev-lang/python",
      version: "3.11.8-r1",
      slot: "3.11",
      build_time: 1700000000,
      repository: "gentoo",
      eapi: 8,
      size: 123456,
      world: 1,
    },
    {
      package: "sys-apps/portage",
      version: "3.0.63",
      slot: "0",
      build_time: null,
      repository: "gentoo",
      eapi: 8,
      size: null,
      world: 0,
    },
  ]);
});

Deno.test("portage_packages: no world file or no database means zero rows", () => {
  for (const leave of ["world", "db"] as const) {
    const dir = partialRoot(leave);
    try {
      assertEquals(tableEngine([portagePackagesTable], fixtureHost(dir)).query("select * from portage_packages"), []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  }
});

Deno.test("portage_packages: atoms split into package and version, keeping comparison operators", () => {
  assertEquals(splitPortageAtom("dev-lang/python-3.11.8-r1"), { package: "dev-lang/python", version: "3.11.8-r1" });
  assertEquals(splitPortageAtom(">=sys-apps/baselayout-2"), { package: "sys-apps/baselayout", version: ">=2" });
  assertEquals(splitPortageAtom("=app-misc/foo-1.0"), { package: "app-misc/foo", version: "1.0" });
  assertEquals(splitPortageAtom("app-misc/foo-bar"), { package: "app-misc/foo-bar", version: "" });
});
