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

const ROOT = new URL("..", import.meta.url).pathname;
const SOURCE = `${ROOT}core/vtab/native/cursor.c`;
const TARGETS = [
  { arch: "x86_64", prefix: "", extra: ["-fcf-protection=none"], relocation: /R_X86_64/ },
  { arch: "aarch64", prefix: "aarch64-linux-gnu-", extra: ["-mbranch-protection=none"], relocation: /R_AARCH64/ },
];
const ENTRIES = ["osq_next", "osq_eof", "osq_column", "osq_rowid"];
const CHECK = Deno.args.includes("--check");
/** Files a --check run found stale. */
const stale: string[] = [];

/** Writes a generated file, or with --check compares it with the committed one. */
async function emit(path: string, text: string): Promise<void> {
  if (!CHECK) {
    await Deno.writeTextFile(path, text);
    console.log(`Wrote ${path}`);
    return;
  }
  const committed = await Deno.readTextFile(path).catch(() => "");
  if (committed !== text) stale.push(path);
  else console.log(`${path}: up to date`);
}

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
    const program = `#include <stddef.h>\n#include <stdio.h>\n#include "${SOURCE}"\nint main(void) {\n${
      LAYOUT_FIELDS.map(([name, expr]) => `  printf("${name} %zu\\n", (size_t)(${expr}));`).join("\n")
    }\n  return 0;\n}\n`;
    await Deno.writeTextFile(`${dir}/layout.c`, program);
    await run("gcc", ["-O0", `${dir}/layout.c`, "-o", `${dir}/layout`]);
    const printed = await run(`${dir}/layout`, []);
    const lines = printed.trim().split("\n").map((line) => `  ${line.replace(" ", ": ")},`);
    await emit(
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

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

async function build(target: typeof TARGETS[number]): Promise<void> {
  const OUTPUT = `${ROOT}core/vtab/native/${target.arch}.ts`;
  const dir = await Deno.makeTempDir();
  try {
    const object = `${dir}/cursor.o`;
    const flags = [
      "-O2",
      "-fPIC",
      "-ffreestanding",
      "-fno-stack-protector",
      "-fno-jump-tables",
      "-fno-asynchronous-unwind-tables",
      "-fno-unwind-tables",
      ...target.extra,
    ];
    await run(`${target.prefix}gcc`, [...flags, "-c", SOURCE, "-o", object]);
    const relocations = await run(`${target.prefix}objdump`, ["-r", object]);
    if (target.relocation.test(relocations)) throw new Error(`cursor.c needs relocations:\n${relocations}`);
    const sections = await run(`${target.prefix}objdump`, ["-h", object]);
    for (const name of [".data", ".bss", ".rodata"]) {
      const m = new RegExp(`\\s${name.replace(".", "\\.")}\\S*\\s+([0-9a-f]+)`).exec(sections);
      if (m && parseInt(m[1], 16) !== 0) throw new Error(`cursor.c must not use ${name}`);
    }
    const binary = `${dir}/cursor.bin`;
    await run(`${target.prefix}objcopy`, ["-O", "binary", "--only-section=.text", object, binary]);
    const bytes = await Deno.readFile(binary);
    const symbols = await run(`${target.prefix}nm`, [object]);
    const offsets: Record<string, number> = {};
    for (const name of ENTRIES) {
      const m = new RegExp(`^([0-9a-f]+) T ${name}$`, "m").exec(symbols);
      if (!m) throw new Error(`cursor.o has no ${name}`);
      offsets[name] = parseInt(m[1], 16);
    }
    const gcc = (await run(`${target.prefix}gcc`, ["--version"])).split("\n")[0];
    const hex = Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, "0")}`);
    const lines: string[] = [];
    for (let i = 0; i < hex.length; i += 16) lines.push(`  ${hex.slice(i, i + 16).join(", ")},`);
    const text = `/**
 * Machine code of core/vtab/native/cursor.c for ${target.arch} (the Linux calling convention), built by
 * scripts/build_native_cursor.ts with ${gcc}. Generated: edit cursor.c and rebuild.
 *
 * @module
 */

/** The code, position-independent and free of relocations. */
// deno-fmt-ignore
export const CODE: Uint8Array<ArrayBuffer> = new Uint8Array([
${lines.join("\n")}
]);

/** Byte offsets of the entry points in {@linkcode CODE}. */
export const ENTRY = {
  next: ${offsets.osq_next},
  eof: ${offsets.osq_eof},
  column: ${offsets.osq_column},
  rowid: ${offsets.osq_rowid},
} as const;
`;
    await emit(OUTPUT, text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a target's compiler is installed. */
async function hasCompiler(prefix: string): Promise<boolean> {
  try {
    await run(`${prefix}gcc`, ["--version"]);
    return true;
  } catch {
    return false;
  }
}

await layout();
for (const target of TARGETS) {
  if (CHECK && !(await hasCompiler(target.prefix))) {
    console.log(`skipped ${target.arch}: ${target.prefix}gcc is not installed`);
    continue;
  }
  await build(target);
}
if (stale.length) {
  console.error(`stale (rebuild with deno run -A scripts/build_native_cursor.ts): ${stale.join(", ")}`);
  Deno.exit(1);
}
