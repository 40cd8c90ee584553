/**
 * Interoperability with an independent Thrift implementation: Apache Thrift's Python library
 * (Debian python3-thrift) with bindings generated from core/thrift/osquery.thrift by Debian's
 * thrift-compiler. Requires both (`apt-get install thrift-compiler python3-thrift`).
 */
import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { defineTable } from "../table.ts";
import { startExtensionManager } from "./manager.ts";
import { extensionRows } from "../../tables/extensions/osquery_extensions.ts";
import { activeManager } from "./state.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const IDL = `${ROOT}core/thrift/osquery.thrift`;
const TESTDATA = `${ROOT}testdata/extensions`;

/** A python3 that can import Apache Thrift (Debian's /usr/bin/python3 first). */
function findPython(): string {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const out = new Deno.Command(candidate, { args: ["-c", "import thrift"], stderr: "null" }).outputSync();
      if (out.success) return candidate;
    } catch {
      // not installed
    }
  }
  throw new Error("Python's Apache Thrift library is missing: apt-get install python3-thrift thrift-compiler");
}

let generated: string | undefined;
function pythonBindings(): string {
  if (generated) return generated;
  const dir = Deno.makeTempDirSync({ prefix: "osq-pythrift-" });
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("thrift", { args: ["--gen", "py", "-out", dir, IDL] }).outputSync();
  } catch {
    throw new Error("The Thrift compiler is missing: apt-get install thrift-compiler python3-thrift");
  }
  if (!out.success) throw new Error(`thrift --gen py failed: ${new TextDecoder().decode(out.stderr)}`);
  generated = dir;
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  return dir;
}

function coreRegistry(): Registry {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "core_words",
    description: "test",
    columns: [{ name: "n", type: "INTEGER" }, { name: "lang", type: "TEXT" }],
    generate: () => [{ n: 2, lang: "en" }, { n: 3, lang: "en" }, { n: 9, lang: "xx" }],
  }));
  return registry;
}

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  return text.trim();
}

Deno.test("interop: a Python table extension registers with osq's manager and joins a core table", async () => {
  const python = findPython();
  const bindings = pythonBindings();
  const dir = await Deno.makeTempDir();
  const engine = new Engine({ registry: coreRegistry() });
  const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 200, log: () => {} });
  const child = new Deno.Command(python, {
    args: [`${TESTDATA}/py_extension.py`, bindings, manager.path, `${dir}/contexts.log`],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  try {
    const line = await readLine(reader);
    assert(line.startsWith("registered "), line);
    const uuid = BigInt(line.split(" ")[1]);
    const joined = engine.query(
      "select p.word, p.squared, c.lang from py_numbers p join core_words c on c.n = p.n where p.n > 2 order by p.n",
    );
    assertEquals(joined, [{ word: "three", squared: 9, lang: "en" }]);
    engine.query("select squared from py_numbers where word = 'two'");
    const contexts = Deno.readTextFileSync(`${dir}/contexts.log`).trim().split("\n").map((l) => JSON.parse(l));
    // A join may scan once per outer row; the last one is the single-table query.
    assertEquals(contexts.at(-1), {
      constraints: [
        { name: "n", list: [], affinity: "INTEGER" },
        { name: "squared", list: [], affinity: "BIGINT" },
        { name: "word", list: [{ op: 2, expr: "two" }], affinity: "TEXT" },
      ],
      colsUsed: ["word", "squared"],
      colsUsedBitset: 6,
    });
    assert(contexts.some((c) => c.constraints[0].list.some((k: { op: number }) => k.op === 4 || k.op === 2)));
    const rows = extensionRows(activeManager());
    assertEquals(rows[1], {
      uuid,
      name: "py_ext",
      version: "1.0.0",
      sdk_version: "1.8.0",
      path: `${manager.path}.${uuid}`,
      type: "extension",
    });
    // The extension dies: the next liveness check detaches its table.
    child.kill("SIGKILL");
    await child.status;
    await waitFor("a liveness check to detach the dead extension's table", async () => {
      await manager.checkLiveness();
      return engine.registry.table("py_numbers") === undefined;
    });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await manager.stop();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("interop: a Python Thrift client uses osq's manager socket", async () => {
  const python = findPython();
  const bindings = pythonBindings();
  const dir = await Deno.makeTempDir();
  const engine = new Engine({ registry: coreRegistry() });
  const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 60_000, log: () => {} });
  try {
    const out = await new Deno.Command(python, {
      args: [`${TESTDATA}/py_client.py`, bindings, manager.path],
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const seen = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(seen.ping, { code: 0, message: "pong", uuid: 0 });
    assertEquals(seen.query, { code: 0, message: "OK", rows: [{ one: "1", two: "x", three: "" }] });
    assertEquals(seen.bad_query, { code: 1, message: "no such table: no_such_table" });
    assertEquals(seen.columns.length, 2);
    assertEquals(seen.columns.map((c: Record<string, string>) => Object.keys(c)[0]), ["one", "two"]);
    assertEquals(seen.extensions, {});
    assertEquals(seen.option_type, "string");
    assertEquals(seen.call_unknown.code, 1);
    assertEquals(seen.deregister_unknown, { code: 1, message: "No extension UUID found" });
  } finally {
    await manager.stop();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("interop: osq extension registers with a Python stand-in core and leaves when it goes away", async () => {
  const python = findPython();
  const bindings = pythonBindings();
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/core.em`;
  const core = new Deno.Command(python, {
    args: [`${TESTDATA}/py_core.py`, bindings, socket, "0.5"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = core.stdout.getReader();
  let extension: Deno.ChildProcess | undefined;
  try {
    assertEquals(await readLine(reader), "ready");
    extension = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}main.ts`,
        "extension",
        "--socket",
        socket,
        "--interval",
        "0.2",
        `${TESTDATA}/example.ts`,
      ],
      env: { OSQ_EXAMPLE_LOG: `${dir}/example.log` },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const seen = JSON.parse(await readLine(reader));
    assertEquals(seen.info, { name: "example", version: "1.0.0", sdk_version: "5.23.1", min_sdk_version: "0.0.0" });
    assertEquals(Object.keys(seen.broadcast.table), ["example_numbers"]);
    assertEquals(seen.broadcast.logger, { example_log: [] });
    assertEquals(seen.columns[0], { id: "column", name: "n", type: "INTEGER", op: "0" });
    assertEquals(seen.generate, {
      code: 0,
      uuid: 31337,
      rows: [{ n: "3", square: "9", label: "#3" }, { n: "4", square: "16", label: "#4" }],
    });
    assertEquals(seen.log, 0);
    assertEquals(seen.unknown_table, { code: 1, message: "Unknown table: nope" });
    assertEquals(Deno.readTextFileSync(`${dir}/example.log`), '{"hello":1}\n');
    // The stand-in core removes its socket and exits: the extension notices and exits 0.
    const status = await extension.status;
    const stderr = new TextDecoder().decode(await new Response(extension.stderr).arrayBuffer());
    assertEquals(status.code, 0, stderr);
    assert(stderr.includes("osquery core has gone away"), stderr);
  } finally {
    try {
      core.kill("SIGKILL");
    } catch {
      // exited on its own
    }
    await core.status;
    reader.releaseLock();
    await core.stdout.cancel().catch(() => {});
    if (extension) {
      try {
        extension.kill("SIGKILL");
      } catch {
        // exited
      }
      await extension.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
