/**
 * The osq extension SDK: write osquery extensions in TypeScript. An extension is a plain module
 * whose default export is {@linkcode defineExtension}'s result (or a single table). Tables are
 * declared exactly like osq's own (schema + generate); config, logger and distributed plugins
 * are objects with a few methods. Run it against osqueryd, osqueryi or osq with
 * `osq extension --socket /var/osquery/osquery.em my_extension.ts`.
 *
 * ```ts
 * import { defineExtension, defineTable } from "../sdk/mod.ts";
 *
 * export default defineExtension({
 *   name: "hello",
 *   version: "1.0.0",
 *   tables: [defineTable({
 *     name: "hello_world",
 *     description: "Greets.",
 *     columns: [{ name: "greeting", type: "TEXT" }],
 *     generate: () => [{ greeting: "hello" }],
 *   })],
 * });
 * ```
 *
 * The extension registers with the manager, serves `<socket>.<uuid>`, checks the manager every
 * `--interval` seconds and exits when the core goes away (status 0) or forgets it (status 1).
 * Generators may be async here (they run in the extension's own process) and may query the core
 * while answering it ({@linkcode queryCore}): the core serves such calls while it waits for the
 * rows, as osquery's does.
 *
 * @module
 */
import { OP, QueryContext, type Row, type Rows, TableError, type TableSpec } from "../core/table.ts";
import type {
  ExtensionRegistry,
  ExtensionResponse,
  ExtensionStatus,
  PluginRequest,
  PluginResponse,
} from "../core/thrift/bindings.ts";
import { ThriftClient, ThriftTransportError } from "../core/thrift/client.ts";
import { ThriftServer } from "../core/thrift/server.ts";
import { contextFromJson } from "../core/extensions/context.ts";
import { tableRoutes } from "../core/extensions/routes.ts";
import { SDK_VERSION } from "../core/runtime/version.ts";

export { OP, QueryContext, TableError };
export type { PluginRequest, PluginResponse, Row, Rows };

/** A table of an extension: like osq's tables, but `generate` may be async. */
export interface ExtensionTable extends Omit<TableSpec, "generate"> {
  generate(ctx: QueryContext): Rows | Promise<Rows>;
}

/**
 * Identity helper that types a table declaration.
 *
 * @example An async generator reading a constraint
 * ```ts
 * import { defineTable, QueryContext } from "osq/sdk";
 *
 * const echo = defineTable({
 *   name: "echo",
 *   description: "Returns the words the query asks for.",
 *   columns: [{ name: "word", type: "TEXT", required: true }],
 *   generate: async (ctx) => {
 *     await Promise.resolve(); // e.g. a fetch: generators may be async in an extension
 *     return ctx.equals("word").map((word) => ({ word }));
 *   },
 * });
 * const ctx = new QueryContext("echo", new Map([["word", [{ op: 2, value: "hi" }]]]));
 * const rows = [...await echo.generate(ctx)];
 * if (rows[0].word !== "hi") throw new Error("unexpected rows");
 * ```
 */
export function defineTable(spec: ExtensionTable): ExtensionTable {
  return spec;
}

/** What a plugin call may return: rows, or a status with rows. */
export type PluginResult = PluginResponse | { code?: number; message?: string; response?: PluginResponse } | void;

/** A plugin of any registry, answering raw requests. */
export interface ExtensionPlugin {
  registry: string;
  name: string;
  /** Route info broadcast at registration (default none). */
  routes?: PluginResponse;
  call(request: PluginRequest): PluginResult | Promise<PluginResult>;
}

/** A config plugin: `genConfig` returns config sources by name (each a JSON text). */
export interface ConfigPluginSpec {
  genConfig(): Record<string, string> | Promise<Record<string, string>>;
  /** Returns the JSON text of pack `name` (when the config references packs by name). */
  genPack?(name: string, value: string): string | Promise<string>;
}

/**
 * Builds a config plugin.
 *
 * @example A config with one scheduled query
 * ```ts
 * import { configPlugin } from "osq/sdk";
 *
 * const config = configPlugin("static", {
 *   genConfig: () => ({
 *     main: JSON.stringify({ schedule: { uptime: { query: "SELECT * FROM uptime", interval: 60 } } }),
 *   }),
 * });
 * const reply = await config.call({ action: "genConfig" });
 * if (!Array.isArray(reply) || !reply[0].main.includes("uptime")) throw new Error("unexpected config");
 * ```
 */
