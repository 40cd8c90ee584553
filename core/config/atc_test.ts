import { applyAtc, atcTables, parseAtc, readHostDatabase } from "./atc.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { Database } from "../sqlite/database.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "../../testing/assert.ts";

/** A SQLite file with a `logins` table, made with osq's own binding. */
function makeDb(path: string, rows: [string, number | null][], journal = "delete"): void {
  const db = new Database(path);
  try {
    db.exec(`PRAGMA journal_mode = ${journal}`);
    db.exec("CREATE TABLE logins (url TEXT, uses INTEGER)");
    for (const [url, uses] of rows) db.query("INSERT INTO logins VALUES (?, ?)", [url, uses]);
  } finally {
    db.close();
  }
}

const definition = (path: string, extra: Record<string, unknown> = {}) => ({
  logins: { query: "SELECT url, uses FROM logins ORDER BY url", path, columns: ["url", "uses"], ...extra },
});

Deno.test("atc: the section is read as osquery reads it, skipping misconfigured entries", () => {
  const { tables, problems } = parseAtc({
    good: { query: "select 1", path: "/x.db", columns: ["a"], platform: "linux" },
    other_os: { query: "select 1", path: "/x.db", columns: ["a"], platform: "darwin" },
    no_path: { query: "select 1", columns: ["a"] },
    no_columns: { query: "select 1", path: "/x.db" },
    odd_column: { query: "select 1", path: "/x.db", columns: ["a", 3] },
    reserved: { query: "select 1", path: "/x.db", columns: ["Path"] },
  }, "linux");
  assertEquals(tables.map((t) => t.name), ["good", "odd_column", "reserved"]);
  assertEquals(tables[1].columns, ["a"]);
  assertEquals(problems.map((p) => p.table), ["no_path", "no_columns", "odd_column", "reserved"]);
  assertMatch(problems[0].message, /missing query or path/);
});

