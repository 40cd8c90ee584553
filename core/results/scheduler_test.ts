import { assert, assertEquals } from "../../testing/assert.ts";
import { flags } from "../flags/flags.ts";
import "../config/flags.ts";
import { buildConfig, type Pack } from "../config/config.ts";
import {
  checkDiscovery,
  denylistExpired,
  dueAt,
  type PackState,
  type Planned,
  publishSchedule,
  readSchedule,
  restoreSplay,
  splayValue,
} from "./scheduler.ts";

Deno.test("scheduler: splay stays within interval ± percent and never below 1", () => {
  for (let i = 0; i < 200; i++) {
    const v = splayValue(100, 10);
    assert(v >= 90 && v <= 110, String(v));
  }
  assertEquals(splayValue(1, 10), 1);
  assertEquals(splayValue(60, 0), 60);
  assertEquals(splayValue(10, 50, () => 0), 5);
  assertEquals(splayValue(10, 50, () => 0.999), 15);
});

Deno.test("scheduler: the splay is persisted as interval:splay and redrawn when the interval changes", async () => {
  const saved = new Map<string, string>();
  const store = {
    get: (n: string) => Promise.resolve(saved.get(n) ?? null),
    set: (n: string, v: string) => Promise.resolve(void saved.set(n, v)),
  };
  const first = await restoreSplay(store, "q", 3600);
  assertEquals(saved.get("q"), `3600:${first}`);
  assertEquals(await restoreSplay(store, "q", 3600), first);
  saved.set("q", "3600:3333");
  assertEquals(await restoreSplay(store, "q", 3600), 3333);
  const other = await restoreSplay(store, "q", 60);
  assert(other >= 54 && other <= 66);
});

function planned(text: string): Planned[] {
  const c = buildConfig([{ name: "c", text }]);
  return c.packs.flatMap((pack) => pack.queries.map((query) => ({ query, pack, splayed: query.interval })));
}

Deno.test("scheduler: queries run when the tick is a multiple of their splayed interval; startup ones once at once", () => {
  const p = planned(JSON.stringify({
    schedule: {
      every2: { query: "select 1", interval: 2 },
      every3: { query: "select 1", interval: 3 },
      boot: { query: "select 1", interval: 3600, startup_priority: 1 },
    },
  }));
  const started = new Set<string>();
  const names = (i: number) => dueAt(i, p, started).map((x) => x.query.name);
  assertEquals(names(1001), ["boot"]);
  assertEquals(names(1002), ["every2", "every3"]);
  assertEquals(names(1003), []);
  assertEquals(names(1004), ["every2"]);
  assertEquals(names(1005), ["every3"]);
  assertEquals(names(3600), ["boot", "every2", "every3"]);
});

Deno.test("scheduler: discovery gates a pack and is cached for --pack_refresh_interval", () => {
  const pack: Pack = buildConfig([{
    name: "c",
    text: JSON.stringify({ packs: { p: { discovery: ["d1", "d2"], queries: { q: { query: "select 1" } } } } }),
  }]).packs[0];
  const state: PackState = { active: false, checkedAt: 0, executions: 0, cacheHits: 0 };
  const ran: string[] = [];
  let rows = 1;
  const run = (sql: string) => (ran.push(sql), rows);
  assert(checkDiscovery(pack, state, 1000, run));
  rows = 0;
  assert(checkDiscovery(pack, state, 1500, run));
  assertEquals([state.executions, state.cacheHits, ran], [1, 1, ["d1", "d2"]]);
  assert(!checkDiscovery(pack, state, 1000 + flags.number("pack_refresh_interval"), run));
  assertEquals(state.executions, 2);
});

Deno.test("scheduler: the published schedule state reads back (shared with query threads)", () => {
  publishSchedule({
    queries: [],
    packs: [{
      name: "p",
      platform: "",
      version: "",
      shard: 0,
      discoveryCacheHits: 1,
      discoveryExecutions: 2,
      active: true,
    }],
  });
  assertEquals(readSchedule()?.packs[0].discoveryExecutions, 2);
});

Deno.test("scheduler: a denylisting ends after its time, or at once for queries with denylist false", () => {
  assertEquals(denylistExpired(1000, 999, { denylist: true }), false);
  assertEquals(denylistExpired(1000, 1001, { denylist: true }), true);
  assertEquals(denylistExpired(1000, 999, { denylist: false }), true);
});
