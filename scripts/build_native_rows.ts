/**
 * Builds the native row-batch reader: compiles core/sqlite/native/rows.c freestanding for x86-64
 * and AArch64, checks that the code has no relocations and no data (the bytes must run as is from
 * any address), and writes each machine code and its entry offset to
 * core/sqlite/native/rows_<arch>.ts, which osq embeds (no compiler is needed at run time). The
 * same checks as scripts/build_native_cursor.ts, for the other native file.
 *
 * Run on x86-64 Linux: deno run -A scripts/build_native_rows.ts
 * With `--check` it writes nothing and exits 1 when a committed file differs from a fresh build
 * (core/sqlite/native/rows_build_test.ts runs it so). Needs gcc and binutils, and for AArch64 the
 * cross tools (apt-get install gcc-aarch64-linux-gnu).
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;
const SOURCE = `${ROOT}core/sqlite/native/rows.c`;
const TARGETS = [
  { arch: "x86_64", prefix: "", extra: ["-fcf-protection=none"], relocation: /R_X86_64/ },
  { arch: "aarch64", prefix: "aarch64-linux-gnu-", extra: ["-mbranch-protection=none"], relocation: /R_AARCH64/ },
];
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

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

async function build(target: typeof TARGETS[number]): Promise<void> {
  const OUTPUT = `${ROOT}core/sqlite/native/rows_${target.arch}.ts`;
  const dir = await Deno.makeTempDir();
  try {
    const object = `${dir}/rows.o`;
    const flags = [
      "-O2",
      "-fPIC",
      "-ffreestanding",
      "-fno-builtin",
      // Vector constants would live in .rodata, which the code cannot address from a bare page.
      "-fno-tree-vectorize",
      "-fno-stack-protector",
      "-fno-jump-tables",
      "-fno-asynchronous-unwind-tables",
      "-fno-unwind-tables",
      ...target.extra,
    ];
    await run(`${target.prefix}gcc`, [...flags, "-c", SOURCE, "-o", object]);
    const relocations = await run(`${target.prefix}objdump`, ["-r", object]);
    if (target.relocation.test(relocations)) throw new Error(`rows.c needs relocations:\n${relocations}`);
    const sections = await run(`${target.prefix}objdump`, ["-h", object]);
    for (const name of [".data", ".bss", ".rodata"]) {
      const m = new RegExp(`\\s${name.replace(".", "\\.")}\\S*\\s+([0-9a-f]+)`).exec(sections);
      if (m && parseInt(m[1], 16) !== 0) throw new Error(`rows.c must not use ${name}`);
    }
    const binary = `${dir}/rows.bin`;
    await run(`${target.prefix}objcopy`, ["-O", "binary", "--only-section=.text", object, binary]);
    const bytes = await Deno.readFile(binary);
    const symbols = await run(`${target.prefix}nm`, [object]);
    const entry = (name: string) => {
      const m = new RegExp(`^([0-9a-f]+) T ${name}$`, "m").exec(symbols);
      if (!m) throw new Error(`rows.o has no ${name}`);
      return parseInt(m[1], 16);
    };
    const gcc = (await run(`${target.prefix}gcc`, ["--version"])).split("\n")[0];
    const hex = Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, "0")}`);
    const lines: string[] = [];
    for (let i = 0; i < hex.length; i += 16) lines.push(`  ${hex.slice(i, i + 16).join(", ")},`);
    const text = `/**
 * Machine code of core/sqlite/native/rows.c for ${target.arch} (the Linux calling convention), built by
 * scripts/build_native_rows.ts with ${gcc}. Generated: edit rows.c and rebuild.
 *
 * @module
 */

/** The code, position-independent and free of relocations. */
// deno-fmt-ignore
export const CODE: Uint8Array<ArrayBuffer> = new Uint8Array([
${lines.join("\n")}
]);

/** Byte offsets of the entry points in {@linkcode CODE}. */
export const ENTRY = { rows: ${entry("osq_rows")}, merge: ${entry("osq_merge")}, sort: ${entry("osq_sort")}, apply: ${
      entry("osq_apply")
    } } as const;
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

for (const target of TARGETS) {
  if (CHECK && !(await hasCompiler(target.prefix))) {
    console.log(`skipped ${target.arch}: ${target.prefix}gcc is not installed`);
    continue;
  }
  await build(target);
}
if (stale.length) {
  console.error(`stale (rebuild with deno run -A scripts/build_native_rows.ts): ${stale.join(", ")}`);
  Deno.exit(1);
}
