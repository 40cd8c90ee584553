import { assert, assertEquals } from "../../testing/assert.ts";
import { namespaceInode, NAMESPACES, parseNamespaceLink } from "./proc.ts";

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
