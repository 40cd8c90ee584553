/**
 * `deno task build`: writes dist/osq, one executable file that runs osq on a Linux x86-64 host with
 * no Node.js, npm, Deno or checkout (only glibc and libsqlite3, as every Debian/RHEL host has).
 *
 *   deno run -A scripts/build.ts [--output dist/osq]
 *
 * Why not `deno compile` (kept as `deno task compile`): it needs `denort`, downloaded from
 * dl.deno.land, which our machines cannot reach. This build uses only what we have: the pinned Deno
 * binary (npm package `deno`), `deno bundle` (esbuild, from npm) and the machine's C compiler.
 *
 * dist/osq = the loader (packaging/loader/osq_loader.c, statically linked) + a payload:
 *
 * - `deno`: the pinned Deno 2.9 binary this script runs under;
 * - `osq.js` and its chunks: main.ts and the workers bundled with code splitting. Every `import()`
 *   of osq's own modules uses a static specifier, so each lazily imported module (each face, each
 *   table) is a chunk of its own, read only when a command imports it;
 * - `shell/entry.js` and its chunks: the shell's own entry (which the loader runs for `osq shell`
 *   and `osqueryi`) bundled alone. Bundled with main.ts, its modules were spread over the chunks
 *   they share with the daemon's and other faces' code: `select 1` read 28 files; alone, 18
 *   (~5 ms of CPU and ~1 MiB less per start, for ~4 MiB more payload);
 * - the workers' entries (`cmd/daemon/query_worker.js`, ...): each `new URL("./x_worker.ts",
 *   import.meta.url)` in a chunk is rewritten to point at its worker's entry;
 * - `sdk.js` + `import_map.json`: `import ... from "osq/sdk"` in a user's extension module resolves
 *   to the SDK inside the bundle (sdk/README.md);
 *
 * then an index (name, offset, size, mode per line) and a 64-byte trailer: "OSQPACK1", the
 * index's offset and length, and the payload id (the first 32 hex digits of its SHA-256), which
 * names the cache directory the loader unpacks into once.
 *
 * @module
 */
import { OSQ_VERSION } from "../core/runtime/version.ts";
import { concatBytes } from "../core/bytes.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/**
 * Program entries besides main.ts, each bundled alone into a directory of the payload (its chunks
 * hold only its own modules): the loader runs the shell's own entry, `shell/entry.js`, for
 * `osq shell` and `osqueryi` (no dispatch, no dynamic import of the shell before it starts).
 */
export const ENTRIES: readonly { source: string; dir: string }[] = [{ source: "cmd/shell/entry.ts", dir: "shell" }];

/** Workers the program starts, by the source path their `new Worker(new URL(...))` names. */
export const WORKERS: readonly string[] = ["cmd/daemon/query_worker.ts", "cmd/shell/interrupt_worker.ts"];

/** Raised when a build step fails; the message names the step and what to check. */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

function run(program: string, args: string[], what: string): void {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command(program, { args, cwd: ROOT, stdout: "piped", stderr: "piped" }).outputSync();
  } catch (err) {
    throw new BuildError(`${what}: cannot run ${program}: ${err instanceof Error ? err.message : err}`);
  }
  if (!out.success) {
    throw new BuildError(`${what} failed (${program} ${args.join(" ")}):\n${decoder.decode(out.stderr)}`);
  }
}

/** The pinned Deno binary to ship: the one running this script, when it is a Linux x86-64 ELF of Deno 2.9. */
function denoBinary(): string {
  const path = Deno.realPathSync(Deno.execPath());
  const head = new Uint8Array(20);
  const file = Deno.openSync(path);
  try {
    file.readSync(head);
  } finally {
    file.close();
  }
  const elf = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  if (!elf || head[18] !== 0x3e || !Deno.version.deno.startsWith("2.9.")) {
    throw new BuildError(
      `${path} is not a Linux x86-64 Deno 2.9 binary; run the build with the pinned Deno (./scripts/deno_env.sh).`,
    );
  }
  return path;
}

/**
 * `deno bundle` (esbuild) of `entries` (paths relative to the repository) into `dir`, split into
 * chunks, each lazily imported module a chunk of its own; `what` names the step in errors.
 */
export function esbuild(dir: string, entries: string[], what: string): void {
  run(
    Deno.execPath(),
    [
      "bundle",
      "--quiet",
      "--no-lock",
      "--platform",
      "deno",
      "--code-splitting",
      // Minified, names kept (error classes and stack traces keep their names): V8 reads about a
      // quarter less source at each start (select 1: ~0.01 s of CPU and ~0.5 MiB less).
      "--minify",
      "--keep-names",
      "--outdir",
      dir,
      ...entries,
    ],
    what,
  );
}

