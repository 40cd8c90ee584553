import { assert, assertEquals } from "../../testing/assert.ts";
import { Database } from "./database.ts";
import { BatchEnd, RowBatchReader } from "./row_batch.ts";

const reader = RowBatchReader.create();
const supported = Deno.build.os === "linux" && ["x86_64", "aarch64"].includes(Deno.build.arch) &&
  Deno.env.get("OSQ_NATIVE_ROWS") !== "0";
if (!reader) console.warn(`row_batch_test: the native reader does not run here (${Deno.build.os}/${Deno.build.arch})`);

/** FNV-1a, as core/results/sorted_rows.ts's rowHash. */
function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** Every row of `sql` (one text column) through the reader: each batch's rows, or "OTHER" for a row it left. */
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
        const v = statement.value(0);
        rows.push({ other: v === null ? null : String(v) });
        onRow = statement.step();
      }
    }
  } finally {
    statement.finalize();
  }
  return { rows, units };
}

Deno.test({
  name: "the batch reader copies plain rows with their hashes and leaves every other row to the caller",
  ignore: !reader,
  fn() {
    const db = new Database(":memory:");
    try {
      const values = [
        `'{"a":1,"b":"x"}'`,
        `'{}'`,
        `'{"a":"é😀"}'`,
        `'{"a":1.5}'`,
        `'{"a":"\\u0001"}'`,
        `'{"a":"q\\"\\\\"}'`,
        "NULL",
        "''",
        `CAST(x'7b2261223a22ff227d' AS TEXT)`, // {"a":"\xff"}: not UTF-8
        `CAST(x'7b2261223a22eda080227d' AS TEXT)`, // a surrogate's bytes
        `'{"a":-7,"b":"{"}'`,
        `'{"a":1} '`,
      ];
      const sql = values.map((v) => `SELECT ${v}`).join(" UNION ALL ");
      const { rows, units } = readAll(db, sql);
      assertEquals(rows, [
        '{"a":1,"b":"x"}',
        "{}",
        '{"a":"é😀"}',
        { other: '{"a":1.5}' },
        { other: '{"a":"\\u0001"}' },
        '{"a":"q\\"\\\\"}',
        { other: null },
        { other: "" },
        { other: '{"a":"\ufffd"}' },
        { other: '{"a":"\ufffd\ufffd\ufffd"}' },
        '{"a":-7,"b":"{"}',
        { other: '{"a":1} ' },
      ]);
      // The rows copied, as JavaScript strings.
      const copied = rows.filter((r) => typeof r === "string") as string[];
      assertEquals(units, copied.reduce((n, r) => n + r.length, 0));
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
        `${series}SELECT CASE WHEN x = 50000 THEN printf('{"a":"%.*c"}', 2000000, 'w') ELSE '{"n":' || x || '}' END FROM c`,
      );
      assertEquals(rows.length, 100_000);
      assertEquals(rows[0], '{"n":1}');
      assertEquals(rows[99_999], '{"n":100000}');
      assert(typeof rows[49_999] === "object" && rows[49_999].other?.length === 2_000_008);
      let failed: Error | undefined;
      try {
        readAll(db, `${series}SELECT CASE WHEN x < 70000 THEN '{"n":1}' ELSE json_object('b', x'00') END FROM c`);
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
      "console.log(RowBatchReader.create() === undefined)",
    ],
    env: { OSQ_NATIVE_ROWS: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stdout).trim(), "true", new TextDecoder().decode(out.stderr));
});
