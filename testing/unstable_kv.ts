/**
 * For test files that need Deno KV: under `deno test` without `--unstable-kv` (an editor, a bare
 * `deno test file`), the file registers one test that re-runs the whole file in a child that has
 * the flag, so its tests still run and fail where they would.
 *
 * ```ts
 * import { rerunWithKv } from "../../testing/unstable_kv.ts";
 * if (!kvAvailable()) rerunWithKv("kv", import.meta.url);
 * else { Deno.test(...); }
 * ```
 *
 * @module
 */
import { assert } from "./assert.ts";

/** Registers the test `<subject>: the tests pass under --unstable-kv`, running `fileUrl` in a child. */
export function rerunWithKv(subject: string, fileUrl: string): void {
  Deno.test(`${subject}: the tests pass under --unstable-kv`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--unstable-kv", "--no-check", new URL(fileUrl).pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, text);
  });
}
