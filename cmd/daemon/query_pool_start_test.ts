import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { QueryPool } from "./query_pool.ts";

Deno.test("query pool: a thread that cannot write its marks file still runs every query and says why", async () => {
  const dir = Deno.makeTempDirSync();
  const marksPath = `${dir}/osquery.db.executing`;
  // Not a regular file where the thread's marks go: every mark is refused.
  Deno.mkdirSync(`${marksPath}.0`);
  const pool = new QueryPool(1, { marksPath });
  try {
    for (let i = 0; i < 3; i++) {
      const reply = await pool.run("select 1 as one", { mark: "pack_q" });
      assert(reply.ok, reply.error);
      assertEquals(reply.rows, ['{"one":1}']);
      assertStringIncludes(reply.markError ?? "", `${marksPath}.0`);
    }
    assertEquals(pool.size, 1, "the thread lives on");
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
