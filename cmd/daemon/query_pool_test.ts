import { assert, assertEquals } from "../../testing/assert.ts";
import { QueryPool } from "./query_pool.ts";

Deno.test("query pool: a scheduled query's thread diffs against the rows it kept when told they are the committed ones", async () => {
  const dir = Deno.makeTempDirSync();
  const pool = new QueryPool(1);
  try {
    Deno.writeTextFileSync(`${dir}/a`, "1");
    const sql = `select path from file where directory = '${dir}'`;
    const first = await pool.run(sql, { name: "files" });
    assert(first.ok, first.error);
    assertEquals(first.rows, [`{"path":"${dir}/a"}`]);
    assertEquals(first.diff, undefined);
    assert(first.rowsId);
    // Unchanged: only an empty diff comes back, under the same id.
    const same = await pool.run(sql, { name: "files", previous: first.rowsId });
    assertEquals(same.rows, []);
    assertEquals(same.diff, { added: [], removed: [] });
    assertEquals(same.rowsId, first.rowsId);
    assertEquals(same.count, 1);
    // Changed: the diff, the rows as one text, a new id.
    Deno.writeTextFileSync(`${dir}/b`, "2");
    Deno.removeSync(`${dir}/a`);
    const changed = await pool.run(sql, { name: "files", previous: first.rowsId });
    assertEquals(changed.diff, { added: [`{"path":"${dir}/b"}`], removed: [`{"path":"${dir}/a"}`] });
    assertEquals(changed.rowsText, `{"path":"${dir}/b"}`);
    assert(changed.rowsId && changed.rowsId !== first.rowsId);
    // An id the thread does not hold (e.g. the commit failed): every row again.
    const stale = await pool.run(sql, { name: "files", previous: first.rowsId });
    assertEquals(stale.diff, undefined);
    assertEquals(stale.rows, [`{"path":"${dir}/b"}`]);
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
