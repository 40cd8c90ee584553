// Tests for the /proc-parsing tables: cpu_time, memory_info, load_average, kernel_modules,
// memory_map, shared_memory and kernel_keys.
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import cpuTime from "./cpu_time.ts";
import memoryInfo, { parseMemInfo } from "./memory_info.ts";
import loadAverage, { loadAverageRows, parseLoadAvg } from "./load_average.ts";
import kernelModules from "./kernel_modules.ts";
import memoryMap from "./memory_map.ts";
import sharedMemory, { parseSysvShm } from "./shared_memory.ts";
import kernelKeys from "./kernel_keys.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const root = fixture("host_a");

Deno.test("cpu_time: per-core lines become rows; the aggregate, bad names and short lines are skipped", () => {
  const rows = generated(cpuTime, root);
  assertEquals(rows.map((r) => r.core), [0, 1, 2]);
  assertEquals(rows[0].user, "1393280");
  assertEquals(rows[0].softirq, "17875");
  assertEquals([rows[1].steal, rows[1].guest, rows[1].guest_nice], ["0", "0", "0"]);
  assertEquals(rows[2].guest_nice, "10");
});

Deno.test("cpu_time: the live host has a row per online core", () => {
  const rows = new Engine().query("SELECT * FROM cpu_time");
  assert(rows.length >= 1);
  assert(rows.every((r) => Number(r.idle) >= 0));
});

Deno.test("memory_info: kB values are converted to bytes; malformed values stay NULL", () => {
  const [row] = generated(memoryInfo, root);
  assertEquals(row.memory_total, 16314856 * 1024);
  assertEquals(row.active, 6993788 * 1024); // not Active(anon)
  assertEquals(row.swap_total, 2097148 * 1024);
  assertEquals(row.swap_free, undefined);
  assertEquals(parseMemInfo("\0garbage\n"), {});
});

Deno.test("memory_info: live total memory is positive", () => {
  const [row] = new Engine().query("SELECT memory_total, memory_free FROM memory_info");
  assert(Number(row.memory_total) > 0);
  assert(Number(row.memory_free) <= Number(row.memory_total));
});

Deno.test("load_average: three periods with six decimals", () => {
  assertEquals(generated(loadAverage, root), [
    { period: "1m", average: "0.520000" },
    { period: "5m", average: "0.580000" },
    { period: "15m", average: "0.590000" },
  ]);
  assertEquals(loadAverageRows(parseLoadAvg("x y")), []);
});

Deno.test("load_average: live table has the three periods", () => {
  const rows = new Engine().query("SELECT period FROM load_average");
  assertEquals(rows.map((r) => r.period), ["1m", "5m", "15m"]);
});

Deno.test("kernel_modules: fields split, trailing commas trimmed, short lines skipped", () => {
  assertEquals(generated(kernelModules, root), [
    {
      name: "nf_tables",
      size: "372736",
      used_by: "nft_compat,nft_counter",
      status: "Live",
      address: "0xffffffffc0a1b000",
    },
    { name: "ip_tables", size: "36864", used_by: "-", status: "Live", address: "0x0000000000000000" },
  ]);
});

Deno.test("memory_map: nested regions included, malformed lines skipped", () => {
  const rows = generated(memoryMap, root);
  assertEquals(rows.length, 6);
  assertEquals(rows[3], { name: "System ROM", start: "0x000f0000", end: "0x000fffff" });
  assertEquals(rows[5].name, "Kernel code");
});

Deno.test("shared_memory: segments parsed with destroy and lock flags from the mode", () => {
  const rows = generated(sharedMemory, root);
  assertEquals(rows.length, 2);
  assertEquals(rows[0], {
    shmid: "3",
    owner_uid: "1000",
    creator_uid: "1000",
    pid: "3333",
    creator_pid: "2222",
    atime: "1700000000",
    dtime: "1700000100",
    ctime: "1699999999",
    permissions: "1600",
    size: "524288",
    attached: "2",
    status: "dest",
    locked: 0,
  });
  assertEquals([rows[1].permissions, rows[1].status], ["0644", ""]);
  assertEquals(parseSysvShm(""), []);
  assertEquals(generated(sharedMemory, fixture("broken")), []);
});

Deno.test("kernel_keys: fields parsed, a two-word description joined as osquery's, broken lines skipped", () => {
  const rows = generated(kernelKeys, root);
  assertEquals(rows.length, 4);
  assertEquals(rows[1], {
    serial_number: "26a120ac",
    flags: "I--Q---",
    usage: "2",
    timeout: "perm",
    permissions: "1f3f0000",
    uid: "0",
    gid: "65534",
    type: "keyring",
    description: "_uid.0:empty",
  });
  // osquery skips a description of more than two words; osq keeps it verbatim.
  assertEquals(rows[2].description, "my key with spaces: 32");
  assertEquals(rows[3].description, ".dns_resolver:empty");
  assertEquals(rows[2].timeout, "59m");
});

Deno.test("proc tables: live queries run without error", () => {
  const engine = new Engine();
  for (const table of ["kernel_modules", "memory_map", "shared_memory", "kernel_keys"]) {
    const rows = engine.query(`SELECT * FROM ${table}`);
    assert(Array.isArray(rows));
  }
});
