import { assert, assertEquals } from "../../testing/assert.ts";
import { OP, QueryContext } from "../table.ts";
import { constrainedPaths, expandBraces, GLOB, glob, iterateLikePattern, resolveLikePattern } from "./glob.ts";

/** Runs `fn` over a temp tree: two files, a dot-file, a directory, and links (good, broken, to the directory). */
function inTree(fn: (root: string) => void): () => void {
  return () => {
    const root = Deno.makeTempDirSync({ prefix: "osq-glob-" });
    try {
      for (const [name, text] of [["a.txt", "hello"], ["b.log", "log"], [".hidden", "x"], ["sub/c.txt", "c"]]) {
        Deno.mkdirSync(`${root}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
        Deno.writeTextFileSync(`${root}/${name}`, text);
      }
      for (const [target, link] of [["a.txt", "link-to-a"], ["nowhere", "broken"], ["sub", "dirlink"]]) {
        Deno.symlinkSync(target, `${root}/${link}`);
      }
      fn(root);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  };
}

Deno.test(
  "glob: braces, character classes, '?' and a trailing slash for directories only",
  inTree((root) => {
    assertEquals(expandBraces("/x/{a,b{c,d}}/y"), ["/x/a/y", "/x/bc/y", "/x/bd/y"]);
    assertEquals(glob(`${root}/{a,b}.*`), [`${root}/a.txt`, `${root}/b.log`]);
    assertEquals(glob(`${root}/[ab].???`), [`${root}/a.txt`, `${root}/b.log`]);
    assertEquals(glob(`${root}/[!a]*`).map((p) => p.slice(root.length + 1)), [
      "b.log",
      "broken",
      "dirlink/",
      "link-to-a",
      "sub/",
    ]);
    assertEquals(glob(`${root}/*/`).map((p) => p.slice(root.length + 1)), ["dirlink/", "sub/"]);
    assertEquals(glob(`${root}/.h*`), [`${root}/.hidden`]);
    assertEquals(glob(`${root}/a.txt`), [`${root}/a.txt`]);
    assertEquals(glob(`${root}/nope`), []);
    assertEquals(resolveLikePattern("a.txt", 3, root), [`${root}/a.txt`]);
  }),
);

Deno.test("glob: a %% walk streams in byte order, and overlapping patterns merge without repeats", () => {
  const root = Deno.makeTempDirSync({ prefix: "osq-files-order-" });
  try {
    for (const d of ["a", "a.b", "a-c", "a0", "a/x", "a/x/y"]) Deno.mkdirSync(`${root}/${d}`, { recursive: true });
    for (const f of ["a.txt", "a/1", "a/x/y/z", "a0/f", "a-c/g", "b"]) Deno.writeTextFileSync(`${root}/${f}`, "");
    const walked = resolveLikePattern(`${root}/%%`, GLOB.ALL);
    const sorted = [...walked].sort((x, y) => x < y ? -1 : x > y ? 1 : 0);
    assertEquals(walked, sorted);
    assertEquals(walked.length, 12);

    // The first path leaves after one poll of the walk, not after the whole tree.
    let polls = 0;
    const it = iterateLikePattern(`${root}/%%`, GLOB.ALL, Deno.cwd(), "", () => (polls++, false));
    assert(!it.next().done);
    assert(polls <= 1, `the walk went ahead of its consumer: ${polls} polls`);

    const constraints = new Map([["path", [
      { op: OP.LIKE, value: `${root}/%%` },
      { op: OP.LIKE, value: `${root}/a/%%` },
      { op: OP.EQUALS, value: `${root}/b` },
      { op: OP.EQUALS, value: `${root}/zzz` },
    ]]]);
    const merged = constrainedPaths(new QueryContext("file", constraints), "path", GLOB.ALL);
    assertEquals(merged, [...new Set([...walked, `${root}/zzz`])].sort((x, y) => x < y ? -1 : x > y ? 1 : 0));
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
