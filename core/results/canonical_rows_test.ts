import { assertEquals } from "../../testing/assert.ts";
import { Engine } from "../engine.ts";
import { runCanonical } from "./canonical_rows.ts";

Deno.test("runCanonical renders each storage class as osquery's typed rows do", () => {
  const engine = new Engine();
  try {
    const { rows, size } = runCanonical(
      engine,
      "SELECT 1 AS i, 9007199254740993 AS big, 2.5 AS d, 3.0 AS e, 'plain' AS t, 'é\u0001' || char(0) || 'x' AS u, " +
        "NULL AS n, x'6869' AS b",
    );
    assertEquals(rows, [
      '{"b":"hi","big":9007199254740993,"d":2.5,"e":3.0,"i":1,"n":"","t":"plain","u":"é\\\\x01\\\\x00x"}',
    ]);
    assertEquals(size, rows[0].length);
  } finally {
    engine.close();
  }
});
