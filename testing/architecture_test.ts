/**
 * The house rules of ARCHITECTURE.md, checked on the import graph of the repository's own
 * modules: `core/` imports no face, plugin or table; a table imports no face, plugin or other
 * area; only the engine (`core/sqlite`, `core/vtab`, `core/engine.ts`, `core/engine_core.ts`)
 * touches the SQLite FFI bindings; static imports form no cycle; and the daemon face stays wiring (no file of
 * `cmd/daemon/` over 400 lines).
 *
 * @module
 */
import { assertEquals } from "./assert.ts";

const ROOT = new URL("../", import.meta.url);
const SKIP_DIRS = new Set([".deno", ".git", "dist", "node_modules", "testdata", "docs"]);

/** Repository-relative paths of every TypeScript module. */
function modules(dir = ""): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(new URL(dir || ".", ROOT))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (!SKIP_DIRS.has(entry.name)) found.push(...modules(path));
    } else if (entry.isFile && path.endsWith(".ts")) {
      found.push(path);
    }
  }
  return found;
}

interface Edge {
  to: string;
  /** `import()`: loaded on demand, so it closes no cycle at load time. */
  dynamic: boolean;
  /** `import type`: erased at run time, so it closes no cycle either. */
  typeOnly: boolean;
}

const STATIC = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The relative imports of one module, resolved to repository paths. */
function importsOf(path: string): Edge[] {
  const text = Deno.readTextFileSync(new URL(path, ROOT))
    // JSDoc examples are not imports of the module.
    .replace(/\/\*\*[\s\S]*?\*\//g, "");
  const edges: Edge[] = [];
  for (const match of text.matchAll(STATIC)) edges.push(edge(path, match[2], false, match[1] !== undefined));
  for (const match of text.matchAll(DYNAMIC)) edges.push(edge(path, match[1], true, false));
  return edges.filter((e) => e.to !== "");
}

function edge(from: string, specifier: string, dynamic: boolean, typeOnly: boolean): Edge {
  if (!specifier.startsWith(".")) return { to: "", dynamic, typeOnly };
  const to = new URL(specifier, new URL(from, ROOT)).pathname.slice(ROOT.pathname.length);
  return { to, dynamic, typeOnly };
}

const isSupport = (path: string) =>
  /_test\.ts$|_bench\.ts$|_test_helpers?\.ts$/.test(path) || path.startsWith("testing/") ||
  path.startsWith("scripts/");
const areaOf = (path: string) => {
  const parts = path.split("/");
  return parts[0] === "tables" && parts.length > 2 ? parts[1] : undefined;
};
const ENGINE = /^core\/(sqlite|vtab)\/|^core\/engine(_core)?\.ts$/;

const graph = new Map(modules().map((path) => [path, importsOf(path)]));

Deno.test("architecture: no module breaks a never-rule of ARCHITECTURE.md", () => {
  const broken: string[] = [];
  for (const [from, edges] of graph) {
    if (isSupport(from)) continue;
    for (const { to } of edges) {
      if (from.startsWith("core/") && /^(cmd|plugins|tables)\//.test(to)) {
        broken.push(`${from} -> ${to}: core imports no face, plugin or table`);
      }
      if (from.startsWith("tables/") && /^(cmd|plugins)\//.test(to)) {
        broken.push(`${from} -> ${to}: a table imports no face or plugin`);
      }
      const [a, b] = [areaOf(from), areaOf(to)];
      if (a && b && a !== b) broken.push(`${from} -> ${to}: a table area imports no other area (use core/host)`);
      if (to === "core/sqlite/ffi.ts" && !ENGINE.test(from)) {
        broken.push(`${from} -> ${to}: only the engine touches the SQLite FFI bindings`);
      }
    }
  }
  assertEquals(broken, []);
});

Deno.test("architecture: static imports form no cycle", () => {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (path: string) => {
    state.set(path, "open");
    stack.push(path);
    for (const { to, dynamic, typeOnly } of graph.get(path) ?? []) {
      if (dynamic || typeOnly || !graph.has(to) || to === path) continue;
      if (state.get(to) === "open") cycles.push([...stack.slice(stack.indexOf(to)), to].join(" -> "));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(path, "done");
  };
  for (const path of graph.keys()) if (!state.has(path)) visit(path);
  assertEquals(cycles, []);
});

Deno.test("architecture: the daemon face is wiring (no file of cmd/daemon/ over 400 lines)", () => {
  const large = [...graph.keys()]
    .filter((path) => path.startsWith("cmd/daemon/") && !isSupport(path))
    .map((path) => [path, Deno.readTextFileSync(new URL(path, ROOT)).split("\n").length] as const)
    .filter(([, lines]) => lines > 400)
    .map(([path, lines]) => `${path}: ${lines} lines`);
  assertEquals(large, []);
});
