/**
 * Builds the native row-batch reader: compiles core/sqlite/native/rows.c freestanding for x86-64
 * and AArch64 and writes each machine code and its entry offsets to
 * core/sqlite/native/rows_<arch>.ts, which osq embeds (scripts/_freestanding.ts: the checks and
 * the module's text, shared with scripts/build_native_cursor.ts).
 *
 * Run on x86-64 Linux: deno run -A scripts/build_native_rows.ts
 * With `--check` it writes nothing and exits 1 when a committed file differs from a fresh build
 * (core/sqlite/native/rows_build_test.ts runs it so). Needs gcc and binutils, and for AArch64 the
 * cross tools (apt-get install gcc-aarch64-linux-gnu).
 *
 * @module
 */
import { codeModule, compileFreestanding, forEachTarget, GeneratedFiles, ROOT } from "./_freestanding.ts";

const SOURCE = "core/sqlite/native/rows.c";
const SCRIPT = "scripts/build_native_rows.ts";
const CHECK = Deno.args.includes("--check");
const files = new GeneratedFiles(CHECK);

await forEachTarget(CHECK, async (target) => {
  const code = await compileFreestanding(SOURCE, target, [
    "-fno-builtin",
    // Vector constants would live in .rodata, which the code cannot address from a bare page.
    "-fno-tree-vectorize",
  ], ["osq_rows", "osq_merge", "osq_sort", "osq_apply"]);
  const o = code.offsets;
  const entry = `{ rows: ${o.osq_rows}, merge: ${o.osq_merge}, sort: ${o.osq_sort}, apply: ${o.osq_apply} }`;
  await files.emit(
    `${ROOT}core/sqlite/native/rows_${target.arch}.ts`,
    codeModule(SOURCE, SCRIPT, target.arch, code, entry),
  );
});
files.finish(SCRIPT);
