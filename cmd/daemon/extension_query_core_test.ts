/**
 * Black-box: an extension table that queries the core while it generates (osquery's example
 * extension's complex_example pattern) returns its rows in `osq shell` and `osq daemon`, for an
 * SDK extension and an osquery-python-style one; a table that queries itself ends with a clear
 * error. Requires Debian's python3-thrift and thrift-compiler for the Python cases.
 */
import { daemonTest, type TestDaemon } from "../../testing/test_daemon.ts";
import { assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { MAX_NESTED_EXTENSION_CALLS } from "../../core/extensions/proxy.ts";
import { extensionScript, PYTHON, pythonBindings } from "../../testing/extension_launch.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SDK_EXTENSION = `${ROOT}/osq extension ${ROOT}/testdata/extensions/query_core.ts`;

const python = pythonBindings();
if (python.missing) console.warn(`extension query core: the Python cases are skipped: ${python.missing}`);
const PY_EXTENSION = `${PYTHON} ${ROOT}/testdata/extensions/py_query_core_extension.py ${python.dir}`;

/** Runs `osq shell` with the extension at `ext` required, answering `sql` as JSON. */
async function shell(dir: string, ext: string, name: string, sql: string): Promise<Deno.CommandOutput> {
  return await new Deno.Command(`${ROOT}/osq`, {
    args: [
      "shell",
      `--extension=${ext}`,
      `--extensions_require=${name}`,
      "--extensions_timeout=47",
      `--extensions_socket=${dir}/shell.em`,
      "--json",
      sql,
    ],
    stdin: "null",
  }).output();
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "osq-query-core-" });
  try {
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("extension query core: an SDK table reads osquery_flags through the manager in the shell", async () => {
  await withDir(async (dir) => {
    const out = await shell(dir, extensionScript(dir, "sdk", SDK_EXTENSION), "query_core", "select * from core_flag");
    assertEquals([out.code, text(out.stderr)], [0, ""]);
    assertEquals(JSON.parse(text(out.stdout)), [{ value: "47" }]);
  });
});

Deno.test("extension query core: a table that queries itself ends with the nesting error in the shell", async () => {
  await withDir(async (dir) => {
    const out = await shell(dir, extensionScript(dir, "sdk", SDK_EXTENSION), "query_core", "select * from core_loop");
    assertEquals(out.code, 1);
    assertStringIncludes(
      text(out.stderr),
      `Extension query_core's table core_loop is called ${MAX_NESTED_EXTENSION_CALLS + 1} calls deep ` +
        `(an extension answering a call queries the core, which calls an extension again): ` +
        `osq stops at ${MAX_NESTED_EXTENSION_CALLS}; make the extension's query not scan the table it is generating`,
    );
  });
});

Deno.test({
  name: "extension query core: an osquery-python table reads osquery_flags through the manager in the shell",
  ignore: python.missing !== undefined,
  async fn() {
    await withDir(async (dir) => {
      const ext = extensionScript(dir, "py", PY_EXTENSION);
      const out = await shell(dir, ext, "py_query_core", "select value from py_core_flag");
      // stderr may say the extension exited when the shell asked it to shut down.
      assertEquals(out.code, 0, text(out.stderr));
      assertEquals(JSON.parse(text(out.stdout)), [{ value: "47" }]);
    });
  },
});

/** Starts the daemon with `ext` autoloaded and `table` scheduled every second. */
function startDaemon(d: TestDaemon, ext: string, name: string, table: string): void {
  Deno.writeTextFileSync(`${d.dir}/extensions.load`, ext + "\n");
  d.writeConfig({ schedule: { core_flag: { query: `select value from ${table}`, interval: 1, snapshot: true } } });
  d.start([
    `--extensions_autoload=${d.dir}/extensions.load`,
    `--extensions_require=${name}`,
    "--extensions_timeout=53",
    "--disable_watchdog",
  ]);
}

async function snapshotValue(d: TestDaemon): Promise<unknown> {
  await d.waitFor("a snapshot of the extension's table", () => d.lines("snapshots").length > 0, 90);
  return d.lines("snapshots")[0].snapshot;
}

daemonTest("extension query core: an SDK table reads osquery_flags through the manager in the daemon", async (d) => {
  startDaemon(d, extensionScript(d.dir, "sdk", SDK_EXTENSION), "query_core", "core_flag");
  assertEquals(await snapshotValue(d), [{ value: "53" }]);
});

daemonTest(
  "extension query core: an osquery-python table reads osquery_flags through the manager in the daemon",
  async (d) => {
    startDaemon(d, extensionScript(d.dir, "py", PY_EXTENSION), "py_query_core", "py_core_flag");
    assertEquals(await snapshotValue(d), [{ value: "53" }]);
  },
  { ignore: python.missing !== undefined },
);
