/**
 * The embedded machine code is what rows.c compiles to: the build script's `--check` mode
 * rebuilds it and compares byte for byte. Skipped, with the reason printed, where no C compiler
 * is installed (a target whose cross compiler is missing is reported by the script).
 *
 * @module
 */
import { assert } from "../../../testing/assert.ts";

const SCRIPT = new URL("../../../scripts/build_native_rows.ts", import.meta.url).pathname;

function hasGcc(): boolean {
  try {
    return new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const gcc = hasGcc();
if (!gcc) console.warn("rows_build_test: skipped — gcc is not installed, so rows.c cannot be rebuilt here");

Deno.test({
  name: "native row batches: the embedded code is a fresh build of rows.c",
  ignore: !gcc,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, "--check"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    console.log(text.trim());
    assert(out.success, `the committed native row batch files are stale:\n${text}`);
  },
});
