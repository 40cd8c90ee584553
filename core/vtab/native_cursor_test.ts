import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { type Row, TableError, type TableSpec } from "../table.ts";
import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { MAX_BATCH_ROWS, nativeCursorCode } from "./native_cursor.ts";

const nativeHost = (Deno.build.arch === "x86_64" || Deno.build.arch === "aarch64") && Deno.build.os === "linux";

function engines(...tables: TableSpec[]): { native: Engine; callbacks: Engine } {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return { native: new Engine({ registry }), callbacks: new Engine({ registry, nativeCursor: false }) };
}

/** Every conversion the TypeScript xColumn makes, one row per case. */
const mixed: Row[] = [
  { i: 1, big: 9007199254740993n, d: 1.5, t: "plain", b: new Uint8Array([0, 1, 2, 255]) },
  { i: -2147483649, big: -(2n ** 63n), d: "2.25", t: "héllo wörld ✓ 日本", b: "text in a blob column" },
  { i: "42", big: "0x10", d: " 7 ", t: 12, b: null },
  { i: "x", big: 2 ** 60, d: "", t: true, b: undefined },
  { i: true, big: false, d: Infinity, t: new TextEncoder().encode("bytes as text"), b: new Uint8Array(0) },
  { i: 3.7, big: -3.7, d: NaN, t: "", b: new Uint8Array([1]) },
  { i: null, big: undefined, d: null, t: null, b: null },
  { i: 1e300, big: Number.MAX_SAFE_INTEGER, d: -0.5, t: "x".repeat(100_000), b: new Uint8Array(70_000).fill(7) },
  { i: "9223372036854775807", big: "-9223372036854775808", d: 1e-300, t: "ü".repeat(300), b: "ü" },
];

function mixedTable(): TableSpec {
  return {
    name: "mixed",
    description: "Every kind of value in every kind of column.",
    columns: [
      { name: "i", type: "INTEGER" },
      { name: "big", type: "BIGINT" },
      { name: "d", type: "DOUBLE" },
      { name: "t", type: "TEXT" },
      { name: "b", type: "BLOB" },
    ],
    generate: () => mixed,
  };
}

if (!nativeHost) {
  console.warn(
    `native_cursor_test: the load test is skipped: ${Deno.build.os}/${Deno.build.arch} has no native cursor`,
  );
}

Deno.test({
  name: "native cursor: loads on x86-64 and AArch64 Linux",
  ignore: !nativeHost,
  fn() {
    assert(nativeCursorCode() !== undefined, `the native cursor should load on ${Deno.build.arch} Linux`);
    assertEquals(engines(mixedTable()).native.nativeCursor, true);
  },
});

Deno.test("native cursor: every value converts exactly as the TypeScript cursor converts it", () => {
  const { native, callbacks } = engines(mixedTable());
  const sql = "select rowid, i, typeof(i) ti, big, typeof(big) tbig, d, typeof(d) td, t, typeof(t) tt, " +
    "hex(b) b, typeof(b) tb from mixed";
  const expected = callbacks.query(sql);
  assertEquals(native.query(sql), expected);
  assertEquals(expected[0].big, 9007199254740993n);
  assertEquals(expected[1].t, "héllo wörld ✓ 日本");
  assertEquals(expected[7].t, "x".repeat(100_000));
  assertEquals(expected[8].big, -(2n ** 63n));
});

Deno.test("native cursor: a long scan crosses many batches and keeps every row in order", () => {
  const n = MAX_BATCH_ROWS * 10 + 7;
  const table: TableSpec = {
    name: "counting",
    description: "Counts.",
    columns: [{ name: "n", type: "BIGINT" }, { name: "label", type: "TEXT" }],
    *generate() {
      for (let i = 0; i < n; i++) yield { n: i, label: `row ${i} ` + "·".repeat(i % 50) };
    },
  };
  const { native, callbacks } = engines(table);
  const sql = "select n, label, rowid from counting";
  const rows = native.query(sql);
  assertEquals(rows.length, n);
  assertEquals(rows, callbacks.query(sql));
  assertEquals(native.query("select count(*) c, sum(n) s from counting"), [{ c: n, s: (n * (n - 1)) / 2 }]);
});

Deno.test("native cursor: LIMIT 1 pulls a single row from the generator", () => {
  let pulled = 0;
  const table: TableSpec = {
    name: "costly",
    description: "Counts the rows it produces.",
    columns: [{ name: "n", type: "INTEGER" }],
    *generate() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { n: i };
      }
    },
  };
  const { native } = engines(table);
  assertEquals(native.query("select n from costly limit 1"), [{ n: 0 }]);
  assertEquals(pulled, 1);
  pulled = 0;
  native.query("select n from costly limit 10");
  assert(pulled <= 16, `LIMIT 10 pulled ${pulled} rows`);
});