/**
 * Bundles main.ts and the workers into `outDir` with code splitting: each lazily imported module
 * (a face, a table) becomes its own chunk, loaded (and parsed) only when imported. A single-file
 * bundle would hoist every module's `node:` imports to the top and make V8 read all of osq at each
 * start; the chunks keep a one-shot query at the cost of the modules it uses.
 */
function bundle(outDir: string): void {
  Deno.removeSync(outDir, { recursive: true });
  esbuild(outDir, ["main.ts", ...WORKERS], "bundling main.ts and the workers");
  for (const entry of ENTRIES) esbuild(`${outDir}/${entry.dir}`, [entry.source], `bundling ${entry.source}`);
}

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...walk(dir, rel));
    else if (entry.isFile) out.push(rel);
  }
  return out.sort();
}

/** The relative URL from the directory of `from` to `to` (both relative to the bundle's root). */
function relativeUrl(from: string, to: string): string {
  const up = from.split("/").length - 1;
  return (up === 0 ? "./" : "../".repeat(up)) + to;
}

/**
 * Points a chunk's worker URLs (`new URL("./x_worker.ts", import.meta.url)`, written next to the
 * worker's source) at the worker's bundle; `workers` maps "./x_worker.ts" to the bundle's path
 * relative to the bundle root, `file` is the chunk's own path. Fails on a worker it does not know.
 */
export function rewriteWorkerUrls(code: string, workers: ReadonlyMap<string, string>, file: string): string {
  return code.replace(
    /new URL\("(\.\/[A-Za-z0-9_]+_worker)\.ts",\s*import\.meta\.url\)/g,
    (_all, base: string) => {
      const target = workers.get(`${base}.ts`);
      if (target === undefined) {
        throw new BuildError(`${file} starts a worker ${base}.ts that scripts/build.ts WORKERS does not list`);
      }
      return `new URL("${relativeUrl(file, target)}", import.meta.url)`;
    },
  );
}

/**
 * esbuild gives chunks that call `require` a `createRequire` from `node:module`, a static import that
 * sets up Deno's Node layer at every start. The bundled code only requires Node built-ins, which
 * `process.getBuiltinModule` returns when (and only when) they are first needed.
 */
export function lazyRequire(code: string): string {
  // Plain or minified output: `import { createRequire as X } from "node:module"; var Y = X(import.meta.url);`.
  return code.replace(
    /import\s*\{\s*createRequire as ([\w$]+)\s*\}\s*from\s*"node:module";\s*var ([\w$]+)\s*=\s*\1\(import\.meta\.url\);/,
    (_all, _create: string, require: string) => `var ${require} = (id) => globalThis.process.getBuiltinModule(id);`,
  );
}

/** The SDK shim: re-exports the SDK instance the bundle published (cmd/extension.ts sets it). */
export function sdkShim(exportNames: readonly string[]): string {
  return [
    "// osq/sdk for extension modules run by the one-file osq (generated by scripts/build.ts).",
    'const sdk = globalThis[Symbol.for("osq.sdk")];',
    'if (!sdk) throw new Error("osq/sdk is available to modules run by `osq extension` only");',
    `export const { ${exportNames.join(", ")} } = sdk;`,
    "",
  ].join("\n");
}

/** Compiles the loader, statically linked when the C library allows it. */
function compileLoader(out: string): void {
  const source = `${ROOT}packaging/loader/osq_loader.c`;
  const flags = ["-Os", "-Wall", "-Wextra", "-Werror", "-o", out, source];
  try {
    run("gcc", ["-static", ...flags], "compiling the loader (static)");
  } catch (err) {
    console.warn(`osq build: static link failed, linking the loader dynamically: ${(err as Error).message}`);
    run("gcc", flags, "compiling the loader");
  }
  run("strip", [out], "stripping the loader");
}

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", concatBytes(parts)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds the executable at `output`; returns its path. */
export async function build(output = `${ROOT}dist/osq`): Promise<string> {
  // A work directory of this build's own: the build and package tests may build at the same time.
  Deno.mkdirSync(`${ROOT}dist`, { recursive: true });
  const work = Deno.makeTempDirSync({ dir: `${ROOT}dist`, prefix: ".build-" });
  try {
    return await buildIn(work, output);
  } finally {
    Deno.removeSync(work, { recursive: true });
  }
}

