/**
 * Builds the native half of the virtual-table cursor: compiles core/vtab/native/cursor.c
 * freestanding for x86-64 and AArch64, checks that the code has no relocations and that there
 * is no data (the bytes must run as is from any address), and writes each machine code and its
 * entry offsets to core/vtab/native/<arch>.ts, which osq embeds (no compiler is needed at run
 * time).
 *
 * Run on x86-64 Linux: deno run -A scripts/build_native_cursor.ts
 * With `--check` it writes nothing and exits 1 when a committed file differs from a fresh build
 * (core/vtab/native/cursor_build_test.ts runs it so).
 *
 * The struct layout (the offsets of Cursor's and Cell's fields) is read from the compiler too and
 * written to core/vtab/native/layout.ts, so the C file is the only place it is written by hand.
 * Needs gcc and binutils, and for AArch64 the cross tools (apt-get install gcc-aarch64-linux-gnu).
 * To run the tests on AArch64 without the hardware: apt-get install qemu-user, add the arm64
 * architecture with libc6:arm64 and libsqlite3-0:arm64, take Deno for arm64 from the npm
 * package @deno/linux-arm64-glibc, and run `qemu-aarch64 -L / <deno> test -A core/vtab/`.
 *
 * @module
 */

import { codeModule, compileFreestanding, forEachTarget, GeneratedFiles, ROOT, run } from "./_freestanding.ts";

const SOURCE = "core/vtab/native/cursor.c";
const SCRIPT = "scripts/build_native_cursor.ts";
const ENTRIES = ["osq_next", "osq_eof", "osq_column", "osq_rowid"];
const CHECK = Deno.args.includes("--check");
const files = new GeneratedFiles(CHECK);

/** The Cursor and Cell fields whose offsets TypeScript needs, as the C compiler lays them out. */
const LAYOUT_FIELDS = [
  ["cursorBytes", "sizeof(Cursor)"],
  ["api", "offsetof(Cursor, api)"],
  ["cells", "offsetof(Cursor, cells)"],
  ["arena", "offsetof(Cursor, arena)"],
  ["refill", "offsetof(Cursor, refill)"],
  ["cancel", "offsetof(Cursor, cancel)"],
  ["row", "offsetof(Cursor, row)"],
  ["rows", "offsetof(Cursor, rows)"],
  ["columns", "offsetof(Cursor, columns)"],
  ["done", "offsetof(Cursor, done)"],
  ["rowid", "offsetof(Cursor, rowid)"],
  ["cellBytes", "sizeof(Cell)"],
  ["cellValue", "offsetof(Cell, value)"],
] as const;

/** Compiles a host program that includes cursor.c and prints the layout; writes layout.ts. */
async function layout(): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const program = `#include <stddef.h>\n#include <stdio.h>\n#include "${ROOT}${SOURCE}"\nint main(void) {\n${
      LAYOUT_FIELDS.map(([name, expr]) => `  printf("${name} %zu\\n", (size_t)(${expr}));`).join("\n")
    }\n  return 0;\n}\n`;
    await Deno.writeTextFile(`${dir}/layout.c`, program);
    await run("gcc", ["-O0", `${dir}/layout.c`, "-o", `${dir}/layout`]);
    const printed = await run(`${dir}/layout`, []);
    const lines = printed.trim().split("\n").map((line) => `  ${line.replace(" ", ": ")},`);
    await files.emit(
      `${ROOT}core/vtab/native/layout.ts`,
      `/**
 * Byte offsets of core/vtab/native/cursor.c's Cursor and Cell structs as the C compiler lays them
 * out (LP64: the same on x86-64 and AArch64 Linux), written by scripts/build_native_cursor.ts.
 * Generated: edit cursor.c and rebuild.
 *
 * @module
 */

/** Sizes and field offsets, in bytes. */
export const LAYOUT = {
${lines.join("\n")}
} as const;
`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

await layout();
await forEachTarget(CHECK, async (target) => {
  const code = await compileFreestanding(SOURCE, target, [], ENTRIES);
  const o = code.offsets;
  const entry = `{
  next: ${o.osq_next},
  eof: ${o.osq_eof},
  column: ${o.osq_column},
  rowid: ${o.osq_rowid},
}`;
  await files.emit(`${ROOT}core/vtab/native/${target.arch}.ts`, codeModule(SOURCE, SCRIPT, target.arch, code, entry));
});
files.finish(SCRIPT);
