import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { hashFileSync, HashSkippedError } from "./hash.ts";

Deno.test("hashFileSync: digests of a file larger than the read buffer match a one-shot hash", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-hash-" });
  try {
    const data = new Uint8Array(3 * (1 << 20) + 17).map((_, i) => (i * 31) & 0xff);
    Deno.writeFileSync(`${dir}/big`, data);
    Deno.writeFileSync(`${dir}/empty`, new Uint8Array());
    for (const [name, bytes] of [["big", data], ["empty", new Uint8Array()]] as const) {
      assertEquals(hashFileSync(`${dir}/${name}`, ["md5", "sha1", "sha256"]), {
        md5: createHash("md5").update(bytes).digest("hex"),
        sha1: createHash("sha1").update(bytes).digest("hex"),
        sha256: createHash("sha256").update(bytes).digest("hex"),
      });
    }
    assertThrows(() => hashFileSync(`${dir}/big`, ["md5"], { readMax: 1024 }), HashSkippedError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("hashFileSync: a FIFO without a writer and /proc/kmsg end at once instead of blocking", async () => {
  // Run in a child process: before the fix these reads hang forever, which must fail the test
  // rather than hang the runner.
  const dir = Deno.makeTempDirSync({ prefix: "osq-hash-fifo-" });
  try {
    const mk = new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    assert(mk.success, "mkfifo failed");
    const targets = [`${dir}/fifo`];
    try {
      Deno.openSync("/proc/kmsg").close();
      targets.push("/proc/kmsg");
    } catch {
      console.warn("/proc/kmsg is not readable here (not root or no procfs): checking the FIFO only");
    }
    const script = `
      import { hashFileSync } from ${JSON.stringify(new URL("./hash.ts", import.meta.url).href)};
      for (const p of ${JSON.stringify(targets)}) {
        try { hashFileSync(p, ["md5"]); console.log(p, "hashed"); }
        catch (e) { console.log(p, e.name); }
      }`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const out = await child.output();
    clearTimeout(deadline);
    const text = new TextDecoder().decode(out.stdout);
    assert(out.success, `the child blocked or failed: ${new TextDecoder().decode(out.stderr)}`);
    assert(text.includes(`${dir}/fifo HashSkippedError`), text);
    if (targets.length > 1) assert(/\/proc\/kmsg (HashSkippedError|hashed)/.test(text), text);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