export function configPlugin(name: string, spec: ConfigPluginSpec): ExtensionPlugin {
  return {
    registry: "config",
    name,
    async call(request) {
      switch (request.action) {
        case "genConfig":
          return [await spec.genConfig()];
        case "genPack":
          if (!spec.genPack) return { code: 1, message: `Config plugin ${name} has no packs` };
          return [{ [request.name ?? ""]: await spec.genPack(request.name ?? "", request.value ?? "") }];
        default:
          return { code: 1, message: `Config plugin ${name} does not support action ${request.action ?? ""}` };
      }
    },
  };
}

/** One status-log line as the core relays it. */
export interface StatusLogEntry {
  /** Severity: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL. */
  s: number;
  f: string;
  i: number;
  m: string;
  h?: string;
  c?: string;
  u?: number;
}

/** A logger plugin: receives result lines, snapshots and (with `wantsStatus`) status logs. */
export interface LoggerPluginSpec {
  /** Called with the core's process name when it starts logging. */
  init?(processName: string): void | Promise<void>;
  /** A result line (JSON text); `category` is "event" for scheduled query results. */
  logString?(line: string, category: string): void | Promise<void>;
  /** A snapshot line (JSON text). */
  logSnapshot?(line: string): void | Promise<void>;
  /** Status (glog) lines. */
  logStatus?(entries: StatusLogEntry[]): void | Promise<void>;
  /** Ask the core for status logs (feature bit 1). Default: true when logStatus is given. */
  wantsStatus?: boolean;
}

/**
 * Builds a logger plugin.
 *
 * @example Collecting result lines
 * ```ts
 * import { loggerPlugin } from "osq/sdk";
 *
 * const lines: string[] = [];
 * const logger = loggerPlugin("memory", { logString: (line) => void lines.push(line) });
 * await logger.call({ string: '{"name":"uptime"}', category: "event" });
 * if (lines.length !== 1) throw new Error("the line was not logged");
 * ```
 */
export function loggerPlugin(name: string, spec: LoggerPluginSpec): ExtensionPlugin {
  return {
    registry: "logger",
    name,
    async call(request) {
      if ("init" in request) {
        await spec.init?.(request.init);
        return [];
      }
      if (request.action === "features") {
        // The feature bits travel in the status code.
        return { code: (spec.wantsStatus ?? spec.logStatus !== undefined) ? 1 : 0, message: "OK" };
      }
      if ("string_batch" in request) {
        const lines = JSON.parse(request.string_batch) as unknown;
        if (Array.isArray(lines)) { for (const line of lines) await spec.logString?.(String(line), "event"); }
        return [];
      }
      if ("string" in request) {
        await spec.logString?.(request.string, request.category ?? "");
        return [];
      }
      if ("snapshot" in request) {
        await spec.logSnapshot?.(request.snapshot);
        return [];
      }
      if ("status" in request) {
        const entries = JSON.parse(request.log ?? "[]") as unknown;
        if (Array.isArray(entries)) await spec.logStatus?.(entries as StatusLogEntry[]);
        return [];
      }
      return [];
    },
  };
}

/** A distributed plugin: hands out queries and receives their results. */
export interface DistributedPluginSpec {
  /** `{"queries": {id: sql}, "discovery"?: {...}, "accelerate"?: n}` (object or JSON text). */
  getQueries(): string | Record<string, unknown> | Promise<string | Record<string, unknown>>;
  /** The results document (JSON text, see osquery's writeResults shape). */
  writeResults(results: string): void | Promise<void>;
}

/**
 * Builds a distributed plugin.
 *
 * @example Handing out one query and keeping its results
 * ```ts
 * import { distributedPlugin } from "osq/sdk";
 *
 * let results = "";
 * const plugin = distributedPlugin("once", {
 *   getQueries: () => ({ queries: { q1: "SELECT 1 AS one" } }),
 *   writeResults: (text) => void (results = text),
 * });
 * const reply = await plugin.call({ action: "getQueries" });
 * if (!Array.isArray(reply) || !reply[0].results.includes("q1")) throw new Error("unexpected queries");
 * await plugin.call({ action: "writeResults", results: '{"queries":{"q1":[{"one":"1"}]}}' });
 * if (!results.includes("q1")) throw new Error("the results were not kept");
 * ```
 */
