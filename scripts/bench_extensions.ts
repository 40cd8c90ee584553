/**
 * Extension round trips, timed side by side in one run:
 *
 *   deno run -A scripts/bench_extensions.ts [iterations]
 *
 * The core (this process: engine + extension manager) asks an extension for a table of
 * 1,000 rows x 5 columns, as osquery does: socket check, ping on one connection, `call
 * generate` on a new one, decode, rows through SQLite. Measured per call (ms), against:
 * - the same table generated in-process (no socket: the cost floor of SQLite + our vtab);
 * - the same Thrift call without SQLite (the protocol and socket alone);
 * - the same table served by an extension written with Apache Thrift's Python library
 *   (osquery's own Python SDK stack), when python3-thrift and thrift-compiler are installed.
 *
 * Target: < 5 ms per 1,000 x 5 generate through the socket (osq core to osq extension).
 *
 * @module
 */
import { Engine } from "../core/engine.ts";
import { Registry } from "../core/registry.ts";
import { startExtensionManager } from "../core/extensions/manager.ts";
import { callExtensionSync } from "../core/extensions/proxy.ts";
import { DEFAULT_LIMITS } from "../core/thrift/protocol.ts";
import bench from "../testdata/extensions/bench_extension.ts";

const iterations = Number(Deno.args[0] ?? 200);
const ROOT = new URL("../", import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timing {
  median: number;
  best: number;
}

function measure(label: string, fn: () => number): Timing {
  const rows = fn(); // warm-up: JIT, first connection
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  const m = median(times);
  const best = Math.min(...times);
  console.log(`${label.padEnd(58)} ${m.toFixed(3).padStart(8)} ms/call (best ${best.toFixed(3)}, ${rows} rows)`);
  return { median: m, best };
}

async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not register in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dir = await Deno.makeTempDir({ prefix: "osq-bench-ext-" });
const registry = new Registry();
registry.addTable({ ...bench.tables![0], name: "local_rows" } as Parameters<Registry["addTable"]>[0]);
const engine = new Engine({ registry });
const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 60_000, log: () => {} });
const children: Deno.ChildProcess[] = [];
try {
  children.push(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}main.ts`,
        "extension",
        "--socket",
        manager.path,
        `${ROOT}testdata/extensions/bench_extension.ts`,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn(),
  );
  await waitFor(() => registry.table("bench_rows") !== undefined, "The osq extension");
  let python: string | undefined;
  try {
    const bindings = `${dir}/py`;
    Deno.mkdirSync(bindings);
    const gen = new Deno.Command("thrift", {
      args: ["--gen", "py", "-out", bindings, `${ROOT}core/thrift/osquery.thrift`],
    })
      .outputSync();
    for (const candidate of ["/usr/bin/python3", "python3"]) {
      const ok = gen.success &&
        new Deno.Command(candidate, { args: ["-c", "import thrift"], stderr: "null" }).outputSync().success;
      if (ok) {
        python = candidate;
        children.push(
          new Deno.Command(candidate, {
            args: [`${ROOT}testdata/extensions/py_bench_extension.py`, bindings, manager.path],
            stdout: "null",
            stderr: "inherit",
          }).spawn(),
        );
        break;
      }
    }
  } catch {
    python = undefined;
  }
  if (python) await waitFor(() => registry.table("py_bench_rows") !== undefined, "The Python extension");

  console.log(`extension generate of 1,000 rows x 5 columns, median of ${iterations} calls\n`);
  const local = measure(
    "in-process table, select * (no socket)",
    () => engine.query("select * from local_rows").length,
  );
  const ext = manager.extensions().find((e) => e.info.name === "bench")!;
  const target = { name: "bench", socket: ext.socket, timeoutMs: 10_000, limits: DEFAULT_LIMITS };
  const raw = measure(
    "Thrift ping + call generate only (osq core -> osq ext)",
    () => callExtensionSync(target, "table", "bench_rows", { action: "generate", context: "{}" }).response.length,
  );
  const viaSql = measure(
    "select * through SQLite (osq core -> osq extension)",
    () => engine.query("select * from bench_rows").length,
  );
  let py: Timing | undefined;
  if (python) {
    py = measure(
      "select * through SQLite (osq core -> Python Thrift ext)",
      () => engine.query("select * from py_bench_rows").length,
    );
  } else {
    console.log("(Python comparison skipped: install thrift-compiler and python3-thrift)");
  }
  const ratio = (a: Timing, b: Timing) =>
    `${(a.median / b.median).toFixed(2)}x median, ${(a.best / b.best).toFixed(2)}x best`;
  console.log(`\nthrough the socket vs in-process (select *): ${ratio(viaSql, local)}`);
  console.log(
    `generate through the socket (ping + call + decode): ${raw.median.toFixed(3)} ms median, ${
      raw.best.toFixed(3)
    } ms best; target < 5 ms: ${raw.median < 5 ? "met" : "missed"}`,
  );
  if (py !== undefined) console.log(`Python Thrift extension / osq extension (select *): ${ratio(py, viaSql)}`);
  console.log(`load average while measuring: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  await manager.stop();
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited after shutdown
    }
    await child.status;
  }
  engine.close();
  await Deno.remove(dir, { recursive: true });
}
