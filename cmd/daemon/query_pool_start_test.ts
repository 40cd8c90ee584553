import { assert, assertEquals } from "../../testing/assert.ts";
import { QueryPool } from "./query_pool.ts";

Deno.test("query pool: a failing onStart (a full disk refusing the executing mark) gives the thread back", async () => {
  const pool = new QueryPool(1);
  try {
    for (let i = 0; i < 3; i++) {
      const failed = await pool.run("select 1 as one", {
        onStart: () => Promise.reject(new Error("database or disk is full")),
      }).then(() => "ran", (err: Error) => err.message);
      assertEquals(failed, "database or disk is full");
    }
    // With the only thread leaked this would wait forever: give it a generous deadline.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = await Promise.race([
      pool.run("select 1 as one"),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 60_000))),
    ]);
    clearTimeout(timer);
    assert(reply, "no query thread was free after onStart failed");
    assertEquals(reply.rows, ['{"one":1}']);
  } finally {
    pool.close();
  }
});