export function distributedPlugin(name: string, spec: DistributedPluginSpec): ExtensionPlugin {
  return {
    registry: "distributed",
    name,
    async call(request) {
      if (request.action === "getQueries") {
        const queries = await spec.getQueries();
        return [{ results: typeof queries === "string" ? queries : JSON.stringify(queries) }];
      }
      if (request.action === "writeResults") {
        await spec.writeResults(request.results ?? "");
        return [];
      }
      return { code: 1, message: `Distributed plugin ${name} does not support action ${request.action ?? ""}` };
    },
  };
}

/** An extension: its identity and what it offers. */
export interface ExtensionDefinition {
  name: string;
  version?: string;
  /** The lowest core SDK version this extension works with (osquery's min_sdk_version). */
  minSdkVersion?: string;
  tables?: ExtensionTable[];
  plugins?: ExtensionPlugin[];
}

/**
 * Identity helper that types an extension declaration.
 *
 * @example An extension with a table and a logger
 * ```ts
 * import { defineExtension, defineTable, loggerPlugin } from "osq/sdk";
 *
 * export default defineExtension({
 *   name: "example",
 *   version: "1.0.0",
 *   minSdkVersion: "5.0.0",
 *   tables: [defineTable({
 *     name: "example_hello",
 *     description: "Greets.",
 *     columns: [{ name: "greeting", type: "TEXT" }],
 *     generate: () => [{ greeting: "hello" }],
 *   })],
 *   plugins: [loggerPlugin("example_stdout", { logString: (line) => console.log(line) })],
 * });
 * ```
 */
export function defineExtension(definition: ExtensionDefinition): ExtensionDefinition {
  return definition;
}

/** Options for {@linkcode startExtension}. */
export interface StartOptions {
  /** The manager's socket (osquery's --socket / --extensions_socket). */
  socket: string;
  /** How long to wait for the manager, ms (default 3000, at least 200). */
  timeoutMs?: number;
  /** Manager check period, ms (default 3000, at least 200). */
  intervalMs?: number;
  /** Thrift call timeout, ms (default 300 s). */
  thriftTimeoutMs?: number;
  /** Problems and why the extension stops (default: stderr). */
  log?: (message: string) => void;
  /** Routine progress (default: nowhere). */
  debug?: (message: string) => void;
}

/** A running extension. */
export interface RunningExtension {
  /** The route UUID the manager assigned. */
  readonly uuid: bigint;
  /** The extension's own socket. */
  readonly socket: string;
  /** Resolves with the exit status once the extension stops. */
  readonly done: Promise<number>;
  /** Stops serving (status 0) and tells the manager the extension is leaving. */
  stop(): Promise<void>;
}

/** Raised when the manager cannot be reached or refuses the extension. */
export class ExtensionStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtensionStartError";
  }
}

function cell(value: Row[string]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}

function rowsToResponse(rows: Rows): PluginResponse {
  const out: PluginResponse = [];
  for (const row of rows) {
    const map: Record<string, string> = {};
    for (const key of Object.keys(row)) {
      const text = cell(row[key]);
      if (text !== undefined) map[key] = text;
    }
    out.push(map);
  }
  return out;
}

/** The registry broadcast of an extension (every registry it uses, tables first). */
export function broadcastOf(definition: ExtensionDefinition): ExtensionRegistry {
  const broadcast: ExtensionRegistry = { table: {}, config: {}, logger: {}, distributed: {} };
  for (const table of definition.tables ?? []) broadcast.table[table.name] = tableRoutes(table as TableSpec);
  for (const plugin of definition.plugins ?? []) (broadcast[plugin.registry] ??= {})[plugin.name] = plugin.routes ?? [];
  return broadcast;
}

