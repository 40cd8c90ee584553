/**
 * Side-by-side figures for the files tables against the native tools doing the same work:
 * `hash` (SHA-256 of a 32 MiB file, cache disabled so every run reads the file) against
 * sha256sum, and a recursive `file` walk (`path LIKE '/usr/share/%%'`) against `find -printf`
 * stat'ing the same tree. Run: `deno bench -A tables/files/files_bench.ts`.
 */
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import "./mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "osq-bench-" });
const big = `${dir}/big.bin`;
const data = new Uint8Array(32 * 1024 * 1024);
for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
Deno.writeFileSync(big, data);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const engine = new Engine();

function run(cmd: string, args: string[]): void {
  const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
  if (!out.success) throw new Error(`${cmd} failed`);
}

Deno.bench({ name: "hash: osq sha256 of 32 MiB (uncached)", group: "sha256", baseline: true, n: 20 }, () => {
  flags.set("disable_hash_cache", true);
  engine.query(`select sha256 from hash where path = '${big}'`);
  flags.set("disable_hash_cache", false);
});

Deno.bench({ name: "hash: sha256sum of 32 MiB", group: "sha256", n: 20 }, () => {
  run("sha256sum", [big]);
});

Deno.bench({ name: "hash: osq sha256 of 32 MiB (cached)", group: "sha256", n: 20 }, () => {
  engine.query(`select sha256 from hash where path = '${big}'`);
});

Deno.bench({ name: "file: osq path LIKE '/usr/share/%%'", group: "walk", baseline: true, n: 5 }, () => {
  engine.query("select path, size, mode, mtime from file where path like '/usr/share/%%'");
});

Deno.bench({ name: "file: find /usr/share -printf (stat each entry)", group: "walk", n: 5 }, () => {
  run("find", ["/usr/share", "-printf", "%p %s %m %T@\\n"]);
});
