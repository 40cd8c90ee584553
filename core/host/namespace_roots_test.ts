import { assertEquals } from "../../testing/assert.ts";
import { type Constraint, OP, QueryContext } from "../table.ts";
import { fixtureHost } from "./host.ts";
import { mountNamespaceId, namespaceRoots } from "./namespace_roots.ts";

function context(root: string, constraints: Constraint[] | undefined): QueryContext {
  const ctx = new QueryContext("t", new Map(constraints ? [["pid_with_namespace", constraints]] : []));
  ctx.host = fixtureHost(root);
  return ctx;
}

const eq = (value: number | string): Constraint => ({ op: OP.EQUALS, value });

Deno.test("namespaceRoots: the host without a constraint; named pids ascending, once, unreadable ones skipped", () => {
  const root = Deno.makeTempDirSync();
  try {
    for (const [pid, link] of [[77, "mnt:[4026532000]"], [5, "mnt:[4026531841]"], [9, "mnt:[]"]] as const) {
      Deno.mkdirSync(`${root}/proc/${pid}/ns`, { recursive: true });
      Deno.symlinkSync(link, `${root}/proc/${pid}/ns/mnt`);
    }
    assertEquals(namespaceRoots(context(root, undefined)).map((v) => [v.pid, v.root, v.mountNamespaceId]), [
      [0, root, undefined],
    ]);
    const views = namespaceRoots(context(root, [eq(77), eq(5), eq(77), eq(9), eq(0), eq(-1), eq(1234)]));
    assertEquals(views.map((v) => [v.pid, v.root, v.mountNamespaceId]), [
      [5, `${root}/proc/5/root`, "4026531841"],
      [77, `${root}/proc/77/root`, "4026532000"],
    ]);
    assertEquals(views[1].host.path("/etc/passwd"), `${root}/proc/77/root/etc/passwd`);
    // Constrained without = or IN: osquery reads nothing.
    assertEquals(namespaceRoots(context(root, [{ op: OP.GREATER_THAN, value: 1 }])), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("namespaceRoots: this process's own namespace is readable on the live host", () => {
  const ctx = new QueryContext("t", new Map([["pid_with_namespace", [eq(Deno.pid)]]]));
  const [view] = namespaceRoots(ctx);
  assertEquals(view.pid, Deno.pid);
  assertEquals(view.root, `/proc/${Deno.pid}/root`);
  assertEquals(view.mountNamespaceId, /\[(\d+)\]/.exec(Deno.readLinkSync("/proc/self/ns/mnt"))?.[1]);
});

Deno.test("mountNamespaceId: the digits between the brackets, as osquery extracts them", () => {
  assertEquals(mountNamespaceId("mnt:[4026531841]"), "4026531841");
  assertEquals(mountNamespaceId("mnt:[]"), undefined);
  assertEquals(mountNamespaceId("mnt:4026531841"), undefined);
  assertEquals(mountNamespaceId("mnt:[12"), undefined);
});
