import { assertEquals } from "../../testing/assert.ts";
import pythonPackagesTable from "./python_packages.ts";
import usersTable from "../users/users.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const site = "/usr/lib/python3.11/dist-packages";
/** testdata/software/root as the user `uid` (root, alice 1000, bob 1001, olivia 1002). */
const host = (uid = 0) => fixtureHost(testdata("software", "root"), { uid });

Deno.test("python_packages: dist-info METADATA and egg-info PKG-INFO of system sites are rows with uid 0", () => {
  const e = tableEngine([pythonPackagesTable], host());
  const rows = e.query(
    "select name, uid, version, summary, author, license, path, directory from python_packages order by name",
  );
  assertEquals(rows, [
    {
      name: "latin\ufffd",
      uid: 0,
      version: "0.1",
      summary: "",
      author: "",
      license: "",
      path: `${site}/latin1-0.1.dist-info`,
      directory: `${site}/`,
    },
    {
      name: "requests",
      uid: 0,
      version: "2.31.0",
      summary: "Python HTTP for Humans.",
      author: "Kenneth Reitz",
      license: "Apache 2.0",
      path: `${site}/requests-2.31.0.dist-info`,
      directory: `${site}/`,
    },
    {
      name: "six",
      uid: 0,
      version: "1.16.0",
      summary: "Python 2 and 3 compatibility utilities",
      author: "Benjamin Peterson",
      license: "MIT",
      path: `${site}/six-1.16.0.egg-info`,
      directory: `${site}/`,
    },
  ]);
});

Deno.test("python_packages: without a uid constraint only the current user's environments are added", () => {
  const e = tableEngine([pythonPackagesTable], host(1000));
  const rows = e.query("select name, uid from python_packages where uid != 0 order by name");
  assertEquals(rows, [{ name: "bar", uid: 1000 }, { name: "foo", uid: 1000 }]);
});

Deno.test("python_packages: users CROSS JOIN python_packages USING (uid) scans each user's home", () => {
  const e = tableEngine([pythonPackagesTable, usersTable], host());
  const rows = e.query(
    "select u.username, p.name, p.directory from users u cross join python_packages p using (uid) order by p.name",
  );
  assertEquals(rows.map((r) => [r.username, r.name]), [
    ["alice", "bar"],
    ["bob", "baz"],
    ["alice", "foo"],
    ["root", "latin\ufffd"],
    ["root", "requests"],
    ["root", "six"],
  ]);
  assertEquals(
    rows.find((r) => r.name === "baz")!.directory,
    "/home/bob/.virtualenvs/proj/lib/python3.10/site-packages/",
  );
});

Deno.test("python_packages: directory = ... scans only that directory", () => {
  const e = tableEngine([pythonPackagesTable], host(1000));
  const dir = "/home/bob/.virtualenvs/proj/lib/python3.10/site-packages";
  assertEquals(e.query(`select name, uid from python_packages where directory = '${dir}'`), [{ name: "baz", uid: 0 }]);
  assertEquals(e.query("select name from python_packages where directory = '/nonexistent'"), []);
});

Deno.test("python_packages: site directories found by pattern carry osquery's trailing slash", () => {
  // osquery's glob(GLOB_MARK) reports `/usr/lib/python3/dist-packages/`; the same filter must match here.
  const e = tableEngine([pythonPackagesTable], host());
  const rows = e.query(`select name, path from python_packages where directory = '${site}/' order by name`);
  assertEquals(rows.map((r) => r.name), ["latin\ufffd", "requests", "six"]);
  assertEquals(rows[1].path, `${site}/requests-2.31.0.dist-info`);
  // A directory named without the slash is scanned and reported as written.
  assertEquals(e.query(`select distinct directory from python_packages where directory = '${site}'`), [{
    directory: site,
  }]);
});

Deno.test("python_packages: ~/.local packages carry osquery's directory, the lib/python3.X/ it globbed", () => {
  // osquery globs ~/.local/lib/python%/ and lists it recursively, so foo (in site-packages below
  // it) is reported under /home/alice/.local/lib/python3.11/.
  const e = tableEngine([pythonPackagesTable], host(1000));
  assertEquals(e.query("select directory, path from python_packages where name = 'foo'"), [{
    directory: "/home/alice/.local/lib/python3.11/",
    path: "/home/alice/.local/lib/python3.11/site-packages/foo-1.0.dist-info",
  }]);
});
