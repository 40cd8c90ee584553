import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { HashCancelledError, hashFileSync } from "../../core/host/hash.ts";
import { HashCache } from "./_hash.ts";
import { suidBinRows } from "./suid_bin.ts";
import { fixtureHost } from "../../core/host/host.ts";
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import { defineTable, OP, QueryContext } from "../../core/table.ts";
import { constrainedPaths, GLOB, resolveLikePattern } from "../../core/host/glob.ts";

/** A tree of `width` directories holding `width` files each. */
function makeWideTree(width: number): string {
  const root = Deno.makeTempDirSync({ prefix: "osq-walk-cancel-" });
  for (let d = 0; d < width; d++) {
    Deno.mkdirSync(`${root}/d${d}`);
    for (let f = 0; f < width; f++) Deno.writeTextFileSync(`${root}/d${d}/f${f}`, "");
  }
  return root;
}

Deno.test("a %% walk stops as soon as its stop callback says so", () => {
  const root = makeWideTree(5);
  try {
    const full = resolveLikePattern(`${root}/%%`, GLOB.ALL);
    assertEquals(full.length, 5 + 5 * 5);
    let polls = 0;
    const stopped = resolveLikePattern(`${root}/%%`, GLOB.ALL, Deno.cwd(), "", () => ++polls > 3);
    assert(stopped.length < full.length, `the walk went on after the stop: ${stopped.length} paths`);
    assert(stopped.length > 0, "what the walk found before the stop is kept");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("constrainedPaths ends the walk of an interrupted query", () => {
  const root = makeWideTree(5);
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const constraints = new Map([["path", [{ op: OP.LIKE, value: `${root}/%%` }]]]);
    const live = new QueryContext("file", constraints, undefined, flag);
    assertEquals(constrainedPaths(live, "path", GLOB.ALL).length, 30);
    Atomics.store(flag, 0, 1);
    const interrupted = new QueryContext("file", constraints, undefined, flag);
    assert(interrupted.cancelled);
    assert(constrainedPaths(interrupted, "path", GLOB.ALL).length <= 5, "no walk below the top level once interrupted");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a generator sees its engine's cancellation through ctx.cancelled", () => {
  const seen: boolean[] = [];
  const registry = new Registry();
  const holder: { engine?: Engine } = {};
  registry.addTable(defineTable({
    name: "cancel_probe",
    description: "records ctx.cancelled before and after the engine is cancelled",
    columns: [{ name: "x", type: "INTEGER" }],
    *generate(ctx) {
      seen.push(ctx.cancelled);
      holder.engine!.cancel();
      seen.push(ctx.cancelled);
      yield { x: 1 };
    },
  }));
  const engine = holder.engine = new Engine({ registry });
  try {
    let error: unknown;
    try {
      engine.query("SELECT x FROM cancel_probe");
    } catch (err) {
      error = err;
    }
    assertEquals(seen, [false, true]);
    assert(String(error).includes("interrupt"), `the query ends interrupted: ${error}`);
    // The next query starts with the flag cleared.
    seen.length = 0;
    let again: unknown;
    try {
      engine.query("SELECT x FROM cancel_probe");
    } catch (err) {
      again = err;
    }
    assertEquals(seen, [false, true]);
    assert(again !== undefined);
  } finally {
    engine.close();
  }
});

Deno.test("hashing stops between chunks once the query is interrupted, and nothing is cached", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-hash-cancel-" });
  try {
    const path = `${dir}/big`;
    Deno.writeFileSync(path, new Uint8Array(4 << 20).fill(7));
    let chunks = 0;
    assertThrows(() => hashFileSync(path, ["sha256"], { stop: () => ++chunks > 2 }), HashCancelledError);
    assertEquals(chunks, 3);
    const cache = new HashCache();
    assertEquals(cache.digests(path, ["sha256"], 10, () => true), { sha256: "" });
    assertEquals(cache.size, 0);
    const digest = cache.digests(path, ["sha256"], 10, () => false).sha256!;
    assertEquals(digest.length, 64);
    assertEquals(cache.size, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("suid_bin's walk ends once the query is interrupted", () => {
  const root = makeWideTree(3);
  try {
    // The tree stands for /tmp, one of the directories suid_bin searches.
    Deno.renameSync(root, `${root}-tmp`);
    Deno.mkdirSync(root);
    Deno.renameSync(`${root}-tmp`, `${root}/tmp`);
    for (let d = 0; d < 3; d++) Deno.chmodSync(`${root}/tmp/d${d}/f0`, 0o4755);
    const view = { pid: 0, host: fixtureHost(root), root };
    assertEquals(suidBinRows(view).length, 3);
    let polls = 0;
    assert(suidBinRows(view, () => ++polls > 2).length < 3);
    assertEquals(suidBinRows(view, () => true), []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
