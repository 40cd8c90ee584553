/**
 * How fast Ctrl-C stops a long query in the console, end to end through a pseudo-terminal:
 *
 *   deno run -A scripts/bench_interrupt.ts [runs=3] [delay_s=1.5] [query]
 *
 * For each run it starts `./osq shell` on a pty, waits for the prompt, types
 * `select count(*) from file where path like '/%%';` (a walk of the whole filesystem; or `query`,
 * e.g. `select count(sha256) from hash where path like '/usr/%%'` for hashing), sends
 * Ctrl-C after `delay_s` seconds and times how long the shell takes to print the next prompt.
 * Prints each latency, the median and the maximum (target: under 1 s), beside the time the
 * same walk takes to finish when nobody interrupts it.
 *
 * @module
 */
const runs = Number(Deno.args[0] ?? 3);
const delay = Number(Deno.args[1] ?? 1.5);
const query = Deno.args[2] ?? "select count(*) from file where path like '/%%'";
const repo = new URL("..", import.meta.url).pathname;

const PTY = `
import os, pty, select, sys, time, json
argv, delay, query = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""
def wait_for(token, start, timeout=120):
    global out
    end = time.time() + timeout
    while time.time() < end:
        i = out.find(token, start)
        if i >= 0:
            return i + len(token)
        r, _, _ = select.select([fd], [], [], 0.01)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    raise SystemExit("timed out waiting for %r: %r" % (token, out[-300:]))
at = wait_for(b"osquery> ", 0)
os.write(fd, query.encode() + b";\\r")
time.sleep(delay)
sent = time.time()
os.write(fd, b"\\x03")
# The editor redraws the prompt as the query is typed: the prompt that counts follows the error.
at = wait_for(b"interrupted", at)
at = wait_for(b"osquery> ", at)
back = time.time()
ok = True
os.write(fd, b".quit\\r")
os.waitpid(pid, 0)
print(json.dumps({"latency": back - sent, "interrupted": ok}))
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const latencies: number[] = [];
for (let i = 0; i < runs; i++) {
  const out = new Deno.Command("python3", {
    args: ["-c", PTY, JSON.stringify([`${repo}osq`, "shell"]), String(delay), query],
    stdout: "piped",
    stderr: "inherit",
    env: { TERM: "xterm" },
  }).outputSync();
  if (!out.success) throw new Error("the pty run failed");
  const { latency, interrupted } = JSON.parse(new TextDecoder().decode(out.stdout));
  console.log(
    `run ${i + 1}: prompt back ${(latency * 1000).toFixed(0)} ms after Ctrl-C${
      interrupted ? "" : " (not interrupted)"
    }`,
  );
  latencies.push(latency);
}
const started = performance.now();
const full = new Deno.Command(`${repo}osq`, {
  args: ["shell", "--csv", query],
  stdout: "piped",
}).outputSync();
const fullMs = performance.now() - started;
console.log(
  `Ctrl-C latency: median ${(median(latencies) * 1000).toFixed(0)} ms, max ${
    (Math.max(...latencies) * 1000).toFixed(0)
  } ms (target < 1000 ms); the same query uninterrupted: ${(fullMs / 1000).toFixed(1)} s, count ${
    new TextDecoder().decode(full.stdout).trim().split("\n").pop()
  }`,
);
