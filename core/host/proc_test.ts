import { assert, assertEquals } from "../../testing/assert.ts";
import { namespaceInode, NAMESPACES, parseNamespaceLink, parseStat } from "./proc.ts";

const PROC = new URL("../../testdata/processes/proc", import.meta.url).pathname;

Deno.test("proc: namespace links give their inode only for their own kind", () => {
  assertEquals(parseNamespaceLink("user:[4026531837]", "user"), "4026531837");
  assertEquals(parseNamespaceLink("user:[4026531837]", "uts"), undefined);
  assertEquals(parseNamespaceLink("pid:[]", "pid"), undefined);
  assertEquals(parseNamespaceLink("pid:[12x]", "pid"), undefined);
});

Deno.test("proc: this process has an inode in every namespace osquery reports; a missing pid has none", () => {
  for (const kind of NAMESPACES) assert(/^[1-9]\d*$/.test(namespaceInode(Deno.pid, kind) ?? ""), kind);
  assertEquals(namespaceInode(Deno.pid, "net", "/nonexistent-proc"), undefined);
});

Deno.test("proc: parseStat handles names with spaces and parentheses", () => {
  const stat = parseStat(Deno.readTextFileSync(PROC + "/42/stat"));
  assert(stat);
  assertEquals(stat.comm, "my (weird) proc");
  assertEquals([stat.state, stat.parent, stat.pgroup, stat.nice, stat.threads], ["R", 1, 42, -5, 2]);
  assertEquals([stat.utime, stat.stime, stat.starttime, stat.rssPages], [7, 3, 1000, 256]);
  // A line that ends after starttime still parses; only the RSS is unknown.
  assertEquals(parseStat("9 (short) S 1 9 9 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5")?.rssPages, undefined);
});

Deno.test("proc: parseStat rejects truncated and malformed content", () => {
  assertEquals(parseStat("77 (trunc) S 1 77"), undefined);
  assertEquals(parseStat(""), undefined);
  assertEquals(parseStat("1 (x"), undefined);
  assertEquals(parseStat("1 (x) S a b c d e f g h i j k l m n o p q r s t u v"), undefined);
});
