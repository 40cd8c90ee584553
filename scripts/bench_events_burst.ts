/**
 * FIM burst, against a Python inotify reader that does the same work per event (stat and
 * MD5/SHA-1/SHA-256 of the file), in turn: each round writes one burst of files at the burst
 * rate into the directory the daemon (`--enable_file_events`, hashing on) watches, then one into
 * a directory only the Python reader watches, so neither competes with the other for the two
 * cores (run side by side, each one's CPU per event moved by ±25 % with the other's load).
 *
 *   deno run -A --unstable-kv scripts/bench_events_burst.ts [files=50000] [rate=7600] [rounds=5]
 *
 * Creating an empty file gives two events (IN_CREATE, IN_CLOSE_WRITE), so 50,000 files are
 * 100,000 events a burst. Printed, per round and then as medians:
 * - CPU per event: the daemon's CPU over its burst (its idle rate before the bursts taken off)
 *   per event of the burst kept, against the Python reader's own CPU per event (target <= 1.5x,
 *   as the ratio of the medians);
 * - events kept: file_events rows in the daemon's store after all bursts (with --events_max
 *   raised so the cap drops none), and the overflows osq counted (target: >= 99 % kept, or
 *   every loss counted as an overflow);
 * - schedule: the largest gap between consecutive runs of a 1 s snapshot query during the
 *   daemon's bursts (target: never more than 1 s late, i.e. gaps <= 2 s).
 * The watchdog is off (its CPU limit would stop a daemon that hashes 100k files).
 *
 * @module
 */
import { TestDaemon } from "../testing/test_daemon.ts";

