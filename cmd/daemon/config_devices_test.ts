/**
 * Config globs that match devices, FIFOs and kernel files: skipped with a warning, never read
 * (no unbounded memory, no blocked daemon), with --config_check and on a SIGHUP reload.
 */
import { assert, assertEquals } from "../../testing/assert.ts";
import { daemonTest } from "../../testing/test_daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function mkfifo(path: string): void {
  assert(new Deno.Command("mkfifo", { args: [path] }).outputSync().success, `mkfifo ${path} failed`);
}

/** Runs `osq daemon --config_check` on `path`; a check still running after 120 s fails (it would hang). */
async function configCheck(path: string): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(`${ROOT}/osq`, {
    args: ["daemon", "--config_check", `--config_path=${path}`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), 120_000)));
  const out = await Promise.race([child.output(), hung]);
  clearTimeout(timer);
  if (out === "hung") {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`--config_check on ${path} did not finish within 120 s`);
  }
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name:
    "config check: packs globbing /dev/zer*, /proc/km* or a FIFO, and a FIFO as a .d drop-in, are skipped with a warning",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "osq-config-devices-" });
    try {
      Deno.mkdirSync(`${dir}/packs`);
      Deno.writeTextFileSync(
        `${dir}/packs/good.conf`,
        JSON.stringify({ queries: { q: { query: "select 1", interval: 60 } } }),
      );
      mkfifo(`${dir}/packs/fifo.conf`);
      const cases: [string, unknown, RegExp][] = [
        ["zero", { packs: { "*": "/dev/zer*" } }, /\/dev\/zero is skipped: it is not a regular file/],
        ["kmsg", { packs: { "*": "/proc/km*" } }, /\/proc\/kmsg is skipped: it is a kernel file/],
        ["fifo", { packs: { "*": `${dir}/packs/*` } }, /packs\/fifo\.conf is skipped: it is not a regular file/],
      ];
      for (const [name, config, want] of cases) {
        Deno.writeTextFileSync(`${dir}/${name}.conf`, JSON.stringify(config));
        const { code, stderr } = await configCheck(`${dir}/${name}.conf`);
        assertEquals(code, 0, stderr);
        assert(want.test(stderr), `${name}: ${stderr}`);
      }
      Deno.writeTextFileSync(
        `${dir}/main.conf`,
        JSON.stringify({ schedule: { x: { query: "select 1", interval: 5 } } }),
      );
      Deno.mkdirSync(`${dir}/main.conf.d`);
      mkfifo(`${dir}/main.conf.d/a.conf`);
      const dropIn = await configCheck(`${dir}/main.conf`);
      assertEquals(dropIn.code, 0, dropIn.stderr);
      assert(
        /main\.conf\.d\/a\.conf: \(top level\): Skipped: the file is not a regular file/.test(dropIn.stderr),
        dropIn.stderr,
      );
      // Named explicitly, /dev/null is an empty config, as in osquery.
      const devNull = await configCheck("/dev/null");
      assertEquals(devNull, { code: 0, stderr: "" });
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

daemonTest(
  "daemon: a SIGHUP reload whose globs match /dev/zero, /proc/kmsg and FIFOs skips them and keeps scheduling",
  async (d) => {
    d.writeConfig({ schedule: { before: { query: "select 1 as one", interval: 1 } } });
    d.start(["--disable_watchdog"]);
    await d.waitFor("the first config's results", () => d.lines().some((l) => l.name === "before"), 60);
    Deno.mkdirSync(`${d.dir}/packs`);
    Deno.writeTextFileSync(
      `${d.dir}/packs/good.conf`,
      JSON.stringify({ queries: { q3: { query: "select 3 as three", interval: 1 } } }),
    );
    mkfifo(`${d.dir}/packs/fifo.conf`);
    Deno.mkdirSync(`${d.configPath}.d`);
    mkfifo(`${d.configPath}.d/a.conf`);
    Deno.writeTextFileSync(`${d.configPath}.d/b.conf`, JSON.stringify({ packs: { "*": "/dev/zer*" } }));
    Deno.writeTextFileSync(`${d.configPath}.d/c.conf`, JSON.stringify({ packs: { "*": "/proc/km*" } }));
    d.writeConfig({
      schedule: { after: { query: "select 2 as two", interval: 1 } },
      packs: { "*": `${d.dir}/packs/*` },
    });
    d.signal("SIGHUP");
    await d.waitFor(
      "results of the reloaded config (its own query and the globbed pack's)",
      () => d.lines().some((l) => l.name === "after") && d.lines().some((l) => String(l.name).endsWith("q3")),
      60,
    );
    const warnings = d.text("osqueryd.WARNING");
    for (const skipped of ["/dev/zero is skipped", "/proc/kmsg is skipped", "packs/fifo.conf is skipped", "a.conf"]) {
      assert(warnings.includes(skipped), `status log lacks "${skipped}":\n${warnings}`);
    }
  },
);