Deno.test("native cursor: a generator may reuse one row object between yields", () => {
  const table: TableSpec = {
    name: "reused",
    description: "Yields the same object each time.",
    columns: [{ name: "n", type: "INTEGER" }, { name: "s", type: "TEXT" }],
    *generate() {
      const row: Row = { n: 0, s: "" };
      for (let i = 0; i < 600; i++) {
        row.n = i;
        row.s = `v${i}`;
        yield row;
      }
    },
  };
  const rows = engines(table).native.query("select n, s from reused");
  assertEquals(rows.length, 600);
  assertEquals(rows[599], { n: 599, s: "v599" });
  assertEquals(rows[300], { n: 300, s: "v300" });
});

Deno.test("native cursor: rows produced before a generator error are served, then the error ends the query", () => {
  let served = 0;
  const table: TableSpec = {
    name: "failing",
    description: "Fails after 100 rows.",
    columns: [{ name: "n", type: "INTEGER" }],
    *generate() {
      for (let i = 0; i < 100; i++) yield { n: i };
      throw new TableError("the source went away after 100 rows");
    },
  };
  const { native } = engines(table);
  const stmt = native.db.prepare("select n from failing");
  assertThrows(
    () => {
      while (stmt.step()) served++;
    },
    Error,
    "the source went away after 100 rows",
  );
  stmt.finalize();
  assertEquals(served, 100);
});

Deno.test("native cursor: a join re-filters the inner cursor with each outer row's value", () => {
  const outer: TableSpec = {
    name: "outer_t",
    description: "Outer.",
    columns: [{ name: "k", type: "INTEGER" }],
    generate: () => Array.from({ length: 300 }, (_, k) => ({ k })),
  };
  const inner: TableSpec = {
    name: "inner_t",
    description: "Inner, indexed on k.",
    columns: [{ name: "k", type: "INTEGER", index: true }, { name: "v", type: "TEXT" }],
    generate(ctx) {
      const ks = ctx.integerEquals("k");
      return [...ks].flatMap((k) => [{ k, v: `a${k}` }, { k, v: `b${k}` }]);
    },
  };
  const { native, callbacks } = engines(outer, inner);
  const sql = "select o.k, i.v from outer_t o join inner_t i on i.k = o.k order by o.k, i.v";
  const rows = native.query(sql);
  assertEquals(rows.length, 600);
  assertEquals(rows, callbacks.query(sql));
});

Deno.test("native cursor: 5,000 random rows of random values read the same through both cursors", () => {
  // A fixed-seed generator: the same rows every run, different values in every cell.
  let seed = 0x2f6b1d;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = (): Row[string] => {
    const r = random();
    if (r < 0.1) return null;
    if (r < 0.2) return Math.floor(random() * 2 ** 31) - 2 ** 30;
    if (r < 0.3) return (random() - 0.5) * 1e12;
    if (r < 0.4) return BigInt(Math.floor(random() * 2 ** 52)) * 4099n;
    if (r < 0.5) return String(Math.floor(random() * 1e6));
    if (r < 0.6) return "é✓".repeat(Math.floor(random() * 40));
    if (r < 0.7) return "a".repeat(Math.floor(random() * 3000));
    if (r < 0.8) return new Uint8Array(Math.floor(random() * 50)).map(() => random() * 256);
    if (r < 0.9) return random() < 0.5;
    return undefined;
  };
  const data: Row[] = Array.from({ length: 5000 }, () => ({ a: pick(), b: pick(), c: pick(), d: pick(), e: pick() }));
  const table: TableSpec = {
    name: "random_rows",
    description: "Random values.",
    columns: [
      { name: "a", type: "INTEGER" },
      { name: "b", type: "BIGINT" },
      { name: "c", type: "DOUBLE" },
      { name: "d", type: "TEXT" },
      { name: "e", type: "BLOB" },
    ],
    *generate() {
      yield* data;
    },
  };
  const { native, callbacks } = engines(table);
  for (
    const sql of [
      "select a, b, c, d, hex(e) e, typeof(e) te from random_rows",
      "select d, a from random_rows where c is not null",
      "select count(*), sum(length(d)), total(c) from random_rows",
    ]
  ) {
    assertEquals(native.query(sql), callbacks.query(sql), sql);
  }
});
