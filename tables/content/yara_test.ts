import { assert, assertEquals, assertStringIncludes, assertThrows } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import yaraFile from "./yara_file.ts";
import { CancelAfter } from "../../testing/cancel_after.ts";
import yaraProcess from "./yara_process.ts";
import { configureYara, openYara } from "./_yara.ts";
import { OP, QueryContext, TableError } from "../../core/table.ts";
import { fixtureHost, tableEngine } from "../../testing/table_engine.ts";

const dir = Deno.makeTempDirSync({ prefix: "osq-yara-" });
Deno.test.afterAll(() => Deno.removeSync(dir, { recursive: true }));
const rulesPath = `${dir}/test.yar`;
Deno.writeTextFileSync(
  rulesPath,
  `rule osq_marker : tagone tagtwo {
  strings:
    $a = "OSQ_YARA_MARKER_7f3a"
    $b = "second-needle"
  condition:
    any of them
}
rule osq_never { condition: false }
rule osq_always_small { condition: filesize < 1MB }
`,
);
Deno.writeTextFileSync(`${dir}/broken.yar`, "rule broken { condition: this is not yara }");
Deno.mkdirSync(`${dir}/tree/sub`, { recursive: true });
Deno.writeTextFileSync(`${dir}/tree/hit.txt`, "xxxx OSQ_YARA_MARKER_7f3a yyyy second-needle");
Deno.writeTextFileSync(`${dir}/tree/sub/deep.txt`, "deep OSQ_YARA_MARKER_7f3a");
Deno.writeTextFileSync(`${dir}/tree/miss.txt`, "nothing to see");

const e = tableEngine([yaraFile, yaraProcess]);

Deno.test("yara_file: sigfile rules report matches, count, tags and string offsets", () => {
  const rows = e.query(`select * from yara_file where path = '${dir}/tree/hit.txt' and sigfile = '${rulesPath}'`);
  assertEquals(rows, [{
    path: `${dir}/tree/hit.txt`,
    matches: "osq_marker,osq_always_small",
    count: 2,
    sig_group: "",
    sigfile: rulesPath,
    strings: "$a:5,$b:1f",
    tags: "tagone,tagtwo",
  }]);
});

Deno.test("yara_file: a file without matches still has a row with count 0", () => {
  const [row] = e.query(
    `select matches, count, strings from yara where path = '${dir}/tree/miss.txt' and sigfile = '${rulesPath}'`,
  );
  assertEquals(row, { matches: "osq_always_small", count: 1, strings: "" });
});

Deno.test("yara_file: sigrule text compiles inline and hides its strings", () => {
  const rule = 'rule inline_marker { strings: $m = "OSQ_YARA_MARKER_7f3a" condition: $m }';
  const [row] = e.query(
    `select matches, count, strings, sigrule from yara_file where path = '${dir}/tree/hit.txt' and sigrule = ?`,
    [rule],
  );
  assertEquals(row, { matches: "inline_marker", count: 1, strings: "", sigrule: rule });
});

Deno.test("yara_file: LIKE patterns expand, %% reaching every depth", () => {
  const rows = e.query(
    `select path, count from yara_file where path like '${dir}/tree/%%' and sigfile = '${rulesPath}' order by path`,
  );
  assertEquals(rows.map((r) => [String(r.path).slice(dir.length), r.count]), [
    ["/tree/hit.txt", 2],
    ["/tree/miss.txt", 1],
    ["/tree/sub/deep.txt", 2],
  ]);
  const shallow = e.query(
    `select path from yara_file where path like '${dir}/tree/%.txt' and sigfile = '${rulesPath}'`,
  );
  assertEquals(shallow.length, 2);
});

Deno.test("yara_file: paths, patterns and sigfile are read under the query's host root; paths reported as the host names them", () => {
  using rooted = tableEngine([yaraFile], fixtureHost(dir));
  const rows = rooted.query(
    `select path, count from yara_file where (path = '/tree/hit.txt' or path like '/tree/sub/%') and sigfile = '/test.yar' order by path`,
  );
  assertEquals(rows, [{ path: "/tree/hit.txt", count: 2 }, { path: "/tree/sub/deep.txt", count: 2 }]);
});

Deno.test("yara_file: a % pattern skips dot-files and directories, as osquery's glob does", () => {
  Deno.writeTextFileSync(`${dir}/tree/.hidden.txt`, "OSQ_YARA_MARKER_7f3a");
  try {
    const rows = e.query(`select path from yara_file where path like '${dir}/tree/%' and sigfile = '${rulesPath}'`);
    assertEquals(rows.map((r) => String(r.path).slice(dir.length)).sort(), ["/tree/hit.txt", "/tree/miss.txt"]);
  } finally {
    Deno.removeSync(`${dir}/tree/.hidden.txt`);
  }
});

