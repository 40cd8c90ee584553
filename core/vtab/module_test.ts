import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { type QueryContext, type Row, TableError, type TableSpec } from "../table.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { SqliteError } from "../sqlite/database.ts";

/** A test table that records every context its generator receives. */
function recordingTable(overrides: Partial<TableSpec> = {}, rows: Row[] = []): TableSpec & { seen: QueryContext[] } {
  const seen: QueryContext[] = [];
  return {
    name: "t",
    description: "A table for engine tests.",
    columns: [
      { name: "id", type: "BIGINT", index: true, optimized: true },
      { name: "name", type: "TEXT", additional: true },
      { name: "label", type: "TEXT", collate: "nocase" },
      { name: "secret", type: "TEXT", hidden: true },
      { name: "plain", type: "INTEGER" },
    ],
    generate(ctx) {
      seen.push(ctx);
      return rows;
    },
    ...overrides,
    seen,
  };
}

function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}

const rows: Row[] = [
  { id: 1, name: "one", label: "Alpha", secret: "s1", plain: "10" },
  { id: 2, name: "two", label: "beta", secret: "s2", plain: "x" },
  { id: 3, name: "three", label: null, secret: "s3", plain: 9007199254740993n },
];

Deno.test("vtab: = on an index column reaches the generator with osquery's operator code", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  assertEquals(e.query("select name from t where id = 2"), [{ name: "two" }]);
  assertEquals([...t.seen[0].constraints.get("id")!], [{ op: 2, value: 2 }]);
});

Deno.test("vtab: constraints on plain columns and unknown operators are left to SQLite", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  assertEquals(e.query("select id from t where plain = 10 and id != 3 and name is not null").length, 1);
  const ctx = t.seen[0];
  assertEquals(ctx.constraints.has("plain"), false);
  assertEquals(ctx.constraints.get("id") ?? [], []);
  assertEquals(ctx.constraints.get("name") ?? [], []);
});

Deno.test("vtab: range operators are pushed on numeric columns but never on TEXT columns", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  e.query("select id from t where id > 1 and name > 'a'");
  assertEquals(t.seen[0].valuesOf("id", 4), [1]);
  assertEquals(t.seen[0].constraints.get("name") ?? [], []);
});

Deno.test("vtab: IN on an optimized column generates once with every value", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  assertEquals(e.query("select id from t where id in (1, 3, 3) order by id"), [{ id: 1 }, { id: 3 }]);
  assertEquals(t.seen.length, 1);
  assertEquals(t.seen[0].integerEquals("id").sort(), [1, 3]);
});

Deno.test("vtab: IN on a non-optimized column generates once per value", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  assertEquals(e.query("select id from t where name in ('one', 'two') order by id"), [{ id: 1 }, { id: 2 }]);
  assertEquals(t.seen.length, 2);
  assertEquals(t.seen.map((c) => c.equals("name")[0]).sort(), ["one", "two"]);
});

Deno.test("vtab: the generator learns which columns the query uses", () => {
  const t = recordingTable({}, rows);
  const e = engineWith(t);
  e.query("select name from t where plain = 1");
  assertEquals([...t.seen[0].usedColumns!].sort(), ["name", "plain"]);
  assertEquals(t.seen[0].isUsed("secret"), false);
});

Deno.test("vtab: hidden columns are absent from SELECT * but selectable by name", () => {
  const e = engineWith(recordingTable({}, rows));
  assertEquals(Object.keys(e.query("select * from t")[0]), ["id", "name", "label", "plain"]);
  assertEquals(e.query("select secret from t where id = 1"), [{ secret: "s1" }]);
});

Deno.test("vtab: values convert to the column type; unparseable integers are NULL; big integers stay exact", () => {
  const e = engineWith(recordingTable({}, rows));
  assertEquals(e.query("select plain from t order by id").map((r) => r.plain), [10, null, 9007199254740993n]);
  assertEquals(e.query("select typeof(id) t from t limit 1"), [{ t: "integer" }]);
});

Deno.test("vtab: a nocase column compares case-insensitively", () => {
  const e = engineWith(recordingTable({}, rows));
  assertEquals(e.query("select id from t where label = 'ALPHA'"), [{ id: 1 }]);
});

Deno.test("vtab: table and column aliases resolve to the same rows", () => {
  const t = recordingTable({
    aliases: ["t_alias"],
    columns: [
      { name: "id", type: "BIGINT", index: true, aliases: ["ident"] },
      { name: "name", type: "TEXT" },
    ],
  }, [{ id: 7, name: "seven" }]);
  const e = engineWith(t);
  assertEquals(e.query("select ident, name from t_alias"), [{ ident: 7, name: "seven" }]);
  assertEquals(Object.keys(e.query("select * from t")[0]), ["id", "name"]);
});

Deno.test("vtab: a required column without a constraint fails with osquery's message", () => {
  const t = recordingTable({
    name: "needs",
    columns: [{ name: "path", type: "TEXT", required: true, index: true }, { name: "size", type: "BIGINT" }],
  }, [{ path: "/x", size: 1 }]);
  const e = engineWith(t);
  const err = assertThrows(() => e.query("select * from needs"), SqliteError);
  assertEquals(err.message, "Table needs was queried without a required column in the WHERE clause");
  assertEquals(e.query("select size from needs where path = '/x'"), [{ size: 1 }]);
  assertEquals(e.query("select size from needs where path like '/%'").length, 1);
});

