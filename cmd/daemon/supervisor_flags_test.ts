import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";

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
