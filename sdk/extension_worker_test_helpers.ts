/**
 * Runs an SDK extension in a Worker for the SDK's tests: the core's extension tables call it
 * synchronously, which blocks the test's thread, so the extension must live on another one.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import example from "../testdata/extensions/example.ts";
import queryCoreExample from "../testdata/extensions/query_core.ts";
import {
  configPlugin,
  defineExtension,
  defineTable,
  distributedPlugin,
  loggerPlugin,
  queryCore,
  TableError,
} from "./mod.ts";

const contexts: unknown[] = [];
const logged: string[] = [];

const definition = defineExtension({
  name: "sdk_test",
  version: "2.0.0",
  minSdkVersion: "5.0.0",
  tables: [
    ...example.tables!,
    // Queries itself through the core: the core must stop the recursion.
    ...queryCoreExample.tables!.filter((t) => t.name === "core_loop"),
    defineTable({
      name: "sdk_core_words",
      description: "The core's words table, read through the manager while generating.",
      columns: [{ name: "word", type: "TEXT" }],
      async generate() {
        const rows = await queryCore("select word from words order by n");
        return rows.map((row) => ({ word: row.word.toUpperCase() }));
      },
    }),
    defineTable({
      name: "sdk_probe",
      description: "Records what the core asked.",
      columns: [
        { name: "id", type: "INTEGER" },
        { name: "word", type: "TEXT" },
        { name: "ratio", type: "DOUBLE" },
        { name: "secret", type: "TEXT", hidden: true },
      ],
      async generate(ctx) {
        contexts.push({
          constraints: [...ctx.constraints].map(([k, v]) => [k, v]),
          used: ctx.usedColumns ? [...ctx.usedColumns].sort() : null,
        });
        await new Promise((r) => setTimeout(r, 1));
        if (ctx.equals("word").includes("fail")) throw new TableError("probe refused: fail");
        return [
          { id: 1, word: "alpha", ratio: 0.5, secret: "s1" },
          { id: 2, word: "beta", ratio: null, secret: "s2" },
          { id: 3n, word: "gamma", ratio: 2, secret: undefined },
        ];
      },
    }),
  ],
  plugins: [
    configPlugin("sdk_config", { genConfig: () => ({ main: '{"options":{}}' }) }),
    loggerPlugin("sdk_logger", { logString: (line) => void logged.push(line), logStatus: () => {} }),
    distributedPlugin("sdk_dist", {
      getQueries: () => ({ queries: { q1: "select 1" } }),
      writeResults: (r) => void logged.push(r),
    }),
  ],
});

self.onmessage = async (event: MessageEvent<{ start?: string; contexts?: true; logged?: true }>) => {
  if (event.data.start) {
    const { startExtension } = await import("./mod.ts");
    try {
      const running = await startExtension(definition, { socket: event.data.start, intervalMs: 200, log: () => {} });
      running.done.then((code) => self.postMessage({ done: code }));
      self.postMessage({ uuid: String(running.uuid) });
    } catch (err) {
      self.postMessage({ error: String(err) });
    }
  } else if (event.data.contexts) {
    self.postMessage({ contexts: contexts.splice(0) });
  } else if (event.data.logged) {
    self.postMessage({ logged: logged.splice(0) });
  }
};
