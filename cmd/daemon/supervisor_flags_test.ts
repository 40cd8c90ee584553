import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { DAEMON_V8_FLAGS, daemonArenaMax, daemonV8Flags } from "./run.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

async function osq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(`${ROOT}/osq`, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("daemon flags: an unknown flag is an error with exit 1 and a suggestion, before anything starts", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = await osq(["daemon", "--watchdog_levl=1", `--pidfile=${dir}/pid`, `--database_path=${dir}/db`]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /Unknown flag --watchdog_levl: did you mean --watchdog_level\?/);
    // Nothing was started: no pidfile, no database.
    assertEquals([...Deno.readDirSync(dir)].length, 0);
    const bogus = await osq(["daemon", "--no_such_flag_at_all", `--pidfile=${dir}/pid`]);
    assertEquals(bogus.code, 1);
    assertMatch(bogus.stderr, /Unknown flag --no_such_flag_at_all/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("daemon flags: flags that table modules define are accepted on the command line and in a flagfile", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/osquery.conf`, JSON.stringify({ schedule: {} }));
    Deno.writeTextFileSync(`${dir}/flags`, "# a flagfile\n--docker_socket=/tmp/none.sock\n--enable_file_events\n");
    const ok = await osq([
      "daemon",
      `--flagfile=${dir}/flags`,
      "--augeas_lenses=/tmp",
      `--config_path=${dir}/osquery.conf`,
      "--config_check",
    ]);
    assertEquals(ok.code, 0, ok.stderr);
    Deno.writeTextFileSync(`${dir}/bad`, "--docker_sockett=/x\n");
    const bad = await osq(["daemon", `--flagfile=${dir}/bad`, `--config_path=${dir}/osquery.conf`, "--config_check"]);
    assertEquals(bad.code, 1);
    assertMatch(bad.stderr, /bad:1: Unknown flag --docker_sockett: did you mean --docker_socket\?/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("daemon flags: --help lists the flags of table modules too", async () => {
  const r = await osq(["daemon", "--help"]);
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /--docker_socket/);
  assertMatch(r.stdout, /--watchdog_level/);
});

Deno.test("daemon flags: the supervisor's parse of core flags does not load the table catalogue", async () => {
  const script = `
    import { flags } from "${ROOT}/core/flags/flags.ts";
    import { registry } from "${ROOT}/core/registry.ts";
    await import("${ROOT}/cmd/daemon.ts");
    flags.parse(["--watchdog_level=1", "--enable_file_events", "--logger_path=/tmp"]);
    // --docker_socket is accepted (osquery's catalogue) but its module, a table's, is not loaded.
    const docker = flags.has("docker_socket") && flags.spec("docker_socket").ignored === true;
    console.log(JSON.stringify({ tables: registry.tables().length, dockerModuleNotLoaded: docker }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-kv", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, new TextDecoder().decode(out.stderr));
  assertEquals(JSON.parse(text), { tables: 0, dockerModuleNotLoaded: true });
});

Deno.test("daemon V8 flags: memory tuning comes first, a user's DENO_V8_FLAGS after it (theirs win), never twice", () => {
  assertEquals(daemonV8Flags(undefined), DAEMON_V8_FLAGS);
  assertEquals(daemonV8Flags(""), DAEMON_V8_FLAGS);
  assertEquals(daemonV8Flags("--trace-gc"), `${DAEMON_V8_FLAGS},--trace-gc`);
  assertEquals(daemonV8Flags(`${DAEMON_V8_FLAGS},--trace-gc`), `${DAEMON_V8_FLAGS},--trace-gc`);
  assertEquals(daemonV8Flags("--max-semi-space-size=16"), `${DAEMON_V8_FLAGS},--max-semi-space-size=16`);
});

Deno.test("daemon malloc arenas: two for the worker unless the user set MALLOC_ARENA_MAX", () => {
  assertEquals(daemonArenaMax(undefined), "2");
  assertEquals(daemonArenaMax(""), "2");
  assertEquals(daemonArenaMax("8"), "8");
});

/** The environment a process started with, or undefined once it is gone. */
function environ(pid: number): Map<string, string> | undefined {
  try {
    const text = new TextDecoder().decode(Deno.readFileSync(`/proc/${pid}/environ`));
    return new Map(
      text.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
  } catch {
    return undefined;
  }
}

Deno.test({
  name:
    "daemon V8 flags: the launcher starts the supervisor and its worker with them, after a user's own, and no update check",
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    Deno.writeTextFileSync(`${dir}/osquery.conf`, JSON.stringify({ schedule: {} }));
    const child = new Deno.Command(`${ROOT}/osq`, {
      args: [
        "daemon",
        `--config_path=${dir}/osquery.conf`,
        `--logger_path=${dir}/log`,
        `--database_path=${dir}/db/osquery.db`,
        `--pidfile=${dir}/pid`,
        `--extensions_socket=${dir}/osquery.em`,
      ],
      env: { DENO_V8_FLAGS: "--stack-size=984" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // The launcher execs Deno in its own process; the supervisor then starts the worker.
      let worker: number | undefined;
      const deadline = Date.now() + 60_000;
      while (worker === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          const children = Deno.readTextFileSync(`/proc/${child.pid}/task/${child.pid}/children`).trim();
          if (children) worker = Number(children.split(" ")[0]);
        } catch {
          // not started yet
        }
      }
      assert(worker !== undefined, "the supervisor started no worker within 60 s");
      for (const pid of [child.pid, worker]) {
        assertEquals(environ(pid)?.get("DENO_V8_FLAGS"), `${DAEMON_V8_FLAGS},--stack-size=984`, `process ${pid}`);
        // No update check in a daemon process: its code would stay mapped for the daemon's life.
        assertEquals(environ(pid)?.get("DENO_NO_UPDATE_CHECK"), "1", `process ${pid}`);
        // Nor Deno's code cache, whose pages stayed resident (cmd/self.ts).
        const args = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
        assert(args.includes("--no-code-cache"), `process ${pid}: ${args.join(" ")}`);
      }
      // The worker's malloc keeps two arenas (freed memory is reused across its threads).
      assertEquals(environ(worker)?.get("MALLOC_ARENA_MAX"), "2");
    } finally {
      child.kill("SIGTERM");
      await child.status;
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
