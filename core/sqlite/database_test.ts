import { Database, isCompleteStatement, SqliteError } from "./database.ts";
import { SQLITE } from "./ffi.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "../../testing/assert.ts";

Deno.test("database: typed values round-trip, with 64-bit integers exact past 2^53", () => {
  using db = new Database();
  const [row] = db.query("select 1 as i, 2.5 as d, 'é' as t, x'00ff' as b, null as n, 9223372036854775807 as big");
  assertEquals(row, { i: 1, d: 2.5, t: "é", b: new Uint8Array([0, 255]), n: null, big: 9223372036854775807n });
});

Deno.test("database: parameters bind by position", () => {
  using db = new Database();
  assertEquals(db.query("select ? + ? as s, ? as t", [1, 2, "x"]), [{ s: 3, t: "x" }]);
  assertEquals(db.query("select ? as b", [2n ** 62n]), [{ b: 2n ** 62n }]);
});

Deno.test("database: errors carry SQLite's own message and result code", () => {
  using db = new Database();
  const err = assertThrows(() => db.query("selec 1"), SqliteError);
  assertEquals(err.message, 'near "selec": syntax error');
  assertEquals((err as SqliteError).code, 1);
  assertThrows(() => db.query("select * from nowhere"), SqliteError, "no such table: nowhere");
});

Deno.test("database: a script runs statement by statement and reports each statement's line", () => {
  using db = new Database();
  const lines: number[] = [];
  for (
    const { statement, line } of db.statements(
      "create temp table t(a);\n\ninsert into t values (1);\n select a from t;",
    )
  ) {
    lines.push(line);
    statement.all();
    statement.finalize();
  }
  assertEquals(lines, [1, 3, 4]);
  const err = assertThrows(() => [...db.statements("select 1;\n\nselect nope;")].forEach((s) => s.statement.all()));
  assertMatch(err.message, /no such column: nope/);
});

Deno.test("database: statement column names and declared types", () => {
  using db = new Database();
  db.exec("create temp table t(a integer, b text)");
  const stmt = db.prepare("select a, b, 1 as c from t");
  assertEquals(stmt.columnNames, ["a", "b", "c"]);
  assertEquals(stmt.columnDeclTypes, ["INTEGER", "TEXT", ""]);
  stmt.finalize();
});

Deno.test("database: sqlite3_complete tells whether a statement is finished", () => {
  assert(isCompleteStatement("select 1;"));
  assert(!isCompleteStatement("select 1"));
  assert(!isCompleteStatement("select ';"));
});

Deno.test("sqlite library: a missing library is a one-line error naming it and the package", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { Database } from "${new URL("./database.ts", import.meta.url)}"; new Database();`],
    env: { OSQ_SQLITE_LIBRARY: "/nonexistent/libsqlite3.so.0" },
    stderr: "piped",
  }).output();
  assert(!out.success);
  const text = new TextDecoder().decode(out.stderr);
  assertMatch(text, /Cannot load SQLite library \/nonexistent\/libsqlite3\.so\.0: install .*libsqlite3-0/);
});

Deno.test("database: db_config turns off the two-argument fts3_tokenizer and turns on defensive mode", () => {
  using db = new Database();
  assertEquals(db.config(SQLITE.DBCONFIG_ENABLE_FTS3_TOKENIZER, false), false);
  assertEquals(db.config(SQLITE.DBCONFIG_DEFENSIVE, true), true);
  // Without an authorizer, the library itself now refuses a pointer given as a literal.
  const err = assertThrows(() => db.query("select fts3_tokenizer('evil', x'4141414141414141')"), SqliteError);
  assertMatch(err.message, /fts3tokenize disabled|no such function/);
  // Defensive mode: the schema cannot be written even with writable_schema.
  db.exec("create table t(a); pragma writable_schema = on");
  assertThrows(() => db.exec("update sqlite_master set sql = 'x' where name = 't'"), SqliteError);
  assertEquals(db.query("select count(*) c from t"), [{ c: 0 }]);
});
