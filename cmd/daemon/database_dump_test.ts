import { databaseDump, keyText, valueText } from "./database_dump.ts";
import { openStore } from "../../core/kv/store.ts";
import { assertEquals } from "../../testing/assert.ts";

Deno.test("database_dump: every entry as domain[key]: value, and nothing for a database not created yet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/osquery.db`;
    const lines: string[] = [];
    assertEquals(await databaseDump(path, (t) => lines.push(t)), 0);
    assertEquals(lines, []);
    const store = await openStore(path);
    await store.kv.set(["meta", "instance_id"], "abc");
    await store.kv.set(["queries", "pack_x_y"], { epoch: 1n, counter: 2 });
    store.close();
    assertEquals(await databaseDump(path, (t) => lines.push(t)), 0);
    assertEquals(lines, ["meta[instance_id]: abc\n", 'queries[pack_x_y]: {"epoch":"1","counter":2}\n']);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("database_dump: keys and values of every KV type read as text", () => {
  assertEquals(keyText(["blob", 7n, new TextEncoder().encode("x")]), "blob[7.x]");
  assertEquals(valueText(new TextEncoder().encode("rows")), "rows");
  assertEquals(valueText(new Deno.KvU64(5n)), "5");
  assertEquals(valueText(12), "12");
});
