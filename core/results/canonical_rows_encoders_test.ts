import { assertEquals } from "../../testing/assert.ts";
import { Engine } from "../engine.ts";
import { RowBatchReader } from "../sqlite/row_batch.ts";
import { plainRow, runCanonical, runCanonicalInto, wrapForRowText } from "./canonical_rows.ts";
import { sortedBytes, SortedRowsBuilder } from "./sorted_rows.ts";

/** Values SQLite's own rendering of a row could get wrong, one per row, beside plain ones. */
const TRICKY = [
  "0",
  "-1",
  "9223372036854775807",
  "-9223372036854775808",
  "9007199254740993",
  "0.1 + 0.2",
  "-0.0",
  "5.0",
  "1e21",
  "1e-7",
  "123456789012345678.0",
  "1.5e300",
  "1e308 * 10",
  "-1e308 * 10",
  "''",
  `'a"b'`,
  `'back\\slash \\" \\\\'`,
  "'tab' || char(9) || 'nl' || char(10) || 'cr' || char(13) || 'bs' || char(8) || 'ff' || char(12)",
  "'nul' || char(0) || 'after'",
  "char(1, 31, 127)",
  "'é ü 漢字 😀'",
  "char(8232, 8233)",
  "CAST(x'ff41' AS TEXT)",
  "CAST(x'e282' AS TEXT) || '\"'",
  "CAST(x'f09f98' AS TEXT)",
  `'{"a":1}'`,
  "'[1, 2]'",
  "json('\"abc\"')",
  "json_object('k', 1)",
  "json_array(1, 2.5)",
  "'null'",
  "'1.5'",
  "NULL",
  "x''",
  "x'00ff41'",
  "x'6869'",
];

function bothWays(engine: Engine, sql: string): void {
  const fast = runCanonical(engine, sql);
  const reference = runCanonical(engine, sql, { rowText: false });
  assertEquals(fast, reference, sql);
  // Through the buffers a query thread fills (rows as bytes where they are plain ASCII).
  const a = new SortedRowsBuilder();
  const sizeA = runCanonicalInto(engine, sql, a);
  const b = new SortedRowsBuilder();
  const sizeB = runCanonicalInto(engine, sql, { add: (row) => b.add(row), reset: () => b.reset() }, {
    rowText: false,
  });
  assertEquals(sizeA, sizeB, sql);
  const bytesA = sortedBytes(a.finish());
  assertEquals(bytesA, sortedBytes(b.finish()), sql);
  // Row text read row by row (the fallback where the native batch reader cannot run).
  const c = new SortedRowsBuilder();
  assertEquals(runCanonicalInto(engine, sql, c, { batches: false }), sizeA, sql);
  assertEquals(sortedBytes(c.finish()), bytesA, sql);
}

/** Whether this machine runs the native batch reader (else the batch tests compare the fallback with itself). */
const native = RowBatchReader.create({ columns: [0], prefixes: ['{"a":'] }) !== undefined;
if (!native) {
  console.warn(
    "canonical_rows_encoders_test: the native row batch reader does not run here (not x86-64/AArch64 Linux, " +
      "OSQ_NATIVE_ROWS=0, or no executable mapping); only the fallback is checked",
  );
}

Deno.test("rows SQLite writes are byte-identical to rows read value by value, for every storage class", () => {
  const engine = new Engine();
  try {
    for (const value of TRICKY) {
      // The value alone, and beside plain columns (a name sorting before and after it).
      bothWays(engine, `SELECT ${value} AS v`);
      bothWays(engine, `SELECT 'row' AS a, ${value} AS m, 42 AS z`);
    }
    // Every tricky value in one column of one result: each row takes its own path.
    const union = TRICKY.map((v, i) => `SELECT ${i} AS i, ${v} AS v, 'x' || ${i} AS t`).join(" UNION ALL ");
    bothWays(engine, union);
    // Names: duplicated (the first wins), quoted, unicode, a control byte, key order.
    bothWays(engine, `SELECT 1 AS "b", 2 AS "a", 3 AS "b", 'q' AS "it's ""q""", 4 AS "é", 5 AS "c\\d"`);
    bothWays(engine, `SELECT 1 AS "x${"\u0001"}y", 'v' AS w`);
  } finally {
    engine.close();
  }
});

