import { assert, assertEquals } from "../../testing/assert.ts";
import { Database } from "./database.ts";
import { BatchEnd, RowBatchReader } from "./row_batch.ts";

/** Rows of two columns, written as {"a":<column 1>,"b":<column 0>}. */
const reader = RowBatchReader.create({ columns: [1, 0], prefixes: ['{"a":', ',"b":'] });
const supported = Deno.build.os === "linux" && ["x86_64", "aarch64"].includes(Deno.build.arch) &&
  Deno.env.get("OSQ_NATIVE_ROWS") !== "0";
if (!reader) console.warn(`row_batch_test: the native reader does not run here (${Deno.build.os}/${Deno.build.arch})`);

/** FNV-1a, as core/results/sorted_rows.ts's rowHash. */
function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** Every row of `sql` (two columns) through the reader: each batch's rows, or the values of a row it left. */
function readAll(db: Database, sql: string): { rows: (string | { other: string | null })[]; units: number } {
  const statement = db.prepare(sql);
  const rows: (string | { other: string | null })[] = [];
  let units = 0;
  const decoder = new TextDecoder();
  try {
    let onRow = statement.step();
    while (onRow) {
      const end = reader!.read(statement);
      let start = 0;
      for (let k = 0; k < reader!.rows; k++) {
        const row = reader!.bytes.subarray(start, reader!.ends[k] - 1);
        assertEquals(reader!.bytes[reader!.ends[k] - 1], 10);
        assertEquals(reader!.hashes[k], fnv(row));
        rows.push(decoder.decode(row));
        start = reader!.ends[k];
      }
      units += reader!.units;
      if (end === BatchEnd.DONE) break;
      if (end === BatchEnd.ERROR) throw db.lastError(reader!.rc);
      if (end === BatchEnd.OTHER) {
        const v = statement.value(1);
        rows.push({ other: v === null ? null : v instanceof Uint8Array ? `blob ${v.length}` : String(v) });
        onRow = statement.step();
      }
    }
  } finally {
    statement.finalize();
  }
  return { rows, units };
}

Deno.test({
  name: "the batch reader writes rows of integers, text and NULL, and leaves every other row to the caller",
  ignore: !reader,
  fn() {
    const db = new Database(":memory:");
    try {
      const values = [
        "1",
        "-9223372036854775808",
        "9223372036854775807",
        "0",
        "'x'",
        "''",
        "NULL",
        "'é😀漢'",
        `'q"\\'`,
        "'tab' || char(9) || 'nl' || char(10) || char(31) || char(0) || 'end'",
        "char(127, 8232)",
        "1.5",
        "x'00'",
        `CAST(x'ff41' AS TEXT)`,
        `CAST(x'eda080' AS TEXT)`, // a surrogate's bytes
        `CAST(x'f09f98' AS TEXT)`, // cut short
        "2",
      ];
      const sql = values.map((v) => `SELECT 'b' AS b, ${v} AS a`).join(" UNION ALL ");
      const { rows, units } = readAll(db, sql);
      assertEquals(rows, [
        '{"a":1,"b":"b"}',
        '{"a":-9223372036854775808,"b":"b"}',
        '{"a":9223372036854775807,"b":"b"}',
        '{"a":0,"b":"b"}',
        '{"a":"x","b":"b"}',
        '{"a":"","b":"b"}',
        '{"a":"","b":"b"}',
        '{"a":"é😀漢","b":"b"}',
        '{"a":"q\\"\\\\","b":"b"}',
        '{"a":"tab\\\\x09nl\\\\x0A\\\\x1F\\\\x00end","b":"b"}',
        '{"a":"\u007f\u2028","b":"b"}',
        { other: "1.5" },
        { other: "blob 1" },
        { other: "\ufffdA" },
        { other: "\ufffd\ufffd\ufffd" },
        { other: "\ufffd" },
        '{"a":2,"b":"b"}',
      ]);
      // The rows written, as JavaScript strings.
      const written = rows.filter((r) => typeof r === "string") as string[];
      assertEquals(units, written.reduce((n, r) => n + r.length, 0));
    } finally {
      db.close();
    }
  },
});

Deno.test({
  name: "the batch reader takes many rows per call, leaves a row larger than a batch, and reports a failed step",
  ignore: !reader,
  fn() {
    const db = new Database(":memory:");
    try {
      const series = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) ";
      const { rows } = readAll(
        db,
        `${series}SELECT 'b' AS b, CASE WHEN x = 50000 THEN printf('%.*c', 300000, 'w') ELSE x END AS a FROM c`,
      );
      assertEquals(rows.length, 100_000);
      assertEquals(rows[0], '{"a":1,"b":"b"}');
      assertEquals(rows[99_999], '{"a":100000,"b":"b"}');
      assert(typeof rows[49_999] === "object" && rows[49_999].other?.length === 300_000);
      let failed: Error | undefined;
      try {
        readAll(db, `${series}SELECT 'b', CASE WHEN x < 70000 THEN x ELSE json_object('b', x'00') END FROM c`);
      } catch (err) {
        failed = err as Error;
      }
      assert(failed && /JSON cannot hold BLOB values/.test(failed.message), String(failed));
    } finally {
      db.close();
    }
  },
});

Deno.test("OSQ_NATIVE_ROWS=0 turns the batch reader off (callers read row by row)", async () => {
  if (supported) assert(reader, "the native reader should run on Linux x86-64 / AArch64");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { RowBatchReader } from ${JSON.stringify(new URL("./row_batch.ts", import.meta.url).href)};` +
      "console.log(RowBatchReader.create({ columns: [0], prefixes: ['{\"a\":'] }) === undefined)",
    ],
    env: { OSQ_NATIVE_ROWS: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stdout).trim(), "true", new TextDecoder().decode(out.stderr));
});
