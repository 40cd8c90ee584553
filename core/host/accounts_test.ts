import { assertEquals } from "../../testing/assert.ts";
import { parseGroup, parseShadow, readGroups, readPasswd, readShadow } from "./accounts.ts";

/** The users fixture tree (testdata/users/root). */
const ROOT = new URL("../../testdata/users/root", import.meta.url).pathname;

Deno.test("readPasswd and readGroups read the databases under a root; a root without them has none", () => {
  assertEquals(readPasswd(ROOT).find((u) => u.uid === 0)?.username, "root");
  assertEquals(readGroups(ROOT).find((g) => g.gid === 0)?.groupname, "root");
  assertEquals(readPasswd("/nonexistent"), []);
  assertEquals(readGroups("/nonexistent"), []);
  assertEquals(readShadow("/nonexistent"), []);
});

Deno.test("parseGroup: members split on commas; NIS lines, short lines and bad gids skipped", () => {
  const text = "wheel:x:10:root, alice,,bob\n+:::\nshort:x:5\nbad:x:1a:\nempty:x:20:\n";
  assertEquals(parseGroup(text), [
    { groupname: "wheel", gid: 10, members: ["root", "alice", "bob"] },
    { groupname: "empty", gid: 20, members: [] },
  ]);
});

Deno.test("parseShadow: empty numbers are -1; the two-field form is kept; other shapes skipped", () => {
  const entries = parseShadow("root:!:19000:0:99999:7:::\nold:pw\nbad:x:1:2\nnum:x:abc:0:0:0:::\n");
  assertEquals(entries.map((e) => [e.username, e.lastChange, e.inactive, e.flag]), [
    ["root", 19000, -1, -1],
    ["old", -1, -1, -1],
  ]);
});