/** Answers `call` requests for an extension's tables and plugins (exposed for tests). */
export async function handleCall(
  definition: ExtensionDefinition,
  uuid: bigint,
  registry: string,
  item: string,
  request: PluginRequest,
): Promise<ExtensionResponse> {
  const status = (code: number, message: string): ExtensionStatus => ({ code, message, uuid });
  try {
    if (registry === "table") {
      const table = (definition.tables ?? []).find((t) => t.name === item || t.aliases?.includes(item));
      if (!table) return { status: status(1, `Unknown table: ${item}`), response: [] };
      if (request.action === "columns") return { status: status(0, "OK"), response: tableRoutes(table as TableSpec) };
      if (request.action !== "generate") {
        return { status: status(1, `Table ${item} does not support action ${request.action ?? ""}`), response: [] };
      }
      const rows = await table.generate(contextFromJson(table.name, request.context));
      return { status: status(0, "OK"), response: rowsToResponse(rows) };
    }
    const plugins = (definition.plugins ?? []).filter((p) => p.registry === registry);
    // As osquery's extensions: an unknown item falls back to the registry's (only) plugin.
    const plugin = plugins.find((p) => p.name === item) ?? (plugins.length === 1 ? plugins[0] : undefined);
    if (!plugin) return { status: status(1, `Cannot call registry item: ${item}`), response: [] };
    const result = await plugin.call(request);
    if (result === undefined) return { status: status(0, "OK"), response: [] };
    if (Array.isArray(result)) return { status: status(0, "OK"), response: result };
    const code = result.code ?? 0;
    // As osquery's handler: rows travel only with a success status.
    return { status: status(code, result.message ?? "OK"), response: code === 0 ? result.response ?? [] : [] };
  } catch (err) {
    return { status: status(1, err instanceof Error ? err.message : String(err)), response: [] };
  }
}

/** Raised when {@linkcode queryCore} cannot run its query (no running extension, or the core refused it). */
export class CoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CoreQueryError";
  }
}

/** The manager socket and call timeout of the extension this process runs (set by startExtension). */
let core: { socket: string; thriftTimeoutMs: number } | undefined;

/**
 * Runs `sql` in the core this extension is registered with (the manager's `query`) and returns
 * its rows as text, as osquery's extensions do. A table's generate may call it: the core answers
 * while it waits for the table's rows. Each call opens its own connection, as osquery's SDK does.
 * Throws {@linkcode CoreQueryError} with the core's message when the query fails.
 *
 * @example The value of one of the core's flags
 * ```ts
 * import { CoreQueryError, queryCore } from "osq/sdk";
 *
 * try {
 *   const rows = await queryCore("select value from osquery_flags where name = 'extensions_timeout'");
 *   console.log(rows[0]?.value);
 * } catch (e) {
 *   // Outside a running extension there is no core to ask: the error says to start one first.
 *   if (!(e instanceof CoreQueryError)) throw e;
 * }
 * ```
 */
export async function queryCore(sql: string): Promise<PluginResponse> {
  if (!core) throw new CoreQueryError("queryCore needs a running extension: call it after startExtension");
  const client = await connectManager(core.socket, core.thriftTimeoutMs);
  try {
    const answer = await client.invoke("query", { sql });
    if (answer.status.code !== 0) {
      throw new CoreQueryError(answer.status.message || `The core failed the query (code ${answer.status.code})`);
    }
    return answer.response;
  } finally {
    client.close();
  }
}

async function connectManager(socket: string, timeoutMs: number): Promise<ThriftClient> {
  return await ThriftClient.connect(socket, { timeoutMs });
}

