/**
 * FIM burst, side by side in one run: files are created under a watched directory at a burst
 * rate while both the daemon (`--enable_file_events`, hashing on) and a Python inotify reader
 * that does the same work per event (stat and MD5/SHA-1/SHA-256 of the file) watch it.
 *
 *   deno run -A --unstable-kv scripts/bench_events_burst.ts [files=50000] [rate=7600]
 *
 * Creating an empty file gives two events (IN_CREATE, IN_CLOSE_WRITE), so 50,000 files are
 * 100,000 events. Printed:
 * - events kept: file_events rows in the daemon's store after the burst (with --events_max
 *   raised so the cap drops none) against the Python reader's count, and the overflows osq
 *   counted (target: >= 99 % kept, or every loss counted as an overflow);
 * - CPU per event: the daemon's CPU over the burst (its idle rate before the burst taken off)
 *   per kept event, against the Python reader's own CPU per event (target <= 1.5x);
 * - schedule: the largest gap between consecutive runs of a 1 s snapshot query during the burst
 *   (target: never more than 1 s late, i.e. gaps <= 2 s).
 * The watchdog is off (its CPU limit would stop a daemon that hashes 100k files).
 *
 * @module
 */
import { TestDaemon } from "../testing/test_daemon.ts";

const files = Number(Deno.args[0] ?? 50_000);
const rate = Number(Deno.args[1] ?? 7600);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // clock ticks per second (USER_HZ)

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 1000 / TICK;
}

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
d.writeConfig({
  schedule: {
    fe: { query: "SELECT count(*) AS n FROM file_events", interval: 1, denylist: false },
    tick: { query: "SELECT unix_time FROM time", interval: 1, snapshot: true, denylist: false },
  },
  file_paths: { watched: [`${w}/%%`] },
});
try {
  d.start([
    "--disable_watchdog",
    "--enable_file_events",
    "--disable_events=false",
    `--events_max=${files * 4}`,
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

  const reader = new Deno.Command("python3", { args: ["-c", PY_READER, w, String(files * 2)], stdout: "piped" })
    .spawn();
  const lines = reader.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      buffered += value;
    }
    const at = buffered.indexOf("\n");
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return line;
  };
  await nextLine(); // ready
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const burstStart = Math.floor(Date.now() / 1000);
  const writer = new Deno.Command("python3", {
    args: ["-c", PY_WRITER, w, String(files), String(rate)],
    stdout: "piped",
  })
    .outputSync();
  const writeSeconds = Number(new TextDecoder().decode(writer.stdout).trim());
  const [pySeen, pyOverflow, pyCpu] = (await nextLine()).split(" ").map(Number);
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
  const busyMs = last - cpu0 - idleRate * (lastT - t0);
  const burstEnd = Math.floor(Date.now() / 1000);
  await sleep(3000);
  await d.stop();
  await reader.status;

  const kv = await (Deno as unknown as { openKv(p: string): Promise<Deno.Kv> }).openKv(`${d.dir}/db/osquery.db`);
  let kept = 0;
  for await (const e of kv.list<{ rows: string }>({ prefix: ["events", "file_events"] })) {
    for (const row of JSON.parse(e.value.rows) as { target_path: string }[]) if (row.target_path !== probe) kept++;
  }
  kv.close();
  const status = d.text("osqueryd.INFO") + d.text("osqueryd.WARNING") + d.stderr;
  const overflowLines = [...status.matchAll(/overflowed (\d+) time/g)].reduce((n, m) => n + Number(m[1]), 0);
  const ticks = d.lines("snapshots").filter((l) => l.name === "tick").map((l) => Number(l.unixTime))
    .filter((t) => t >= burstStart && t <= burstEnd).sort((a, b) => a - b);
  let maxGap = 0;
  for (let i = 1; i < ticks.length; i++) maxGap = Math.max(maxGap, ticks[i] - ticks[i - 1]);
  const expected = files * 2;
  const osqPerEvent = busyMs * 1000 / Math.max(1, kept);
  const pyPerEvent = pyCpu * 1e6 / Math.max(1, pySeen);
  console.log(
    `FIM burst: ${files} files (${expected} events) written in ${writeSeconds.toFixed(1)} s (${
      (files / writeSeconds).toFixed(0)
    } files/s), hashing on`,
  );
  console.log(
    `  kept     osq ${kept} (${
      (kept * 100 / expected).toFixed(2)
    } %, ${overflowLines} overflows counted) | python ${pySeen} (${pyOverflow} overflows)`,
  );
  console.log(
    `  CPU      osq ${osqPerEvent.toFixed(1)} us/event | python ${pyPerEvent.toFixed(1)} us/event | ratio ${
      (osqPerEvent / pyPerEvent).toFixed(2)
    } (target <= 1.5)`,
  );
  console.log(
    `  schedule 1 s query during the burst: ${ticks.length} runs in ${
      burstEnd - burstStart
    } s, largest gap ${maxGap} s (target <= 2)`,
  );
} finally {
  await d.kill();
  d.cleanup();
}
