// Tests for augeas over testdata/system/augeas: a fixture root (etc/osqtest.conf, etc/osqtest.d, etc/hosts)
// read with the fixture lens (lenses/osqtest.aug), and with Debian's hosts lens when augeas-lenses is installed.
import { Engine } from "../../core/engine.ts";
import { TableError } from "../../core/table.ts";
import { flags } from "../../core/flags/flags.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { fixtureHost, tableEngine } from "../../testing/table_engine.ts";
import augeas, { augeasLibrary, patternsFor } from "./augeas.ts";
import { fixture } from "./system_test_helpers.ts";

const root = `${fixture("augeas")}/root`;
const lenses = `${fixture("augeas")}/lenses`;

/** An engine serving augeas on the fixture root, with --augeas_lenses set to `lensDir`. */
function engine(lensDir = lenses): Engine {
  flags.set("augeas_lenses", lensDir);
  return tableEngine([augeas], fixtureHost(root));
}

Deno.test("augeas: path = file gives the file's node and its whole subtree, with values and labels", () => {
  const rows = engine().query("SELECT node, value, label, path FROM augeas WHERE path = '/etc/osqtest.conf'");
  assertEquals(rows, [
    { node: "/files/etc/osqtest.conf", value: "", label: "osqtest.conf", path: "/etc/osqtest.conf" },
    {
      node: "/files/etc/osqtest.conf/#comment",
      value: "osq test configuration",
      label: "#comment",
      path: "/etc/osqtest.conf",
    },
    { node: "/files/etc/osqtest.conf/listen", value: "127.0.0.1:8080", label: "listen", path: "/etc/osqtest.conf" },
    { node: "/files/etc/osqtest.conf/log.level", value: "debug", label: "log.level", path: "/etc/osqtest.conf" },
    { node: "/files/etc/osqtest.conf/workers", value: "4", label: "workers", path: "/etc/osqtest.conf" },
  ]);
});

Deno.test("augeas: node = and node LIKE select tree nodes; LIKE on path reaches files in a directory", () => {
  const e = engine();
  assertEquals(e.query("SELECT value FROM augeas WHERE node = '/files/etc/osqtest.conf/workers'"), [{ value: "4" }]);
  assertEquals(
    e.query("SELECT label, value FROM augeas WHERE node LIKE '/files/etc/osqtest.conf/l%'"),
    [{ label: "listen", value: "127.0.0.1:8080" }, { label: "log.level", value: "debug" }],
  );
  const extra = e.query("SELECT node, value FROM augeas WHERE path LIKE '/etc/osqtest.d/%' AND value != ''");
  assertEquals(extra, [{ node: "/files/etc/osqtest.d/extra.conf/extra", value: "yes" }]);
});

Deno.test("augeas: a file the lens cannot parse contributes nothing; everything else is listed without constraints", () => {
  const rows = engine().query("SELECT node, path FROM augeas");
  assert(rows.some((r) => r.node === "/files/etc/osqtest.d/extra.conf/extra"));
  assert(!rows.some((r) => String(r.path).endsWith("broken.conf")), "broken.conf fails to parse and is left out");
  // The fixture lens covers only osqtest files: hosts is not parsed.
  assert(!rows.some((r) => r.path === "/etc/hosts"));
  assertEquals(engine().query("SELECT * FROM augeas WHERE node = 'not a [valid path'"), []);
});

Deno.test("augeas: Debian's hosts lens reads the fixture /etc/hosts (when augeas-lenses is installed)", () => {
  const dist = "/usr/share/augeas/lenses/dist";
  try {
    Deno.statSync(`${dist}/hosts.aug`);
  } catch {
    // augeas-lenses absent: covered by the fixture lens tests above
    console.warn("augeas_test: Debian's hosts lens is not checked: augeas-lenses is not installed");
    return;
  }
  const rows = engine(dist).query("SELECT node, value FROM augeas WHERE path = '/etc/hosts' AND label = 'canonical'");
  assertEquals(rows.map((r) => r.value), ["localhost", "localhost", "db.example.test"]);
});

Deno.test("augeas: LIKE wildcards become Augeas ones; a path gets /files and its subtree", () => {
  assertEquals(patternsFor("/etc/hosts", false, true), ["/files/etc/hosts", "/files/etc/hosts//*"]);
  assertEquals(patternsFor("/etc/%%", true, true), ["/files/etc//*"]);
  assertEquals(patternsFor("/files/etc/%/x", true, false), ["/files/etc/*/x"]);
  // Part of a label cannot be matched by Augeas: the literal directory's subtree is asked for instead.
  assertEquals(patternsFor("/files/etc/ho%", true, false), ["/files/etc", "/files/etc//*"]);
  assertEquals(patternsFor("/etc/osq_est.conf", true, true), ["/files/etc", "/files/etc//*"]);
  assertEquals(patternsFor("%hosts%", true, false), ["/files//*"]);
});

Deno.test("augeas: a missing library or lens directory is a TableError saying what to install", () => {
  const missing = assertThrows(() => augeasLibrary("libaugeas-missing.so.0"), TableError);
  assert(String((missing as Error).message).includes("libaugeas0"));
  const e = engine("/nonexistent/lenses");
  const err = assertThrows(() => e.query("SELECT * FROM augeas"));
  assert(String((err as Error).message).includes("augeas_lenses"));
});

Deno.test("augeas: the live /etc/hosts through the registered table (or a clear error without libaugeas0)", () => {
  let available = true;
  try {
    augeasLibrary();
  } catch {
    available = false;
  }
  flags.set("augeas_lenses", flags.spec("augeas_lenses").default);
  const e = new Engine();
  const sql = "SELECT node, path FROM augeas WHERE path = '/etc/hosts'";
  if (!available) {
    const err = assertThrows(() => e.query(sql));
    assert(String((err as Error).message).includes("libaugeas0"));
    return;
  }
  let lensesInstalled = true;
  try {
    Deno.statSync("/usr/share/augeas/lenses/dist/hosts.aug");
  } catch {
    lensesInstalled = false;
  }
  if (!lensesInstalled) {
    console.warn("augeas_test: the live /etc/hosts check is skipped: augeas-lenses is not installed");
    return;
  }
  const rows = e.query(sql);
  assert(rows.length > 0 && rows.every((r) => r.path === "/etc/hosts"), "hosts is parsed");
  assertEquals(rows[0].node, "/files/etc/hosts");
  assertEquals(e.query("SELECT count(*) AS n FROM configurations WHERE path = '/etc/hosts'"), [{ n: rows.length }]);
});
