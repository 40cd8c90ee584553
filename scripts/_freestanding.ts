/**
 * What the builds of osq's native code share (scripts/build_native_cursor.ts for
 * core/vtab/native/cursor.c, scripts/build_native_rows.ts for core/sqlite/native/rows.c): compile a
 * C file freestanding for x86-64 and AArch64, check that the code has no relocations and no data
 * (the bytes must run as is from any address), and write the machine code with its entry offsets
 * as a TypeScript module osq embeds (no compiler is needed at run time). With `--check` nothing is
 * written: a committed file that differs from a fresh build is reported as stale.
 *
 * @module
 */

/** The repository's root directory, with a trailing slash. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** A machine the code is built for: its cross-tool prefix, its own flags, its relocation names. */
export interface Target {
  arch: "x86_64" | "aarch64";
  prefix: string;
  extra: string[];
  relocation: RegExp;
}

/** x86-64 and AArch64 Linux. */
export const TARGETS: readonly Target[] = [
  { arch: "x86_64", prefix: "", extra: ["-fcf-protection=none"], relocation: /R_X86_64/ },
  { arch: "aarch64", prefix: "aarch64-linux-gnu-", extra: ["-mbranch-protection=none"], relocation: /R_AARCH64/ },
];

/** Runs a tool and returns its standard output; throws with its standard error when it fails. */
export async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

/** Generated files: written, or with `check` compared with the committed ones. */
export class GeneratedFiles {
  readonly #check: boolean;
  readonly #stale: string[] = [];

  constructor(check: boolean) {
    this.#check = check;
  }

  /** Writes `text` to `path`, or with `check` notes `path` as stale when it differs. */
  async emit(path: string, text: string): Promise<void> {
    if (!this.#check) {
      await Deno.writeTextFile(path, text);
      console.log(`Wrote ${path}`);
      return;
    }
    const committed = await Deno.readTextFile(path).catch(() => "");
    if (committed !== text) this.#stale.push(path);
    else console.log(`${path}: up to date`);
  }

  /** Exits 1 naming the stale files (and the command that rebuilds them), if any. */
  finish(script: string): void {
    if (!this.#stale.length) return;
    console.error(`stale (rebuild with deno run -A ${script}): ${this.#stale.join(", ")}`);
    Deno.exit(1);
  }
}

/** Compiled code: its bytes, its entry points' offsets by symbol name, and the compiler's name. */
export interface CompiledCode {
  bytes: Uint8Array;
  offsets: Record<string, number>;
  gcc: string;
}

/**
 * Compiles `source` (a path under {@linkcode ROOT}) for `target` with `flags` besides the
 * freestanding, position-independent ones, checks it needs no relocation and holds no data, and
 * returns its `.text` with the offsets of `entries`.
 */
export async function compileFreestanding(
  source: string,
  target: Target,
  flags: string[],
  entries: readonly string[],
): Promise<CompiledCode> {
  const file = source.slice(source.lastIndexOf("/") + 1);
  const stem = file.replace(/\.c$/, "");
  const dir = await Deno.makeTempDir();
  try {
    const object = `${dir}/${stem}.o`;
    const all = [
      "-O2",
      "-fPIC",
      "-ffreestanding",
      ...flags,
      "-fno-stack-protector",
      "-fno-jump-tables",
      "-fno-asynchronous-unwind-tables",
      "-fno-unwind-tables",
      ...target.extra,
    ];
    await run(`${target.prefix}gcc`, [...all, "-c", `${ROOT}${source}`, "-o", object]);
    const relocations = await run(`${target.prefix}objdump`, ["-r", object]);
    if (target.relocation.test(relocations)) throw new Error(`${file} needs relocations:\n${relocations}`);
    const sections = await run(`${target.prefix}objdump`, ["-h", object]);
    for (const name of [".data", ".bss", ".rodata"]) {
      const m = new RegExp(`\\s${name.replace(".", "\\.")}\\S*\\s+([0-9a-f]+)`).exec(sections);
      if (m && parseInt(m[1], 16) !== 0) throw new Error(`${file} must not use ${name}`);
    }
    const binary = `${dir}/${stem}.bin`;
    await run(`${target.prefix}objcopy`, ["-O", "binary", "--only-section=.text", object, binary]);
    const bytes = await Deno.readFile(binary);
    const symbols = await run(`${target.prefix}nm`, [object]);
    const offsets: Record<string, number> = {};
    for (const name of entries) {
      const m = new RegExp(`^([0-9a-f]+) T ${name}$`, "m").exec(symbols);
      if (!m) throw new Error(`${stem}.o has no ${name}`);
      offsets[name] = parseInt(m[1], 16);
    }
    const gcc = (await run(`${target.prefix}gcc`, ["--version"])).split("\n")[0];
    return { bytes, offsets, gcc };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The TypeScript module that embeds `code` built from `source` by `script` for `arch`: `CODE`,
 * and `ENTRY`, whose object literal text is `entry`.
 */
export function codeModule(source: string, script: string, arch: string, code: CompiledCode, entry: string): string {
  const file = source.slice(source.lastIndexOf("/") + 1);
  const hex = Array.from(code.bytes, (b) => `0x${b.toString(16).padStart(2, "0")}`);
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 16) lines.push(`  ${hex.slice(i, i + 16).join(", ")},`);
  return `/**
 * Machine code of ${source} for ${arch} (the Linux calling convention), built by
 * ${script} with ${code.gcc}. Generated: edit ${file} and rebuild.
 *
 * @module
 */

/** The code, position-independent and free of relocations. */
// deno-fmt-ignore
export const CODE: Uint8Array<ArrayBuffer> = new Uint8Array([
${lines.join("\n")}
]);

/** Byte offsets of the entry points in {@linkcode CODE}. */
export const ENTRY = ${entry} as const;
`;
}

/** Whether a target's compiler is installed. */
export async function hasCompiler(prefix: string): Promise<boolean> {
  try {
    await run(`${prefix}gcc`, ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `build` for each target; with `check`, a target whose cross compiler is missing is
 * skipped with a line saying so.
 */
export async function forEachTarget(check: boolean, build: (target: Target) => Promise<void>): Promise<void> {
  for (const target of TARGETS) {
    if (check && !(await hasCompiler(target.prefix))) {
      console.log(`skipped ${target.arch}: ${target.prefix}gcc is not installed`);
      continue;
    }
    await build(target);
  }
}
