/**
 * The event crash check: files are created under a watched directory while the daemon (with
 * `--enable_file_events`) is killed with SIGKILL at random moments (its worker or the top
 * process) and restarted. A scheduled query selects `file_events` every second. At the end the
 * events kept in the daemon's store (every event a subscriber accepted and wrote) are compared
 * with the query's results log: each stored event must appear exactly once, none twice.
 *
 *   deno run -A --unstable-kv scripts/bench_events_crash.ts [kills=20]
 *
 * Events the kernel delivered while the daemon was down are not events osq accepted; events a
 * query selected before the store had them and whose write a kill then cut off appear in the
 * results (once) but not in the store: they are counted apart.
 *
 * @module
 */
import { TestDaemon } from "../testing/test_daemon.ts";
import { allLines, killWorkerOrTop } from "../cmd/daemon/crash_check.ts";

const kills = Number(Deno.args[0] ?? 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const d = new TestDaemon();
const w = `${d.dir}/watched`;
d.writeConfig({
  schedule: {
    fe: { query: "SELECT target_path, action, eid FROM file_events", interval: 1, denylist: false },
  },
  file_paths: { watched: [`${w}/%%`] },
});
const FLAGS = ["--disable_watchdog", "--enable_file_events", "--disable_events=false", "--logger_rotate=false"];

type Added = { target_path: string; action: string; eid: string };
const results = () =>
  allLines(d.logDir).filter((l) => l.name === "fe" && l.action === "added").map((l) => l.columns as Added);

let next = 0;
let churning = true;
const churn = (async () => {
  while (churning) {
    Deno.writeTextFileSync(`${w}/f${next++}`, "x");
    await sleep(20 + Math.random() * 60);
  }
})();
try {
  for (let i = 0; i < kills; i++) {
    d.start(FLAGS);
    await sleep(1500 + Math.random() * 3000);
    console.log(`run ${i + 1}/${kills}: killed ${await killWorkerOrTop(d)}`);
  }
  churning = false;
  await churn;
  // A last clean run: a sentinel created once it watches marks when every stored event was read.
  d.start(FLAGS);
  await sleep(3000);
  const sentinel = `${w}/sentinel`;
  Deno.writeTextFileSync(sentinel, "x");
  await d.waitFor("the sentinel's event", () => results().some((r) => r.target_path === sentinel), 120);
  await d.stop();

  const kv = await (Deno as unknown as { openKv(p: string): Promise<Deno.Kv> }).openKv(`${d.dir}/db/osquery.db`);
  const floor = (await kv.get<number>(["events_floor", "file_events"])).value ?? 0;
  const stored = new Map<string, Added>();
  for await (const e of kv.list<{ rows: string }>({ prefix: ["events", "file_events"] })) {
    for (const row of JSON.parse(e.value.rows) as Added[]) if (Number(row.eid) >= floor) stored.set(row.eid, row);
  }
  kv.close();
  const seen = new Map<string, number>();
  for (const r of results()) {
    const key = `${r.eid} ${r.action} ${r.target_path}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const [key, n] of seen) if (n > 1) problems.push(`logged ${n} times: ${key}`);
  let unstoredButLogged = 0;
  const storedKeys = new Set([...stored.values()].map((r) => `${r.eid} ${r.action} ${r.target_path}`));
  for (const key of storedKeys) if (!seen.has(key)) problems.push(`stored but never logged: ${key}`);
  for (const key of seen.keys()) if (!storedKeys.has(key)) unstoredButLogged++;
  console.log(
    `event crash check: ${kills} kills, ${next} files created, ${stored.size} events stored, ${seen.size} logged ` +
      `(${unstoredButLogged} logged before a kill cut their write off), ${problems.length} problems`,
  );
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  if (problems.length) Deno.exitCode = 1;
} finally {
  churning = false;
  await churn;
  await d.kill();
  d.cleanup();
}