Deno.test("yara_file: sig_group uses the config's yara signatures", () => {
  configureYara({ signatures: { test_group: [rulesPath] } });
  const [row] = e.query(
    `select matches, sig_group, sigfile from yara_file where path = '${dir}/tree/hit.txt' and sig_group = 'test_group'`,
  );
  assertEquals(row, { matches: "osq_marker,osq_always_small", sig_group: "test_group", sigfile: "" });
  configureYara({});
  assertThrows(
    () => e.query(`select * from yara_file where path = '${dir}/tree/hit.txt' and sig_group = 'test_group'`),
    Error,
    "no signature group named test_group",
  );
});

Deno.test("yara_file: rules that do not compile, or none named, are clear errors", () => {
  const err = assertThrows(
    () => e.query(`select * from yara_file where path = '${dir}/tree/hit.txt' and sigfile = '${dir}/broken.yar'`),
    Error,
  );
  assertStringIncludes(String(err), "do not compile");
  assertThrows(
    () => e.query(`select * from yara_file where path = '${dir}/tree/hit.txt'`),
    Error,
    "sig_group, sigfile or sigrule",
  );
  assertThrows(() => e.query(`select * from yara_file where sigfile = '${rulesPath}'`), Error);
});

Deno.test("yara_file: unreadable paths are skipped", () => {
  assertEquals(e.query(`select * from yara_file where path = '${dir}/nope' and sigfile = '${rulesPath}'`), []);
});

Deno.test("yara_process: scans a process's memory for a marker", async () => {
  const child = new Deno.Command("sh", {
    args: ["-c", "read _ # OSQ_YARA_MARKER_7f3a"],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // The shell holds its script in memory once it has started: scan until the marker shows.
    const [row] = await waitFor("the shell's script in its memory", () => {
      const rows = e.query(
        `select pid, matches, count from yara_process where pid = ${child.pid} and sigfile = '${rulesPath}'`,
      );
      return rows.length && String(rows[0].matches).includes("osq_marker") ? rows : undefined;
    });
    assertEquals(row.pid, child.pid);
    assertStringIncludes(String(row.matches), "osq_marker");
    assert(Number(row.count) >= 1);
    assertEquals(e.query(`select * from yara_process where pid = 999999999 and sigfile = '${rulesPath}'`), []);
  } finally {
    child.kill();
    await child.stdin.close().catch(() => {});
    await child.status;
  }
});

Deno.test("yara: a missing libyara is a TableError naming the package to install", () => {
  assertThrows(() => openYara([["libosq-no-such-yara.so.9", true]]), TableError, "libyara9");
});

Deno.test("yara_file: match offsets are only read when the strings column is used", () => {
  const [row] = e.query(
    `select matches, count from yara_file where path = '${dir}/tree/hit.txt' and sigfile = '${rulesPath}'`,
  );
  assertEquals(row, { matches: "osq_marker,osq_always_small", count: 2 });
});

Deno.test("yara_file: pid_with_namespace reads the path through that process's root", () => {
  const rows = e.query(
    `select path, count, pid_with_namespace from yara_file where path = '${dir}/tree/hit.txt' and sigfile = '${rulesPath}' and pid_with_namespace = ${Deno.pid}`,
  );
  assertEquals(rows, [{ path: `${dir}/tree/hit.txt`, count: 2, pid_with_namespace: Deno.pid }]);
});

Deno.test("yara_file: an interrupted query stops scanning between files", () => {
  const paths = ["hit.txt", "miss.txt", "sub/deep.txt"].map((f) => ({ op: OP.EQUALS, value: `${dir}/tree/${f}` }));
  const constraints = new Map([["path", paths], ["sigfile", [{ op: OP.EQUALS, value: rulesPath }]]]);
  assertEquals([...yaraFile.generate(new QueryContext("yara_file", constraints))].length, 3);
  const ctx = new CancelAfter("yara_file", 1, constraints);
  assertEquals([...yaraFile.generate(ctx)].length, 1, "one file scanned before the interrupt");
  assertEquals(ctx.polls, 2);
});

Deno.test("yara_process: an interrupted query scans no further process", () => {
  const constraints = new Map([
    ["pid", [{ op: OP.EQUALS, value: 1 }, { op: OP.EQUALS, value: Deno.pid }]],
    ["sigfile", [{ op: OP.EQUALS, value: rulesPath }]],
  ]);
  const ctx = new CancelAfter("yara_process", 0, constraints);
  assertEquals([...yaraProcess.generate(ctx)], []);
  assertEquals(ctx.polls, 1);
});
