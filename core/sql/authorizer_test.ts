import { Engine, openHostDatabase } from "../engine.ts";
import { Registry } from "../registry.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../../testing/assert.ts";
import { Database, SqliteError } from "../sqlite/database.ts";
import { defineTable } from "../table.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function engineWithTable(): Engine {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "numbers",
    description: "Two fixed rows for authorizer tests.",
    columns: [{ name: "n", type: "INTEGER" }],
    generate: () => [{ n: 1 }, { n: 2 }],
  }));
  return new Engine({ registry });
}

Deno.test("authorizer: ATTACH, VACUUM INTO and load_extension are refused and create no file", () => {
  const dir = Deno.makeTempDirSync();
  const e = new Engine({ registry: new Registry() });
  assertThrows(() => e.query(`attach '${dir}/x.db' as x`), SqliteError, "ATTACH is not allowed");
  assertThrows(() => e.query(`vacuum into '${dir}/y.db'`), SqliteError, "not allowed");
  assertThrows(() => e.query("select load_extension('/tmp/evil.so')"), SqliteError, "load_extension is not allowed");
  assertThrows(() => e.query("pragma temp_store_directory = '/tmp'"), SqliteError, "is not allowed");
  assertEquals(exists(`${dir}/x.db`), false);
  assertEquals(exists(`${dir}/y.db`), false);
  Deno.removeSync(dir, { recursive: true });
  e.close();
});

Deno.test("authorizer: temp tables, views, CTEs, transactions and read-only pragmas still work", () => {
  const e = engineWithTable();
  e.query("create temp table notes(a); insert into notes values (1), (2)");
  e.query("create temp view v as select sum(a) s from notes");
  assertEquals(e.query("select s from v"), [{ s: 3 }]);
  e.query("begin; update notes set a = a + 10; delete from notes where a = 12; commit");
  assertEquals(e.query("select a from notes"), [{ a: 11 }]);
  e.query("create view both_n as select n from numbers; drop view both_n; drop table notes");
  assertEquals(
    e.query("with recursive c(x) as (select 1 union all select x + 1 from c where x < 4) select count(*) n from c"),
    [{ n: 4 }],
  );
  assertEquals(e.query("pragma table_info(numbers)").length, 1);
  assertEquals(e.query("select name from pragma_table_info('numbers')"), [{ name: "n" }]);
  assertEquals(e.query("select json_extract('{\"a\":1}', '$.a') a, upper('x') u, sha1('') s").length, 1);
  assertEquals(e.query("select count(*) c from json_each('[1,2]')"), [{ c: 2 }]);
  e.close();
});

Deno.test("authorizer: fts3_tokenizer is refused in both forms, so no library address leaks", () => {
  const e = new Engine({ registry: new Registry() });
  assertThrows(() => e.query("select hex(fts3_tokenizer('simple'))"), SqliteError, "fts3_tokenizer is not allowed");
  assertThrows(
    () => e.query("select fts3_tokenizer('evil', x'4141414141414141')"),
    SqliteError,
    "fts3_tokenizer is not allowed",
  );
  // A bound pointer is the one form the DBCONFIG switch does not stop; the allowlist does.
  assertThrows(
    () => e.query("select fts3_tokenizer('evil', ?)", [new Uint8Array(8)]),
    SqliteError,
    "fts3_tokenizer is not allowed",
  );
  e.close();
});

Deno.test("authorizer: virtual tables of modules outside the catalogue are refused", () => {
  const e = engineWithTable();
  for (const module of ["fts3(x, tokenize=simple)", "fts4(x)", "fts5(x)", "rtree(id, a, b)", "fts3tokenize(simple)"]) {
    assertThrows(
      () => e.query(`create virtual table temp.t using ${module}`),
      SqliteError,
      "is not allowed",
    );
  }
  assertThrows(() => e.query("select rtreenode(2, x'00')"), SqliteError, "Function rtreenode is not allowed");
  assertEquals(e.query("select n from numbers"), [{ n: 1 }, { n: 2 }]);
  e.close();
});

Deno.test("authorizer: process-wide and unknown pragmas are refused, read-only ones cannot be set", () => {
  const e = new Engine({ registry: new Registry() });
  for (const sql of ["pragma hard_heap_limit=1", "pragma soft_heap_limit=1", "pragma threads=4"]) {
    assertThrows(() => e.query(sql), SqliteError, "is not allowed");
  }
  assertThrows(() => e.query("select * from pragma_soft_heap_limit"), SqliteError, "is not allowed");
  assertThrows(() => e.query("pragma max_page_count=1"), SqliteError, "can only be read");
  assertThrows(() => e.query("pragma query_only=1"), SqliteError, "can only be read");
  assertThrows(() => e.query("pragma writable_schema=1"), SqliteError, "is not allowed");
  // Nothing above changed the connection: statements still allocate and write.
  e.query("create temp table t(a); insert into t select zeroblob(1000) from json_each('[1,2,3,4,5,6,7,8,9]')");
  assertEquals(e.query("select count(*) c from t"), [{ c: 9 }]);
  assert(e.query("pragma cache_size").length === 1);
  e.close();
});

Deno.test("authorizer: indexes, triggers, ALTER and SAVEPOINT are refused with what is allowed", () => {
  const e = new Engine({ registry: new Registry() });
  e.query("create temp table t(a)");
  assertThrows(() => e.query("create index temp.i on t(a)"), SqliteError, "CREATE INDEX is not allowed");
  assertThrows(
    () => e.query("create temp trigger tr after insert on t begin select 1; end"),
    SqliteError,
    "CREATE TRIGGER is not allowed",
  );
  assertThrows(() => e.query("alter table t add column b"), SqliteError, "ALTER TABLE is not allowed");
  assertThrows(() => e.query("savepoint s"), SqliteError, "SAVEPOINT is not allowed");
  e.close();
});

Deno.test("authorizer: the fts3_tokenizer crash repro ends the shell with a clear error, not SIGSEGV", async () => {
  const sql = "SELECT fts3_tokenizer('evil', x'4141414141414141'); " +
    "CREATE VIRTUAL TABLE temp.t USING fts3(x, tokenize=evil);";
  const home = Deno.makeTempDirSync({ prefix: "osq-auth-" });
  try {
    const result = await new Deno.Command(`${ROOT}/osq`, {
      args: ["shell", sql],
      cwd: ROOT,
      env: { HOME: home, TERM: "dumb" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assertEquals(result.signal, null, `the shell died of ${result.signal}: ${stderr}`);
    assert(result.code !== 0 && result.code !== 139, `exit ${result.code}`);
    assertStringIncludes(stderr, "fts3_tokenizer is not allowed");
    assertEquals(stderr.includes("    at "), false, stderr);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("authorizer: a host database (auto_table_construction) refuses fts3_tokenizer, also in the file's views", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/host.db`;
  const writer = new Database(path);
  writer.exec("create table t(a); insert into t values (1); create view v as select hex(fts3_tokenizer('simple')) a");
  writer.close();
  const db = openHostDatabase(path);
  try {
    assertEquals(db.query("select a from t"), [{ a: 1 }]);
    assertThrows(() => db.query("select hex(fts3_tokenizer('simple'))"), SqliteError, "fts3_tokenizer is not allowed");
    // SQLite refuses it in a view first (fts3_tokenizer is direct-only); either way it never runs.
    assertThrows(() => db.query("select a from v"), SqliteError, "fts3_tokenizer");
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
