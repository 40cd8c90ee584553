// Tests for msr over fake /dev/cpu/N/msr files: a regular file read at the register's address behaves like the device.
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import msr from "./msr.ts";
import { generated } from "./system_test_helpers.ts";

/** Writes a fake msr device whose registers hold `values` (address → value); unlisted addresses read as 0 or past the end. */
function writeMsr(root: string, cpu: string, values: Record<number, bigint>, length: number) {
  Deno.mkdirSync(`${root}/dev/cpu/${cpu}`, { recursive: true });
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  for (const [address, value] of Object.entries(values)) {
    if (Number(address) + 8 <= length) view.setBigUint64(Number(address), value, true);
  }
  Deno.writeFileSync(`${root}/dev/cpu/${cpu}/msr`, bytes);
}

Deno.test("msr: registers per CPU, the turbo bit as a flag, perf_ctl masked, 64-bit values kept exact", () => {
  const root = Deno.makeTempDirSync();
  try {
    const full = {
      0x1a0: 1n << 38n,
      0x1ad: 0x1c1c1c1c1c1c1c1cn,
      0xce: 0x80838f1011b00n,
      0x198: 0x1f2100001a00n,
      0x199: 0xabcd1a00n,
      0x3a: 5n,
      0x610: 0x42816000dd80b8n,
      0x611: 123456789n,
      0x606: 0xa0e03n,
    };
    writeMsr(root, "0", full, 0x700);
    // CPU 1's device ends before the RAPL registers: those reads come up short and are left NULL.
    writeMsr(root, "1", { ...full, 0x1a0: 0n }, 0x600);
    Deno.mkdirSync(`${root}/dev/cpu/microcode`, { recursive: true });
    const rows = generated(msr, root);
    // A plain file overlaps neighbouring addresses (0x198/0x199, 0x610/0x611) where real MSRs do not, so the
    // expected values of those come from the bytes as they ended up in the file.
    const bytes = Deno.readFileSync(`${root}/dev/cpu/0/msr`);
    const at = (a: number) => new DataView(bytes.buffer).getBigUint64(a, true);
    assertEquals(rows[0], {
      processor_number: 0,
      turbo_disabled: 1,
      turbo_ratio_limit: 0x1c1c1c1c1c1c1c1cn,
      platform_info: 0x80838f1011b00,
      perf_status: Number(at(0x198)),
      perf_ctl: 0x1a00,
      feature_control: 5,
      rapl_power_limit: Number(at(0x610)),
      rapl_energy_status: 123456789,
      rapl_power_units: 0xa0e03,
    });
    assertEquals(rows.length, 2);
    assertEquals([rows[1].turbo_disabled, rows[1].rapl_power_units, rows[1].rapl_energy_status], [
      0,
      undefined,
      undefined,
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("msr: no /dev/cpu or unopenable devices give no rows; the live query runs", () => {
  assertEquals(generated(msr, "/nonexistent"), []);
  const live = new Engine().query("SELECT * FROM msr");
  let hasMsr = false;
  try {
    hasMsr = Deno.statSync("/dev/cpu/0/msr").isCharDevice === true;
  } catch { /* msr module not loaded */ }
  if (!hasMsr) assertEquals(live, []);
  else assert(live.every((r) => typeof r.processor_number === "number"));
});
