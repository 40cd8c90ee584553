import { assertEquals } from "../../testing/assert.ts";
import { globHost, parseIni } from "./_lib.ts";
import { fixtureHost } from "../../testing/table_engine.ts";

Deno.test("software lib: globHost turns osquery's % into a one-component wildcard under the host's root", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const path of ["usr/lib/python3.11/x", "usr/lib/python3.12/x", "usr/lib/.python3.9/x", "usr/lib/py[thon]/x"]) {
      Deno.mkdirSync(`${dir}/${path}`, { recursive: true });
    }
    Deno.writeTextFileSync(`${dir}/usr/lib/python3.11/x/a.txt`, "");
    const host = fixtureHost(dir);
    assertEquals(globHost(host, "/usr/lib/python%/x"), ["/usr/lib/python3.11/x", "/usr/lib/python3.12/x"]);
    assertEquals(globHost(host, "/usr/lib/.python%"), ["/usr/lib/.python3.9"]);
    assertEquals(globHost(host, "/usr/lib/py[thon]"), ["/usr/lib/py[thon]"]);
    assertEquals(globHost(host, "/usr/lib/%/x/%.txt"), ["/usr/lib/python3.11/x/a.txt"]);
    assertEquals(globHost(host, "/nonexistent/%"), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("software lib: parseIni reads sections, continuation lines and rejects duplicates", () => {
  const s = parseIni("[a]\nx = 1\n  more\n; c\n# c\n[b]\ny=2\n");
  assertEquals(s.map((x) => [x.name, Object.fromEntries(x.values)]), [["a", { x: "1 more" }], ["b", { y: "2" }]]);
  let threw = false;
  try {
    parseIni("[a]\nx=1\nx=2\n");
  } catch {
    threw = true;
  }
  assertEquals(threw, true);
});
