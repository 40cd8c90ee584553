import { assertEquals } from "../../testing/assert.ts";
import { localUsers, parseIni } from "./_lib.ts";

Deno.test("software lib: localUsers skips malformed lines and NIS markers", () => {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/etc`);
  Deno.writeTextFileSync(
    `${dir}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/bash\nbroken line\n+::::::\nbad:x:abc:0::/x:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/zsh\n",
  );
  assertEquals(localUsers(dir).map((u) => [u.username, u.uid, u.directory]), [
    ["root", 0, "/root"],
    ["alice", 1000, "/home/alice"],
  ]);
  assertEquals(localUsers("/nonexistent"), []);
});

Deno.test("software lib: the live /etc/passwd has root as uid 0", () => {
  assertEquals(localUsers().find((u) => u.uid === 0)?.username, "root");
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
