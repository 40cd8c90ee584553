/**
 * The shell bundle `./osq shell` runs (scripts/build_shell.ts): the launcher's freshness check, the
 * bundle's output against the sources', and the launcher rebuilding a stale bundle.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { buildShellBundle, BUNDLE_DIR, freshScript, isFresh } from "./build_shell.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUN = ["run", "-A", "--unstable-kv", "--quiet", "--no-prompt", "--no-lock", "--no-config"];

/** Runs the generated check under /bin/sh (dash here, as the launcher) and returns osq_stale. */
function staleUnderSh(root: string, stamp: string, script: string): string {
  const out = new Deno.Command("/bin/sh", {
    args: ["-c", 'r=$1 stamp=$2; . "$3"; printf %s "$osq_stale"', "sh", `${root}/`, stamp, script],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("the launcher's freshness check is stale only when a listed source is newer than the stamp", () => {
  const root = Deno.makeTempDirSync({ prefix: "osq_fresh_" });
  try {
    Deno.mkdirSync(`${root}/sub`);
    for (const f of ["a.ts", "sub/b.ts", "unlisted.ts"]) Deno.writeTextFileSync(`${root}/${f}`, "");
    Deno.writeTextFileSync(`${root}/fresh.sh`, freshScript(["a.ts", "sub/b.ts"]));
    const stamp = `${root}/stamp`;
    Deno.writeTextFileSync(stamp, "");
    const at = (path: string, seconds: number) => Deno.utimeSync(path, seconds, seconds);
    at(`${root}/a.ts`, 1000);
    at(`${root}/sub/b.ts`, 1000);
    at(`${root}/unlisted.ts`, 3000);
    at(stamp, 2000);
    assertEquals(staleUnderSh(root, stamp, `${root}/fresh.sh`), "");
    at(`${root}/sub/b.ts`, 2001);
    assertEquals(staleUnderSh(root, stamp, `${root}/fresh.sh`), "1");
    at(`${root}/sub/b.ts`, 1000);
    Deno.removeSync(stamp);
    assertEquals(staleUnderSh(root, stamp, `${root}/fresh.sh`), "1", "no stamp: stale");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("the shell bundle prints what the shell's sources print, and maps the interrupt worker", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq_shell_bundle_" });
  try {
    buildShellBundle(dir);
    assert(isFresh(dir), "a bundle just built is fresh");
    const listed = Deno.readTextFileSync(`${dir}/fresh.sh`);
    for (const source of ["cmd/shell/entry.ts", "cmd/shell/interrupt_worker.ts", "scripts/build_shell.ts"]) {
      assert(listed.includes(`"$r"${source} \\`), `fresh.sh lists ${source}`);
    }
    const chunks = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".js"));
    assert(
      chunks.some((c) => Deno.readTextFileSync(`${dir}/${c.name}`).includes('"./workers/interrupt_worker.js"')),
      "a chunk starts the bundled interrupt worker",
    );
    const sql = "select 1 as one, 'a,b' as two, null as three; select count(*) > 0 from osquery_info";
    const run = async (entry: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [...RUN, entry, "--csv", sql],
        env: { DENO_UNSTABLE_LAZY_DYNAMIC_IMPORTS: "1", DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    };
    const [bundled, sources] = await Promise.all([run(`${dir}/entry.js`), run(`${ROOT}cmd/shell/entry.ts`)]);
    assertEquals(bundled, sources);
    assertEquals(bundled.code, 0);
    // The launcher's compiled check (scripts/shell_fresh.c): built wherever gcc runs.
    const checker = `${dir}/fresh`;
    const check = () =>
      new Deno.Command(checker, { args: [ROOT, `${dir}/fresh.list`, `${dir}/stamp`] }).outputSync().code;
    const compiled = [...Deno.readDirSync(dir)].some((e) => e.name === "fresh");
    if (compiled) assertEquals(check(), 0, "fresh: the bundle just built is fresh");
    else {
      let gcc = false;
      try {
        gcc = new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
      } catch {
        // no gcc
      }
      assert(!gcc, "gcc runs, yet the build made no compiled check");
      console.warn("build_shell_test: no gcc, so no compiled freshness check to test (the launcher uses fresh.sh)");
    }
    Deno.utimeSync(`${dir}/stamp`, 0, 0);
    assert(!isFresh(dir), "a stamp older than the sources is stale");
    if (compiled) assertEquals(check(), 1, "fresh: a stamp older than the sources is stale");
    if (compiled) {
      assertEquals(
        new Deno.Command(checker, { args: [ROOT, `${dir}/fresh.list`, `${dir}/no_stamp`] }).outputSync().code,
        1,
        "fresh: no stamp is stale",
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("./osq shell rebuilds a stale bundle before it runs", async () => {
  // Only the stamp is aged: shells running from the bundle meanwhile keep their files.
  try {
    Deno.utimeSync(`${BUNDLE_DIR}/stamp`, 0, 0);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const out = await new Deno.Command(`${ROOT}osq`, { args: ["shell", "--csv", "select 7 as n"], stdout: "piped" })
    .output();
  assertEquals(new TextDecoder().decode(out.stdout), "n\r\n7\r\n");
  assert(isFresh(), `${BUNDLE_DIR} is fresh after ./osq shell (build.log says why not)`);
});

Deno.test("a failed shell bundle build runs the sources and is tried again only after a source changes", async () => {
  // A copy of the checkout (the launcher works from its own directory) whose entry names a worker
  // the bundle's build does not know: the build fails after listing the sources; the shell runs.
  const copy = Deno.makeTempDirSync({ prefix: "osq_failed_bundle_" });
  try {
    for (const dir of ["cmd", "core", "tables", "plugins", "sdk", "scripts"]) {
      const out = new Deno.Command("cp", { args: ["-r", `${ROOT}${dir}`, `${copy}/${dir}`] }).outputSync();
      assert(out.success, `cp ${dir}`);
    }
    for (const file of ["osq", "main.ts", "deno.json"]) Deno.copyFileSync(`${ROOT}${file}`, `${copy}/${file}`);
    Deno.chmodSync(`${copy}/osq`, 0o755);
    Deno.symlinkSync(`${ROOT}.deno`, `${copy}/.deno`);
    const entry = `${copy}/cmd/shell/entry.ts`;
    const original = Deno.readTextFileSync(entry);
    Deno.writeTextFileSync(`${copy}/cmd/shell/unlisted_worker.ts`, "export {};\n");
    Deno.writeTextFileSync(
      entry,
      original +
        'if (Deno.env.get("OSQ_NEVER_SET")) new Worker(new URL("./unlisted_worker.ts", import.meta.url), { type: "module" });\n',
    );
    // Every file of the copy dated a minute back: a source saved within 50 ms before a build counts
    // as newer than it (the stamp's margin for the kernel's coarse file clock), which would make the
    // second start build. The copy's last files (scripts/) were often that recent when only the
    // edited entry was dated back: the launcher and Deno start within ~50 ms.
    const past = Math.floor(Date.now() / 1000) - 60;
    const touched = new Deno.Command("find", {
      args: [copy, "-exec", "touch", "-h", "-d", `@${past}`, "{}", "+"],
    }).outputSync();
    assert(touched.success, "find -exec touch dates the copy back");
    const shell = async () => {
      const out = await new Deno.Command(`${copy}/osq`, { args: ["shell", "--csv", "select 7 as n"], stdout: "piped" })
        .output();
      assertEquals(new TextDecoder().decode(out.stdout), "n\r\n7\r\n");
    };
    const bundle = `${copy}/dist/shell_bundle`;
    await shell();
    const failed = Deno.statSync(`${bundle}/failed`).mtime?.getTime();
    assert(Deno.readTextFileSync(`${bundle}/build.log`).includes("unlisted_worker"), "build.log names the cause");
    await shell();
    assertEquals(Deno.statSync(`${bundle}/failed`).mtime?.getTime(), failed, "no second build while nothing changed");
    Deno.writeTextFileSync(entry, original);
    await shell();
    assert(Deno.statSync(`${bundle}/stamp`).isFile, "the fixed source was bundled");
    assertEquals([...Deno.readDirSync(bundle)].some((e) => e.name === "failed"), false, "the failure mark is gone");
  } finally {
    Deno.removeSync(copy, { recursive: true });
  }
});
