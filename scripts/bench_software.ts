/**
 * Side-by-side timing of software tables against the native tools, in one run:
 *
 *   deno run -A scripts/bench_software.ts [iterations]
 *
 * - `SELECT * FROM deb_packages` (parse /var/lib/dpkg/status in TypeScript, rows through SQLite)
 *   against `dpkg-query -W` (libdpkg in C, spawned as a user would run it).
 * - `SELECT * FROM rpm_packages` (librpm over FFI) against `rpm -qa` on the test rpmdb fixture.
 *
 * Runs alternate so that cache warmth and background load hit both sides alike. Prints the
 * median and best wall time of each and the ratio of medians (osq / native).
 *
 * @module
 */
import { Engine } from "../core/engine.ts";
import { Registry } from "../core/registry.ts";
import { fixtureHost } from "../core/host/host.ts";
import debPackagesTable from "../tables/software/deb_packages.ts";
import rpmPackagesTable from "../tables/software/rpm_packages.ts";

const iterations = Number(Deno.args[0] ?? 25);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function compare(label: string, ours: () => number, native: () => number): void {
  // One warm-up run each: JIT, page cache, dynamic loader.
  const ourCount = ours();
  const nativeCount = native();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < iterations; i++) {
    a.push(time(ours));
    b.push(time(native));
  }
  const ma = median(a);
  const mb = median(b);
  console.log(`${label}`);
  console.log(`  osq:    median ${ma.toFixed(2)} ms, best ${Math.min(...a).toFixed(2)} ms (${ourCount} rows)`);
  console.log(`  native: median ${mb.toFixed(2)} ms, best ${Math.min(...b).toFixed(2)} ms (${nativeCount} lines)`);
  console.log(`  ratio osq/native (median): ${(ma / mb).toFixed(2)}x over ${iterations} runs`);
}

// The rpmdb fixture, copied into a root of its own (librpm may leave lock files beside it).
const rpmRoot = Deno.makeTempDirSync({ prefix: "osq-bench-rpmdb-" });
const rpmDb = `${rpmRoot}/var/lib/rpm`;
Deno.mkdirSync(rpmDb, { recursive: true });
Deno.copyFileSync(
  new URL("../testdata/software/root/var/lib/rpm/rpmdb.sqlite", import.meta.url),
  `${rpmDb}/rpmdb.sqlite`,
);
const registry = new Registry();
registry.addTable(debPackagesTable);
const engine = new Engine({ registry });
const rpmRegistry = new Registry();
rpmRegistry.addTable(rpmPackagesTable);
const rpmEngine = new Engine({ registry: rpmRegistry, host: fixtureHost(rpmRoot) });

function hasTool(name: string): boolean {
  try {
    new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

if (hasTool("dpkg-query")) {
  compare(
    "SELECT * FROM deb_packages  vs  dpkg-query -W",
    () => engine.query("SELECT * FROM deb_packages").length,
    () => {
      const out = new Deno.Command("dpkg-query", { args: ["-W"], stdout: "piped", stderr: "null" }).outputSync();
      let lines = 0;
      for (const byte of out.stdout) if (byte === 10) lines++;
      return lines;
    },
  );
} else {
  console.log("dpkg-query not found: skipping the deb_packages comparison");
}

if (hasTool("rpm")) {
  compare(
    "SELECT * FROM rpm_packages  vs  rpm -qa (fixture rpmdb, 2 packages)",
    () => rpmEngine.query("SELECT * FROM rpm_packages").length,
    () => {
      const out = new Deno.Command("rpm", { args: ["--dbpath", rpmDb, "-qa"], stdout: "piped", stderr: "null" })
        .outputSync();
      let lines = 0;
      for (const byte of out.stdout) if (byte === 10) lines++;
      return lines;
    },
  );
} else {
  console.log("rpm not found: skipping the rpm_packages comparison");
}
Deno.removeSync(rpmRoot, { recursive: true });
