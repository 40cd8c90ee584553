import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { ConfigReadError, readConfigFile } from "./read.ts";

function fifo(path: string): void {
  const made = new Deno.Command("mkfifo", { args: [path] }).outputSync();
  assert(made.success, "mkfifo failed");
}

Deno.test("config read: a regular file is read whole; over --read_max it is refused", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/a.conf`, '{"schedule":{}}');
    assertEquals(readConfigFile(`${dir}/a.conf`), '{"schedule":{}}');
    const err = assertThrows(() => readConfigFile(`${dir}/a.conf`, { readMax: 4 }), ConfigReadError);
    assert(err.message.includes("larger than --read_max"), err.message);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config read: devices, FIFOs and /proc files from a glob are refused without blocking or reading", () => {
  const dir = Deno.makeTempDirSync();
  try {
    fifo(`${dir}/p.conf`);
    for (const path of ["/dev/zero", "/dev/null", `${dir}/p.conf`, "/proc/kmsg", "/proc/self/status"]) {
      const err = assertThrows(() => readConfigFile(path), Error);
      assert(/not a regular file|kernel file/.test(err.message), `${path}: ${err.message}`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config read: the explicitly named config may be a device: /dev/null is empty, /dev/zero stops at --read_max, a FIFO without writer is empty", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assertEquals(readConfigFile("/dev/null", { allowSpecial: true }), "");
    const err = assertThrows(
      () => readConfigFile("/dev/zero", { allowSpecial: true, readMax: 1 << 20 }),
      ConfigReadError,
    );
    assert(err.message.includes("larger than --read_max"), err.message);
    fifo(`${dir}/p.conf`);
    assertEquals(readConfigFile(`${dir}/p.conf`, { allowSpecial: true }), "");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