Deno.test("atc: a table over real SQLite files, per-user paths with %, a NULL left out (it reads as an empty string, as in osquery), implicit path", async () => {
  const dir = await Deno.makeTempDir();
  const registry = new Registry();
  const engine = new Engine({ registry });
  try {
    for (const user of ["alice", "bob"]) await Deno.mkdir(`${dir}/home/${user}`, { recursive: true });
    makeDb(`${dir}/home/alice/Login Data`, [["https://a.example", 3], ["https://b.example", null]]);
    makeDb(`${dir}/home/bob/Login Data`, [["https://c.example", 1]], "wal");
    const { tables } = parseAtc(definition(`${dir}/home/%/Login Data`));
    assertEquals(applyAtc(tables, registry), []);
    assertEquals(atcTables(registry), ["logins"]);
    assertEquals(engine.query("SELECT url, uses, path FROM logins ORDER BY url"), [
      { url: "https://a.example", uses: "3", path: `${dir}/home/alice/Login Data` },
      { url: "https://b.example", uses: "", path: `${dir}/home/alice/Login Data` },
      { url: "https://c.example", uses: "1", path: `${dir}/home/bob/Login Data` },
    ]);
    assertEquals(engine.columns("SELECT * FROM logins").map((c) => [c.name, c.type]), [
      ["url", "TEXT"],
      ["uses", "TEXT"],
      ["path", "TEXT"],
    ]);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atc: a missing file gives no rows and a warning; the query cannot write", async () => {
  const dir = await Deno.makeTempDir();
  const registry = new Registry();
  const engine = new Engine({ registry });
  const warnings: string[] = [];
  try {
    applyAtc(parseAtc(definition(`${dir}/nowhere.db`)).tables, registry, (m) => warnings.push(m));
    assertEquals(engine.query("SELECT * FROM logins"), []);
    assertEquals(engine.query("SELECT * FROM logins"), []);
    assertEquals(warnings, [`ATC table logins: no file matches ${dir}/nowhere.db`]);
    makeDb(`${dir}/broken.db`, []);
    Deno.writeTextFileSync(`${dir}/broken.db`, "not a database at all, just text");
    applyAtc(parseAtc(definition(`${dir}/broken.db`)).tables, registry, (m) => warnings.push(m));
    assertEquals(engine.query("SELECT * FROM logins"), []);
    assertMatch(warnings[1], /could not read .*broken\.db: /);
    makeDb(`${dir}/w.db`, [["https://a.example", 1]]);
    assertThrows(() => readHostDatabase(`${dir}/w.db`, "DELETE FROM logins"), Error, "may only read");
    assertThrows(() => readHostDatabase(`${dir}/w.db`, `ATTACH '${dir}/other.db' AS o`), Error);
    assertEquals(readHostDatabase(`${dir}/w.db`, "SELECT count(*) AS n FROM logins"), [{ n: 1 }]);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Holds a write lock on `path` from another process (Python's sqlite3) until stopped. */
async function lockedByAnotherWriter(path: string): Promise<{ stop(): Promise<void> } | undefined> {
  const script = [
    "import sqlite3, sys",
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)",
    "c.execute('BEGIN EXCLUSIVE')",
    "c.execute(\"INSERT INTO logins VALUES ('https://uncommitted.example', 9)\")",
    "print('locked', flush=True)",
    "sys.stdin.read()",
  ].join("\n");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", { args: ["-c", script, path], stdin: "piped", stdout: "piped" }).spawn();
  } catch {
    return undefined;
  }
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("locked")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  assert(text.includes("locked"), "the other writer did not take its lock");
  return {
    async stop() {
      await child.stdin.close();
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

Deno.test("atc: a database another process holds locked for writing is still read, without its uncommitted rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    makeDb(`${dir}/locked.db`, [["https://a.example", 1]]);
    const writer = await lockedByAnotherWriter(`${dir}/locked.db`);
    if (!writer) {
      console.warn("python3 is not installed: the cross-process lock case cannot run");
      return;
    }
    try {
      // A rollback-journal database: osquery reads it without honouring the lock.
      assertEquals(readHostDatabase(`${dir}/locked.db`, "SELECT url FROM logins"), [{ url: "https://a.example" }]);
    } finally {
      await writer.stop();
    }
    makeDb(`${dir}/wal.db`, [["https://w.example", 2]], "wal");
    const walWriter = await lockedByAnotherWriter(`${dir}/wal.db`);
    try {
      assertEquals(readHostDatabase(`${dir}/wal.db`, "SELECT url FROM logins"), [{ url: "https://w.example" }]);
    } finally {
      await walWriter?.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atc: a refresh replaces a changed table and removes a dropped one; a core table's name is refused", async () => {
  const dir = await Deno.makeTempDir();
  const registry = new Registry();
  registry.addTable({
    name: "time",
    description: "core",
    columns: [{ name: "x", type: "INTEGER" }],
    generate: () => [{ x: 1 }],
  });
  const engine = new Engine({ registry });
  try {
    makeDb(`${dir}/a.db`, [["https://a.example", 1]]);
    applyAtc(parseAtc(definition(`${dir}/a.db`)).tables, registry);
    assertEquals(engine.query("SELECT url FROM logins"), [{ url: "https://a.example" }]);
    const changed = parseAtc({
      logins: { query: "SELECT upper(url) AS url FROM logins", path: `${dir}/a.db`, columns: ["url"] },
    }).tables;
    applyAtc(changed, registry);
    assertEquals(engine.query("SELECT url FROM logins"), [{ url: "HTTPS://A.EXAMPLE" }]);
    const clash = parseAtc({ time: { query: "select 1 as x", path: `${dir}/a.db`, columns: ["x"] } }).tables;
    assertEquals(applyAtc(clash, registry), [{
      table: "time",
      message: "overrides a table osq has; refusing registration",
    }]);
    assertEquals(engine.query("SELECT x FROM time"), [{ x: 1 }]);
    assertThrows(() => engine.query("SELECT url FROM logins"), Error, "no such table");
    assertEquals(atcTables(registry), []);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