Deno.test("a query SQLite writes rows for keeps its row order, statements, comments and empty results", () => {
  const engine = new Engine();
  try {
    const series = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) ";
    bothWays(engine, `${series}SELECT x, 'r' || x AS r FROM c ORDER BY x DESC`);
    bothWays(engine, `${series}SELECT x % 7 AS k, count(*) AS n FROM c GROUP BY k ORDER BY n, k`);
    bothWays(engine, `${series}SELECT x, CASE WHEN x % 3 = 0 THEN x / 2.0 ELSE x END AS half FROM c`);
    bothWays(engine, `SELECT 1 AS a; SELECT 2 AS b -- trailing comment`);
    bothWays(engine, "SELECT 1 AS a WHERE 0;");
    engine.db.exec("CREATE TEMP TABLE t(a, b); INSERT INTO t VALUES (1, x'00'), (2, 'two')");
    bothWays(engine, "SELECT * FROM t");
    bothWays(engine, "INSERT INTO t VALUES (3, 3.5); DELETE FROM t WHERE a = 3; SELECT b, a FROM t");
    bothWays(engine, "PRAGMA table_info(t)");
    bothWays(engine, "SELECT a, b FROM t WHERE a = 2 /* a block comment */ ; ");
    assertEquals(runCanonical(engine, `${series}SELECT x FROM c ORDER BY x DESC LIMIT 3`).rows, [
      '{"x":50}',
      '{"x":49}',
      '{"x":48}',
    ]);
  } finally {
    engine.close();
  }
});

Deno.test("rows read in native batches equal rows read one by one, across batch ends and odd rows", () => {
  if (Deno.build.os === "linux" && ["x86_64", "aarch64"].includes(Deno.build.arch)) {
    assertEquals(native || Deno.env.get("OSQ_NATIVE_ROWS") === "0", true, "the native reader should run here");
  }
  const engine = new Engine();
  try {
    const series = (n: number) => `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) `;
    // Plain rows in batches that grow, every tricky value now and then (each stops a batch).
    const cases = TRICKY.map((v, i) => `WHEN ${i * 1009 + 7} THEN ${v}`).join(" ");
    bothWays(engine, `${series(60_000)}SELECT x, 'r-' || x AS r, CASE x ${cases} ELSE x * 3 END AS v FROM c`);
    // Multibyte text in every row (its size counts UTF-16 units), an empty string, NULLs.
    bothWays(engine, `${series(5_000)}SELECT x, 'é😀漢' || x AS u, '' AS e, NULL AS n FROM c`);
    // Rows larger than a batch holds, between small ones.
    bothWays(
      engine,
      `${series(6)}SELECT x, CASE WHEN x % 2 = 0 THEN printf('%.*c', 1500000, 'w') ELSE x END AS big FROM c`,
    );
    // A blob after many plain rows: the statement runs again unwrapped, from its first row.
    bothWays(engine, `${series(30_000)}SELECT x, CASE WHEN x = 29000 THEN x'00ff' ELSE 'b' END AS b FROM c`);
  } finally {
    engine.close();
  }
});

Deno.test("a row SQLite writes is taken as it is only when it is the canonical text", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const [notPlain, ascii, utf8] = [0, 1, 2];
  assertEquals(plainRow(bytes('{"a":1,"b":"x \\" \\\\","c":-20}')), ascii);
  assertEquals(plainRow(bytes('{"a":"é"}')), utf8);
  for (
    const text of ['{"a":1.5}', '{"a":"\\n"}', '{"a":"\\u0001"}', '{"a":{"b":1}}', '{"a":[1]}', '{"a":null}', '{"a":1']
  ) {
    assertEquals(plainRow(bytes(text)), notPlain, text);
  }
  // The wrapped query SQLite runs: json_object over the query's columns, sorted, first name wins.
  const engine = new Engine();
  try {
    const rows = engine.db.query(wrapForRowText("SELECT 2 AS b, 'x' AS a, 3 AS b;", ["b", "a", "b"]));
    assertEquals(Object.values(rows[0])[0], '{"a":"x","b":2}');
  } finally {
    engine.close();
  }
});