/** Waits for the manager to answer ping, polling every 20 ms as osquery's SDK does. */
async function waitForManager(socket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no socket";
  for (;;) {
    let exists = true;
    try {
      Deno.lstatSync(socket);
    } catch {
      exists = false;
      last = "no socket at that path";
    }
    if (exists) {
      try {
        const client = await connectManager(socket, Math.max(200, deadline - Date.now()));
        try {
          const pong = await client.invoke("ping", {});
          if (pong.code === 0) return;
          last = `ping answered ${pong.code}`;
        } finally {
          client.close();
        }
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
    }
    if (Date.now() >= deadline) {
      throw new ExtensionStartError(
        `Extension manager at ${socket} is not available (${last}): start the core with its extension manager ` +
          "there, or pass --socket PATH",
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Registers `definition` with the manager at `options.socket`, serves its socket and watches
 * the manager. Rejects with {@linkcode ExtensionStartError} when the manager is not there in
 * time or refuses the registration (its message says why).
 *
 * @example Running an extension until the core goes away
 * ```ts
 * import { defineExtension, ExtensionStartError, startExtension } from "osq/sdk";
 *
 * const extension = defineExtension({ name: "example", tables: [] });
 * try {
 *   const running = await startExtension(extension, { socket: "/nonexistent/osquery.em", timeoutMs: 200 });
 *   Deno.exit(await running.done);
 * } catch (e) {
 *   // No manager listens on that socket: the error says to start the core or pass --socket.
 *   if (!(e instanceof ExtensionStartError)) throw e;
 * }
 * ```
 */
export async function startExtension(
  definition: ExtensionDefinition,
  options: StartOptions,
): Promise<RunningExtension> {
  const timeoutMs = Math.max(200, options.timeoutMs ?? 3000);
  const intervalMs = Math.max(200, options.intervalMs ?? 3000);
  const thriftTimeoutMs = options.thriftTimeoutMs ?? 300_000;
  const log = options.log ?? ((m: string) => console.error(m));
  const debug = options.debug ?? (() => {});
  await waitForManager(options.socket, timeoutMs);
  const client = await connectManager(options.socket, thriftTimeoutMs);
  let status: ExtensionStatus;
  try {
    status = await client.invoke("registerExtension", {
      info: {
        name: definition.name,
        version: definition.version ?? "0.0.0",
        sdk_version: SDK_VERSION,
        min_sdk_version: definition.minSdkVersion ?? "0.0.0",
      },
      registry: broadcastOf(definition),
    });
  } finally {
    client.close();
  }
  if (status.code !== 0) {
    throw new ExtensionStartError(`Extension ${definition.name} was refused: ${status.message}`);
  }
  const uuid = status.uuid;
  const socket = `${options.socket}.${uuid}`;
  core = { socket: options.socket, thriftTimeoutMs };
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => resolveDone = r);
  let finished = false;
  const running: { timer?: ReturnType<typeof setInterval>; server?: ThriftServer } = {};
  const finish = async (code: number, reason?: string, routine = false) => {
    if (finished) return;
    finished = true;
    clearInterval(running.timer);
    if (reason) (routine ? debug : log)(reason);
    await running.server?.close();
    resolveDone(code);
  };
  running.server = ThriftServer.listen(socket, {
    ping: () => ({ code: 0, message: "pong", uuid }),
    call: ({ registry, item, request }) => handleCall(definition, uuid, registry, item, request),
    shutdown: () => {
      // Answer first, then stop serving.
      setTimeout(() => void finish(0, `Extension ${definition.name} asked to shut down by the core`, true), 0);
    },
  });
  let watching = false;
  running.timer = setInterval(async () => {
    if (watching || finished) return;
    watching = true;
    try {
      try {
        Deno.lstatSync(options.socket);
      } catch {
        await finish(0, "osquery core has gone away: its socket is gone");
        return;
      }
      let manager: ThriftClient;
      try {
        manager = await connectManager(options.socket, Math.min(thriftTimeoutMs, 10_000));
      } catch {
        await finish(0, "osquery core has gone away: cannot connect to its socket");
        return;
      }
      try {
        const list = await manager.invoke("extensions", {});
        if (!list.has(uuid)) await finish(1, `Extension ${definition.name} (${uuid}) is no longer registered`);
      } catch (err) {
        if (err instanceof ThriftTransportError && err.message.startsWith("No answer")) {
          // The socket accepted us but the core did not answer in time: an osq core answers on
          // the thread that runs queries, so a long query delays it. Busy is not gone.
          debug(`Extension manager is busy: ${err.message}`);
        } else if (err instanceof ThriftTransportError) {
          // As osquery's watcher: a broken connection means the core went away.
          await finish(0, `osquery core has gone away: ${err.message}`);
        } else {
          await finish(1, `Extension manager check failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      } finally {
        manager.close();
      }
    } finally {
      watching = false;
    }
  }, intervalMs);
  return {
    uuid,
    socket,
    done,
    async stop() {
      if (finished) return;
      try {
        const manager = await connectManager(options.socket, 1000);
        try {
          await manager.invoke("deregisterExtension", { uuid });
        } finally {
          manager.close();
        }
      } catch {
        // The core is gone already.
      }
      await finish(0);
    },
  };
}
