/**
 * One test per piece of embedded machine code (core/vtab/native/cursor.c,
 * core/sqlite/native/rows.c): its build script's `--check` mode rebuilds the code and compares it
 * byte for byte with the committed files. Skipped, with the reason printed, where no C compiler
 * is installed (a target whose cross compiler is missing is reported by the script).
 *
 * @module
 */
import { assert } from "./assert.ts";

function hasGcc(): boolean {
  try {
    return new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Registers the test `name`: `scripts/<script> --check` passes. `source` names the C file (for the
 * skip notice and the failure message).
 */
export function testNativeBuild(name: string, script: string, source: string): void {
  const path = new URL(`../scripts/${script}`, import.meta.url).pathname;
  const gcc = hasGcc();
  if (!gcc) console.warn(`${name}: skipped — gcc is not installed, so ${source} cannot be rebuilt here`);
  Deno.test({
    name,
    ignore: !gcc,
    async fn() {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", path, "--check"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      console.log(text.trim());
      assert(out.success, `the committed files built from ${source} are stale:\n${text}`);
    },
  });
}
