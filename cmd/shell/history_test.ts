import { assertEquals } from "../../testing/assert.ts";
import { History, osqueryHome } from "./history.ts";

Deno.test("history: keeps the last 100 entries, skips empty lines and repeats, and survives a reload", () => {
  const dir = Deno.makeTempDirSync();
  const history = new History(`${dir}/.history`).load();
  assertEquals(history.entries, []);
  for (let i = 0; i < 120; i++) history.add(`select ${i};`);
  history.add("select 119;");
  history.add("");
  assertEquals(history.entries.length, 100);
  assertEquals(history.entries[0], "select 20;");
  const again = new History(`${dir}/.history`).load();
  assertEquals(again.entries, history.entries);
  assertEquals(Deno.statSync(`${dir}/.history`).mode! & 0o777, 0o600);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("history: osquery's home is $HOME/.osquery, created when missing", () => {
  const dir = Deno.makeTempDirSync();
  const saved = Deno.env.get("HOME");
  Deno.env.set("HOME", dir);
  try {
    assertEquals(osqueryHome(), `${dir}/.osquery`);
    assertEquals(Deno.statSync(`${dir}/.osquery`).isDirectory, true);
  } finally {
    if (saved === undefined) Deno.env.delete("HOME");
    else Deno.env.set("HOME", saved);
    Deno.removeSync(dir, { recursive: true });
  }
});
