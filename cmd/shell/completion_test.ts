import { assertEquals } from "../../testing/assert.ts";
import { Registry } from "../../core/registry.ts";
import { complete } from "./completion.ts";

const registry = new Registry();
const table = (name: string, columns: string[]) =>
  registry.addTable({
    name,
    description: "A table for completion tests.",
    columns: columns.map((c) => ({ name: c, type: "TEXT" as const })),
    generate: () => [],
  });
table("processes", ["pid", "name", "path", "parent", "pgroup"]);
table("process_envs", ["pid", "key", "value"]);
table("process_open_files", ["pid", "fd", "path"]);
table("users", ["uid", "username", "directory"]);

const at = (line: string, context = "") => complete(line, line.length, registry, context).candidates;

Deno.test("completion: proc<TAB> after FROM offers processes first, then longer names", () => {
  assertEquals(at("SELECT * FROM proc"), ["processes", "process_envs", "process_open_files"]);
  assertEquals(at("select * from processes join us"), ["users"]);
  assertEquals(at("select * from users u, proc"), ["processes", "process_envs", "process_open_files"]);
});

Deno.test("completion: columns come from the tables the statement names, before or after the cursor", () => {
  assertEquals(at("SELECT * FROM processes WHERE pa"), ["path", "parent"]);
  const line = "select pa from processes";
  assertEquals(complete(line, "select pa".length, registry).candidates, ["path", "parent"]);
  assertEquals(at("select * from users where u"), ["uid", "username", "union", "using"]);
  assertEquals(at("AND p", "SELECT * FROM processes WHERE"), ["pid", "path", "parent", "pgroup"]);
});

Deno.test("completion: the replaced word starts where the identifier starts (after a dot)", () => {
  const line = "select p.pa";
  assertEquals(complete(line + " from processes p", line.length, registry), {
    start: "select p.".length,
    candidates: ["path", "parent"],
  });
});

Deno.test("completion: meta-commands at the start of a line", () => {
  assertEquals(at(".ta"), [".tables"]);
  assertEquals(at(".s"), [".show", ".schema", ".socket", ".summary", ".separator"]);
  assertEquals(at(".all proc"), ["processes", "process_envs", "process_open_files"]);
  assertEquals(complete(".schema us", 10, registry), { start: 8, candidates: ["users"] });
});

Deno.test("completion: keywords follow the case typed; nothing for an empty word outside FROM", () => {
  assertEquals(at("SEL"), ["SELECT"]);
  assertEquals(at("sel"), ["select"]);
  assertEquals(at("select "), []);
});
