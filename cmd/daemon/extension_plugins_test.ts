import { daemonTest, type TestDaemon } from "../../testing/test_daemon.ts";
import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { extensionScript, PYTHON, pythonBindings } from "../../testing/extension_launch.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** An autoload list naming an executable `.ext` that runs `command` with osquery's extension arguments. */
function autoload(d: TestDaemon, name: string, command: string): string {
  const list = `${d.dir}/extensions.load`;
  Deno.writeTextFileSync(list, extensionScript(d.dir, name, command) + "\n");
  return list;
}

daemonTest(
  "extension plugins: an SDK extension's config, logger and distributed plugins drive the daemon",
  async (d) => {
    const pluginDir = `${d.dir}/plugin`;
    Deno.mkdirSync(pluginDir);
    const list = autoload(d, "sdk_plugins", `${ROOT}/osq extension ${ROOT}/testdata/extensions/plugins_extension.ts`);
    d.start([
      `--extensions_autoload=${list}`,
      "--extensions_timeout=60",
      "--config_plugin=sdk_config",
      "--logger_plugin=filesystem,sdk_logger",
      "--distributed_plugin=sdk_distributed",
      "--disable_distributed=false",
      "--distributed_interval=1",
      "--disable_watchdog",
    ], { OSQ_PLUGIN_DIR: pluginDir });
    // The config came from genConfig: its scheduled query's results reach the extension's logger.
    await d.waitFor(
      "a result line in the extension's logger",
      () => read(`${pluginDir}/results.log`).includes("sdk_numbers"),
      90,
    );
    const result = JSON.parse(read(`${pluginDir}/results.log`).split("\n")[0]);
    assertEquals([result.name, result.columns], ["sdk_numbers", { seven: "7" }]);
    // ... and the filesystem logger, listed too, got the same line.
    assertMatch(d.text("osqueryd.results.log"), /"sdk_numbers"/);
    // Status lines go through the extension's logger as well.
    await d.waitFor(
      "status lines in the extension's logger",
      () => read(`${pluginDir}/status.log`).includes("osqd started"),
    );
    const status = read(`${pluginDir}/status.log`).split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assert(status.every((s) => typeof s.s === "number" && typeof s.m === "string" && typeof s.u === "number"));
    // The distributed plugin's query was answered.
    await d.waitFor("distributed results", () => read(`${pluginDir}/distributed.log`).includes("q1"), 60);
    const written = JSON.parse(read(`${pluginDir}/distributed.log`).split("\n")[0]);
    assertEquals([written.queries.q1, written.statuses.q1], [[{ answer: "42" }], 0]);
  },
);

daemonTest("extension plugins: a config plugin nobody registers stops the daemon with osquery's 78", async (d) => {
  d.start(["--config_plugin=nosuch_cfg", "--extensions_timeout=1", "--disable_watchdog"]);
  const code = await d.child!.status;
  assertEquals(code.code, 78);
  await d.waitFor("the message", () => /Missing config plugin nosuch_cfg/.test(d.stderr));
});

const python = pythonBindings();
if (python.missing) console.warn(`extension plugins: the Python extension case is skipped: ${python.missing}`);

daemonTest(
  "extension plugins: an osquery-python-style extension's config and logger plugins drive the daemon",
  async (d) => {
    const pluginDir = `${d.dir}/plugin`;
    Deno.mkdirSync(pluginDir);
    const list = autoload(
      d,
      "py_plugins",
      `${PYTHON} ${ROOT}/testdata/extensions/py_plugins_extension.py ${python.dir}`,
    );
    d.start([
      `--extensions_autoload=${list}`,
      "--extensions_timeout=60",
      "--config_plugin=py_config",
      "--logger_plugin=py_logger",
      "--disable_watchdog",
    ], { OSQ_PLUGIN_DIR: pluginDir });
    await d.waitFor("a result in the Python logger", () => read(`${pluginDir}/results.log`).includes("py_eight"), 90);
    const result = JSON.parse(read(`${pluginDir}/results.log`).split("\n")[0]);
    assertEquals([result.name, result.columns], ["py_eight", { eight: "8" }]);
    await d.waitFor(
      "status lines in the Python logger",
      () => read(`${pluginDir}/status.log`).includes("osqd started"),
    );
    // Only the extension logs: no filesystem results file.
    assertEquals(d.text("osqueryd.results.log"), "");
  },
  { ignore: python.missing !== undefined },
);
