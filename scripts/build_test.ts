/**
 * The one-file executable (scripts/build.ts) on a host that has nothing but it: dist/osq is copied
 * alone into an empty directory and run with an empty environment (`env -i`: no node, npm or deno
 * on PATH, a fresh HOME), from that directory, so no checkout is reachable through the
 * environment, the working directory or the file's location.
 *
 * dist/osq is built first when missing; without a C compiler the tests are skipped, saying so.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { lazyRequire, rewriteWorkerUrls, sdkShim } from "./build.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DIST = `${ROOT}dist/osq`;

function haveCompiler(): boolean {
  try {
    return new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const skipReason = exists(DIST) || haveCompiler()
  ? undefined
  : "dist/osq is missing and gcc is not installed to build it (apt-get install gcc libc6-dev)";
if (skipReason) console.warn(`scripts/build_test.ts skipped: ${skipReason}`);

let built: Promise<void> | undefined;
/** Builds dist/osq once when it is missing. */
function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    if (exists(DIST)) return;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", `${ROOT}scripts/build.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, `deno task build failed:\n${new TextDecoder().decode(out.stderr)}`);
  })();
  return built;
}

/** An empty directory holding only a copy of dist/osq (and the faces' links), with a fresh HOME. */
async function isolatedCopy(): Promise<{ dir: string; home: string; env: string[] }> {
  await ensureBuilt();
  const dir = await Deno.makeTempDir({ prefix: "osq_onefile_" });
  Deno.copyFileSync(DIST, `${dir}/osq`);
  Deno.chmodSync(`${dir}/osq`, 0o755);
  Deno.symlinkSync("osq", `${dir}/osqueryi`);
  Deno.linkSync(`${dir}/osq`, `${dir}/osqueryd`);
  const home = `${dir}/home`;
  Deno.mkdirSync(home);
  // OSQ_CACHE_DIR inside the fresh HOME: root would otherwise unpack into /var/cache/osquery.
  const env = ["-i", `HOME=${home}`, `OSQ_CACHE_DIR=${home}/.cache/osq`, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"];
  return { dir, home, env };
}

function run(
  cwd: string,
  env: string[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Deno.Command("env", { args: [...env, ...args], cwd, stdout: "piped", stderr: "piped" }).output()
    .then((o) => ({
      code: o.code,
      stdout: new TextDecoder().decode(o.stdout),
      stderr: new TextDecoder().decode(o.stderr),
    }));
}

async function poll(what: string, check: () => boolean, seconds = 90): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

Deno.test("the build points each chunk's worker URL at the worker's bundle and refuses unknown workers", () => {
  const code = 'new Worker(new URL("./query_worker.ts", import.meta.url), { type: "module" })';
  const workers = new Map([["./query_worker.ts", "cmd/daemon/query_worker.js"]]);
  assertEquals(
    rewriteWorkerUrls(code, workers, "chunk-A.js"),
    'new Worker(new URL("./cmd/daemon/query_worker.js", import.meta.url), { type: "module" })',
  );
  assertEquals(
    rewriteWorkerUrls(code, workers, "cmd/shell/x.js"),
    'new Worker(new URL("../../cmd/daemon/query_worker.js", import.meta.url), { type: "module" })',
  );
  let refused = "";
  try {
    rewriteWorkerUrls(code.replace("query", "other"), workers, "chunk-A.js");
  } catch (err) {
    refused = (err as Error).message;
  }
  assert(refused.includes("other_worker.ts"), refused);
  assert(sdkShim(["defineTable"]).includes("export const { defineTable } = sdk;"));
  assertEquals(
    lazyRequire(
      'import { createRequire as __deno_internal_createRequire } from "node:module";\n' +
        "var __require = __deno_internal_createRequire(import.meta.url);",
    ),
    "var __require = (id) => globalThis.process.getBuiltinModule(id);",
  );
  // The bundle is minified: the same shim and worker URLs without spaces.
  assertEquals(
    lazyRequire('import{createRequire as e}from"node:module";var r=e(import.meta.url);var x=1;'),
    "var r = (id) => globalThis.process.getBuiltinModule(id);var x=1;",
  );
  assertEquals(
    rewriteWorkerUrls(
      'new Worker(new URL("./query_worker.ts",import.meta.url),{type:"module"})',
      workers,
      "chunk-A.js",
    ),
    'new Worker(new URL("./cmd/daemon/query_worker.js", import.meta.url),{type:"module"})',
  );
});

Deno.test({
  name: "dist/osq alone, with an empty environment: osqueryi --json lists processes",
  ignore: skipReason !== undefined,
  async fn() {
    const { dir, env } = await isolatedCopy();
    try {
      const out = await run(dir, env, ["./osqueryi", "--json", "select pid, name from processes where pid = 1"]);
      assertEquals(out.code, 0, out.stderr);
      const rows = JSON.parse(out.stdout) as { pid: string; name: string }[];
      assertEquals(rows.length, 1);
      assertEquals(rows[0].pid, "1");
      // The face comes from the link's name; through the plain name it is a subcommand.
      const version = await run(dir, env, ["./osq", "version"]);
      assert(/^osq \S+ \(osquery \S+ compatible\)/.test(version.stdout), version.stdout + version.stderr);
      // `osq shell` runs the shell's own entry (the loader drops the "shell" argument).
      const shell = await run(dir, env, ["./osq", "shell", "--json", "select 'shell' as face"]);
      assertEquals(JSON.parse(shell.stdout), [{ face: "shell" }], shell.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "dist/osq alone: osqueryd (with its watchdog worker) logs a differential result line",
  ignore: skipReason !== undefined,
  async fn() {
    const { dir, env } = await isolatedCopy();
    const config = `${dir}/osquery.conf`;
    Deno.writeTextFileSync(
      config,
      JSON.stringify({ schedule: { init: { query: "select pid, name from processes where pid = 1", interval: 1 } } }),
    );
    Deno.mkdirSync(`${dir}/logs`);
    const daemon = new Deno.Command("env", {
      args: [
        ...env,
        "./osqueryd",
        `--config_path=${config}`,
        `--database_path=${dir}/osquery.db`,
        `--logger_path=${dir}/logs`,
        `--pidfile=${dir}/osqueryd.pid`,
        `--extensions_socket=${dir}/osquery.em`,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const results = `${dir}/logs/osqueryd.results.log`;
      const lines = () => exists(results) ? Deno.readTextFileSync(results).split("\n").filter(Boolean) : [];
      await poll("a result line in osqueryd.results.log", () => lines().length > 0).catch(async (err) => {
        daemon.kill("SIGKILL");
        const out = await daemon.output();
        throw new Error(`${err.message}; osqueryd said: ${new TextDecoder().decode(out.stderr)}`);
      });
      const line = JSON.parse(lines()[0]);
      assertEquals(line.name, "init");
      assertEquals(line.action, "added");
      assertEquals(line.columns.pid, "1");
    } finally {
      try {
        daemon.kill("SIGTERM");
      } catch {
        // it exited already (the failure above says why)
      }
      await daemon.output().catch(() => undefined);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "dist/osq alone: an extension module copied alone imports osq/sdk and its table answers",
  ignore: skipReason !== undefined,
  async fn() {
    const { dir, env } = await isolatedCopy();
    Deno.copyFileSync(`${ROOT}testdata/extensions/example.ts`, `${dir}/example.ts`);
    const socket = `${dir}/ext.em`;
    const extension = new Deno.Command("env", {
      args: [...env, "./osq", "extension", "--socket", socket, "--timeout", "60", "example.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const out = await run(dir, env, [
        "./osqueryi",
        "--disable_extensions=false",
        `--extensions_socket=${socket}`,
        "--extensions_require=example",
        "--extensions_timeout=60",
        "--json",
        "select n, square from example_numbers where n = 3",
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(JSON.parse(out.stdout), [{ n: "3", square: "9" }]);
    } finally {
      try {
        extension.kill("SIGTERM");
      } catch {
        // it already exited with the core
      }
      await extension.output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the source launcher through links named osqueryi and osqueryd picks the shell and the daemon", async () => {
  const dir = await Deno.makeTempDir({ prefix: "osq_launcher_links_" });
  try {
    Deno.symlinkSync(`${ROOT}osq`, `${dir}/osqueryi`);
    Deno.symlinkSync(`${ROOT}osq`, `${dir}/osqueryd`);
    const shell = await run(dir, [], ["./osqueryi", "--json", "select 1 as x"]);
    assertEquals(shell.code, 0, shell.stderr);
    assertEquals(JSON.parse(shell.stdout), [{ x: "1" }]);
    const daemon = await run(dir, [], ["./osqueryd", "--help"]);
    assertEquals(daemon.code, 0, daemon.stderr);
    assert(/osqueryd|daemon/i.test(daemon.stdout), daemon.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