async function buildIn(work: string, output: string): Promise<string> {
  const deno = denoBinary();
  const out = `${work}/bundle`;
  Deno.mkdirSync(out, { recursive: true });
  bundle(out);
  const workers = new Map(WORKERS.map((w) => [`./${w.split("/").pop()}`, w.replace(/\.ts$/, ".js")]));
  const started = new Set<string>();
  const files: { name: string; data: Uint8Array; mode: number }[] = [
    { name: "deno", data: Deno.readFileSync(deno), mode: 0o755 },
  ];
  for (const rel of walk(out)) {
    let code = Deno.readTextFileSync(`${out}/${rel}`);
    for (const m of code.matchAll(/new URL\("(\.\/[A-Za-z0-9_]+_worker\.ts)",\s*import\.meta\.url\)/g)) {
      started.add(m[1]);
    }
    code = lazyRequire(rewriteWorkerUrls(code, workers, rel));
    for (const m of code.matchAll(/new Worker\(([^)]{0,120})/g)) {
      if (!/_worker\.js"/.test(m[1])) throw new BuildError(`${rel} starts a worker the build cannot map: ${m[0]}`);
    }
    if (/from\s*"node:module"/.test(code)) {
      throw new BuildError(`${rel} still imports node:module (esbuild changed its shim?)`);
    }
    // The entry is main.js; the loader runs osq.js (same directory, so its chunk imports still resolve).
    files.push({ name: rel === "main.js" ? "osq.js" : rel, data: new TextEncoder().encode(code), mode: 0o644 });
  }
  for (const name of workers.keys()) {
    if (!started.has(name)) throw new BuildError(`worker ${name} is listed in WORKERS but no chunk starts it`);
  }
  for (const entry of ENTRIES) {
    const name = `${entry.dir}/${entry.source.slice(entry.source.lastIndexOf("/") + 1).replace(/\.ts$/, ".js")}`;
    // packaging/loader/osq_loader.c runs this path (SHELL_ENTRY) for the shell.
    if (!files.some((f) => f.name === name)) {
      throw new BuildError(`the bundle has no ${name} for the entry ${entry.source}`);
    }
  }
  const sdk = await import("../sdk/mod.ts");
  files.push({ name: "sdk.js", data: new TextEncoder().encode(sdkShim(Object.keys(sdk).sort())), mode: 0o644 });
  files.push({
    name: "import_map.json",
    data: new TextEncoder().encode(JSON.stringify({ imports: { "osq/sdk": "./sdk.js" } }, null, 2) + "\n"),
    mode: 0o644,
  });
  compileLoader(`${work}/osq_loader`);
  const loader = Deno.readFileSync(`${work}/osq_loader`);

  let offset = loader.length;
  const index: string[] = [];
  for (const f of files) {
    index.push(`${f.name}\t${offset}\t${f.data.length}\t${f.mode.toString(8)}`);
    offset += f.data.length;
  }
  const indexBytes = new TextEncoder().encode(index.join("\n") + "\n");
  const id = (await sha256Hex([...files.map((f) => f.data), indexBytes])).slice(0, 32);
  const trailer = new Uint8Array(64);
  trailer.set(new TextEncoder().encode("OSQPACK1"), 0);
  const view = new DataView(trailer.buffer);
  view.setBigUint64(8, BigInt(offset), true);
  view.setBigUint64(16, BigInt(indexBytes.length), true);
  trailer.set(new TextEncoder().encode(id), 24);

  Deno.mkdirSync(output.slice(0, output.lastIndexOf("/")) || ".", { recursive: true });
  const tmp = `${output}.tmp${Deno.pid}`;
  const file = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o755 });
  try {
    for (const part of [loader, ...files.map((f) => f.data), indexBytes, trailer]) {
      let written = 0;
      while (written < part.length) written += file.writeSync(part.subarray(written));
    }
  } finally {
    file.close();
  }
  Deno.chmodSync(tmp, 0o755);
  Deno.renameSync(tmp, output);
  const size = Deno.statSync(output).size;
  console.log(`osq build: ${output} (osq ${OSQ_VERSION}, payload ${id}, ${(size / 1048576).toFixed(1)} MiB)`);
  return output;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--output");
  try {
    await build(i >= 0 ? Deno.args[i + 1] : undefined);
  } catch (err) {
    if (!(err instanceof BuildError)) throw err;
    console.error(`osq build: ${err.message}`);
    Deno.exit(1);
  }
}