const files = Number(Deno.args[0] ?? 50_000);
const rate = Number(Deno.args[1] ?? 7600);
const rounds = Number(Deno.args[2] ?? 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // clock ticks per second (USER_HZ)

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 1000 / TICK;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const PY_READER = `
import ctypes, os, struct, sys, hashlib, resource, time
libc = ctypes.CDLL("libc.so.6", use_errno=True)
fd = libc.inotify_init1(0)
mask = 0x2 | 0x8 | 0x100 | 0x200 | 0x40 | 0x80 | 0x4
if libc.inotify_add_watch(fd, sys.argv[1].encode(), mask) < 0: sys.exit("inotify_add_watch failed")
want = int(sys.argv[2]); seen = 0; overflow = 0
print("ready", flush=True)
start = None
while seen < want:
    data = os.read(fd, 256 * 1024)
    if start is None: start = resource.getrusage(resource.RUSAGE_SELF)
    pos = 0
    while pos + 16 <= len(data):
        wd, m, cookie, ln = struct.unpack_from("iIII", data, pos)
        name = data[pos + 16:pos + 16 + ln].split(b"\\0", 1)[0]
        pos += 16 + ln
        if m & 0x4000: overflow += 1; continue
        seen += 1
        path = os.path.join(sys.argv[1].encode(), name)
        try:
            st = os.lstat(path)
            if m & (0x100 | 0x2 | 0x8):
                h = [hashlib.md5(), hashlib.sha1(), hashlib.sha256()]
                with open(path, "rb") as f:
                    while True:
                        b = f.read(1 << 20)
                        if not b: break
                        for x in h: x.update(b)
                [x.hexdigest() for x in h]
        except OSError: pass
end = resource.getrusage(resource.RUSAGE_SELF)
cpu = (end.ru_utime + end.ru_stime) - (start.ru_utime + start.ru_stime)
print(seen, overflow, cpu, flush=True)
`;

const PY_WRITER = `
import os, sys, time
d = sys.argv[1]; n = int(sys.argv[2]); rate = float(sys.argv[3])
t0 = time.monotonic()
for i in range(n):
    os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY, 0o644))
    if i % 100 == 99:
        ahead = (i + 1) / rate - (time.monotonic() - t0)
        if ahead > 0: time.sleep(ahead)
print(time.monotonic() - t0, flush=True)
`;

const d = new TestDaemon();
const w = `${d.dir}/watched`;
const py = `${d.dir}/python`;
// A directory per burst, made before the daemon starts (watched from the start): one directory
// of all rounds' files grew slow to create files in (4,300 files/s by the fifth round).
for (let r = 0; r < rounds; r++) {
  Deno.mkdirSync(`${w}/r${r}`, { recursive: true });
  Deno.mkdirSync(`${py}/r${r}`, { recursive: true });
}
d.writeConfig({
  schedule: {
    fe: { query: "SELECT count(*) AS n FROM file_events", interval: 1, denylist: false },
    tick: { query: "SELECT unix_time FROM time", interval: 1, snapshot: true, denylist: false },
  },
  file_paths: { watched: [`${w}/%%`] },
});

/** Writes `files` files named `f<i>` into `dir` at `rate`; returns the seconds it took. */
function burst(dir: string): number {
  const writer = new Deno.Command("python3", { args: ["-c", PY_WRITER, dir, String(files), String(rate)] })
    .outputSync();
  if (!writer.success) throw new Error(`the writer failed: ${new TextDecoder().decode(writer.stderr)}`);
  return Number(new TextDecoder().decode(writer.stdout).trim());
}

/** One burst the Python reader alone watches: its events seen, overflows and CPU seconds. */
async function pythonBurst(dir: string): Promise<{ seen: number; overflow: number; cpu: number }> {
  const reader = new Deno.Command("python3", { args: ["-c", PY_READER, dir, String(files * 2)], stdout: "piped" })
    .spawn();
  const out = reader.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const line = async () => {
    while (!text.includes("\n")) {
      const { value, done } = await out.read();
      if (done) break;
      text += value;
    }
    const at = text.indexOf("\n");
    const first = text.slice(0, at);
    text = text.slice(at + 1);
    return first;
  };
  await line(); // ready
  burst(dir);
  const [seen, overflow, cpu] = (await line()).split(" ").map(Number);
  await out.cancel();
  await reader.status;
  return { seen, overflow, cpu };
}

try {
  d.start([
    "--disable_watchdog",
    "--enable_file_events",
    "--disable_events=false",
    `--events_max=${files * 4 * rounds}`,
    "--logger_rotate=false",
  ]);
  // Ready once the schedule runs and a probe file shows up in file_events.
  await d.waitFor("the schedule", () => d.lines("snapshots").length > 0, 120);
  const probe = `${w}/probe`;
  Deno.writeTextFileSync(probe, "");
  await d.waitFor("a first file event", () => d.lines().some((l) => l.name === "fe"), 120);
  const pid = d.child!.pid;
  const idle0 = cpuMs(pid);
  const idleT0 = performance.now();
  await sleep(5000);
  const idleRate = (cpuMs(pid) - idle0) / (performance.now() - idleT0);

  const osqBusy: number[] = [];
  const writeSeconds: number[] = [];
  const pyRuns: { seen: number; overflow: number; cpu: number }[] = [];
  const windows: [number, number][] = [];
  for (let r = 0; r < rounds; r++) {
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    const burstStart = Math.floor(Date.now() / 1000);
    writeSeconds.push(burst(`${w}/r${r}`));
    // The daemon is done when its CPU stops moving (everything read, hashed and stored).
    let last = cpuMs(pid);
    let lastT = performance.now();
    while (true) {
      await sleep(2000);
      const now = cpuMs(pid);
      const t = performance.now();
      if ((now - last) / (t - lastT) < idleRate * 2 + 0.02) break;
      last = now;
      lastT = t;
    }
    osqBusy.push(last - cpu0 - idleRate * (lastT - t0));
    windows.push([burstStart, Math.floor(Date.now() / 1000)]);
    pyRuns.push(await pythonBurst(`${py}/r${r}`));
  }
  await sleep(3000);
  await d.stop();

  const kv = await (Deno as unknown as { openKv(p: string): Promise<Deno.Kv> }).openKv(`${d.dir}/db/osquery.db`);
  const kept = new Array<number>(rounds).fill(0);
  for await (const e of kv.list<{ rows: string }>({ prefix: ["events", "file_events"] })) {
    for (const row of JSON.parse(e.value.rows) as { target_path: string }[]) {
      const round = /\/r(\d+)\/f\d+$/.exec(row.target_path);
      if (round) kept[Number(round[1])]++;
    }
  }
  kv.close();
  const status = d.text("osqueryd.INFO") + d.text("osqueryd.WARNING") + d.stderr;
  const overflowLines = [...status.matchAll(/overflowed (\d+) time/g)].reduce((n, m) => n + Number(m[1]), 0);
  const ticks = d.lines("snapshots").filter((l) => l.name === "tick").map((l) => Number(l.unixTime))
    .sort((a, b) => a - b);
  let maxGap = 0;
  let tickRuns = 0;
  for (const [from, to] of windows) {
    const inside = ticks.filter((t) => t >= from && t <= to);
    tickRuns += inside.length;
    for (let i = 1; i < inside.length; i++) maxGap = Math.max(maxGap, inside[i] - inside[i - 1]);
  }
  const expected = files * 2;
  const osqPerEvent = osqBusy.map((ms, r) => ms * 1000 / Math.max(1, kept[r]));
  const pyPerEvent = pyRuns.map((p) => p.cpu * 1e6 / Math.max(1, p.seen));
  console.log(
    `FIM burst: ${rounds} rounds in turn, each ${files} files (${expected} events) at ${
      (files / median(writeSeconds)).toFixed(0)
    } files/s (median), hashing on`,
  );
  for (let r = 0; r < rounds; r++) {
    console.log(
      `  round ${r + 1}  osq ${osqPerEvent[r].toFixed(1)} us/event (${kept[r]} kept) | python ${
        pyPerEvent[r].toFixed(1)
      } us/event (${pyRuns[r].seen} seen) | ${(osqPerEvent[r] / pyPerEvent[r]).toFixed(2)}`,
    );
  }
  const keptAll = kept.reduce((a, b) => a + b, 0);
  console.log(
    `  kept     osq ${keptAll} of ${expected * rounds} (${
      (keptAll * 100 / (expected * rounds)).toFixed(2)
    } %, ${overflowLines} overflows counted) | python ${pyRuns.reduce((a, p) => a + p.seen, 0)} (${
      pyRuns.reduce((a, p) => a + p.overflow, 0)
    } overflows)`,
  );
  console.log(
    `  CPU      median osq ${median(osqPerEvent).toFixed(1)} us/event | python ${
      median(pyPerEvent).toFixed(1)
    } us/event | ratio ${(median(osqPerEvent) / median(pyPerEvent)).toFixed(2)} (target <= 1.5)`,
  );
  console.log(
    `  schedule 1 s query during the daemon's bursts: ${tickRuns} runs, largest gap ${maxGap} s (target <= 2)`,
  );
} finally {
  await d.kill();
  d.cleanup();
}