Deno.test("vtab: a join that supplies a required column puts the table on the inner side", () => {
  const needs = recordingTable({
    name: "needs",
    columns: [{ name: "path", type: "TEXT", required: true, index: true }, { name: "size", type: "BIGINT" }],
    generate: (ctx) => ctx.equals("path").map((p) => ({ path: p, size: p.length })),
  });
  const paths = recordingTable({ name: "paths", columns: [{ name: "p", type: "TEXT" }] }, [{ p: "/a" }, {
    p: "/bb",
  }]);
  const e = engineWith(needs, paths);
  assertEquals(e.query("select x.p, n.size from paths x join needs n on n.path = x.p order by x.p"), [
    { p: "/a", size: 2 },
    { p: "/bb", size: 3 },
  ]);
  assertEquals(e.query("select n.size from needs n join paths x on n.path = x.p where x.p = '/a'"), [{ size: 2 }]);
});

Deno.test("vtab: a table error becomes the query's error, before or during iteration", () => {
  const failing = recordingTable({
    name: "failing",
    generate() {
      throw new TableError("Cannot read the thing: permission denied");
    },
  });
  const midway = recordingTable({
    name: "midway",
    *generate() {
      yield { id: 1 };
      throw new Error("Lost the source midway");
    },
  });
  const e = engineWith(failing, midway);
  assertThrows(() => e.query("select * from failing"), SqliteError, "Cannot read the thing: permission denied");
  assertThrows(() => e.query("select * from midway"), SqliteError, "Lost the source midway");
  assertEquals(e.query("select 1 as ok"), [{ ok: 1 }]);
});

Deno.test("vtab: generators stream rows without collecting them first", () => {
  let produced = 0;
  const e = engineWith(recordingTable({
    name: "endless",
    *generate() {
      for (let i = 0;; i++) {
        produced++;
        yield { id: i };
      }
    },
  }));
  assertEquals(e.query("select id from endless limit 3").length, 3);
  assert(produced <= 4, `produced ${produced} rows for LIMIT 3`);
});

Deno.test("vtab: cancellation stops a running scan with 'interrupted'", () => {
  let e: Engine | undefined = undefined;
  e = engineWith(recordingTable({
    name: "slow",
    *generate() {
      for (let i = 0;; i++) {
        if (i === 100) e!.cancel();
        yield { id: i };
      }
    },
  }));
  assertThrows(() => e!.query("select count(*) from slow"), SqliteError, "interrupt");
  assertEquals(e.query("select 2 as again"), [{ again: 2 }]);
});

Deno.test("vtab: tables added to or removed from the registry attach and detach on open engines", () => {
  const registry = new Registry();
  const e = new Engine({ registry });
  registry.addTable(recordingTable({ name: "late" }, [{ id: 5 }]));
  assertEquals(e.query("select id from late"), [{ id: 5 }]);
  registry.removeTable("late");
  assertThrows(() => e.query("select id from late"), SqliteError, "no such table");
});

Deno.test("vtab: a statement with thousands of scans keeps every plan (required and index constraints)", () => {
  const paths = recordingTable({
    name: "paths",
    columns: [{ name: "path", type: "TEXT", required: true }, { name: "size", type: "BIGINT" }],
    generate(ctx) {
      return [...ctx.constraints.get("path") ?? []].map((c) => ({ path: String(c.value), size: 7 }));
    },
  });
  const t = recordingTable({}, rows);
  const e = engineWith(paths, t);
  // Far more plans than the module ever kept (4,096): each joined subquery plans its scans
  // several times over.
  const n = 1_900;
  const required = Array.from(
    { length: n },
    (_, i) =>
      `(select a.size from paths a join paths b on b.path = a.path join paths c on c.path = a.path ` +
      `where a.path = 'p${i}') c${i}`,
  );
  const [row] = e.query(`select ${required.join(", ")}`);
  assertEquals(Object.keys(row).length, n);
  assert(Object.values(row).every((v) => v === 7), "a required-column subquery lost its plan");
  const indexed = Array.from(
    { length: n },
    (_, i) =>
      `(select x.name from t x join t y on y.id = x.id join t z on z.id = x.id ` +
      `where x.id = ${1 + i % 3}) c${i}`,
  );
  const [named] = e.query(`select ${indexed.join(", ")}`);
  assertEquals(Object.values(named).filter((v) => v === null).length, 0);
  // Every scan of t received its id constraint (none fell back to a full scan).
  assertEquals(t.seen.length, 3 * n);
  assert(t.seen.every((ctx) => (ctx.constraints.get("id") ?? []).length === 1), "a scan lost its id = constraint");
  e.close();
});

Deno.test("vtab: integer text outside the 64-bit range reads as NULL with one status line per statement", () => {
  const big = recordingTable({
    name: "ext_values",
    columns: [
      { name: "i", type: "INTEGER" },
      { name: "b", type: "BIGINT" },
      { name: "u", type: "UNSIGNED_BIGINT" },
    ],
  }, [
    { i: "-9223372036854775809", b: "9223372036854775807", u: "18446744073709551615" },
    { i: "9223372036854775808", b: "-9223372036854775808", u: "18446744073709551616" },
    { i: "99999999999999999999999", b: " 42 ", u: "0x10" },
  ]);
  for (const native of [true, false]) {
    const registry = new Registry();
    registry.addTable(big);
    const e = new Engine({ registry, nativeCursor: native });
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => lines.push(args.join(" "));
    try {
      assertEquals(e.query("select i, b, u from ext_values"), [
        { i: null, b: 9223372036854775807n, u: -1 },
        { i: null, b: -9223372036854775808n, u: null },
        { i: null, b: 42, u: 16 },
      ]);
      assertEquals(lines.length, 2, lines.join("\n"));
      assert(lines[0].includes("ext_values column i: -9223372036854775809 is outside the 64-bit INTEGER range"));
      assert(lines[1].includes("column u: 18446744073709551616"));
      e.query("select i from ext_values");
      assertEquals(lines.length, 3, "a new statement reports again");
    } finally {
      console.error = original;
      e.close();
    }
  }
});
