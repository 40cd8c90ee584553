/**
 * The extension manager: the core's side of osquery's extension API. It serves the
 * ExtensionManager Thrift service on `--extensions_socket` (owner-only), registers extensions
 * with osquery's rules, turns their tables into proxy virtual tables and their config, logger and
 * distributed plugins into registry entries, pings them every `--extensions_interval`, and
 * detaches whatever a dead extension offered.
 *
 * ```ts
 * const engine = new Engine();
 * const manager = startExtensionManager(engine, { socket: "/var/osquery/osquery.em" });
 * // ... extensions register; their tables join engine.query(...) like any table ...
 * await manager.stop(); // asks every extension to shut down, removes the socket
 * ```
 *
 * Generates of extension tables block the core's thread (SQLite calls them synchronously); while
 * one waits for its extension, calls on new connections to this manager are answered inline by
 * the waiting client (core/thrift/inline_server.ts), so an extension may query the core while it
 * generates. Registering an extension that offers tables starts loading every lazily registered
 * table (such an inline query cannot wait for a table's code to load); waitForExtensions waits
 * for that load too.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { flags } from "../flags/flags.ts";
import { type Registry, registry as globalRegistry, REGISTRY_NAMES } from "../registry.ts";
import { runtime } from "../runtime/process.ts";
import type { SqlValue } from "../sqlite/values.ts";
import { QueryContext, type Row, type TableSpec, valueToText } from "../table.ts";
import { MIN_SDK_VERSION } from "../runtime/version.ts";
import {
  type ExtensionRegistry,
  type ExtensionResponse,
  type ExtensionStatus,
  type InternalExtensionInfo,
  type InternalExtensionList,
  type InternalOptionList,
  type PluginRequest,
  type PluginResponse,
} from "../thrift/bindings.ts";
import { ThriftClient } from "../thrift/client.ts";
import { DEFAULT_LIMITS, type ProtocolLimits } from "../thrift/protocol.ts";
import { ThriftServer } from "../thrift/server.ts";
import { serveInlineWhileBlocked } from "../thrift/inline_server.ts";
import { contextFromJson } from "./context.ts";
import { extensionsIntervalMs, extensionsTimeoutMs, thriftTimeoutMs } from "./flags.ts";
import { callExtensionSync, proxyTable, type SyncTarget } from "./proxy.ts";
import { tableRoutes } from "./routes.ts";
import { type ExtensionRecord, setActiveManager } from "./state.ts";

/** Options for {@linkcode startExtensionManager}; unset ones come from the flags. */
export interface ExtensionManagerOptions {
  /** Socket path (default --extensions_socket). */
  socket?: string;
  /** Registry to add extension tables and plugins to (default: the engine's). */
  registry?: Registry;
  /** Liveness check period in ms (default --extensions_interval). */
  intervalMs?: number;
  /** How long a new extension may take to open its socket, in ms (default --extensions_timeout). */
  timeoutMs?: number;
  /** Thrift call timeout in ms (default --thrift_timeout). */
  thriftTimeoutMs?: number;
  /** Promote plain extension columns to index columns (default --extensions_default_index). */
  defaultIndex?: boolean;
  /** Where the manager reports registrations and failures (default: stderr with --verbose). */
  log?: (message: string) => void;
}

/** One registered extension. */
export interface RegisteredExtension {
  uuid: bigint;
  info: InternalExtensionInfo;
  /** The extension's own socket, `<manager socket>.<uuid>`. */
  socket: string;
  /** The broadcast it registered with. */
  routes: ExtensionRegistry;
  /** When it registered (ms since the epoch). */
  registeredAt: number;
  /** False once a liveness check failed (its routes are gone; pruned on the next refresh). */
  alive: boolean;
}

/** Raised when an extension plugin cannot be called. */
export class ExtensionCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtensionCallError";
  }
}

const OK_STATUS = (uuid = 0n): ExtensionStatus => ({ code: 0, message: "OK", uuid });
const FAILED = (message: string, uuid = 0n): ExtensionStatus => ({ code: 1, message, uuid });

/**
 * osquery's SDK version check: true when `version` is at least `minimum`, compared part by part
 * as osquery does — "0.0.0" always passes, parts missing from either side stop the comparison
 * (so "" and "1.7" pass against "1.7.7"), and a non-numeric part is compared as text.
 */
export function versionAtLeast(minimum: string, version: string): boolean {
  if (minimum === "0.0.0" || version === "0.0.0") return true;
  const parts = (s: string) => s.split(".").filter((p) => p.length > 0).map((p) => p.trim());
  const required = parts(minimum);
  const build = parts(version);
  const leadingInteger = (s: string) => {
    const m = /^\s*([+-]?\d+)/.exec(s);
    return m ? Number(m[1]) : Number.NaN;
  };
  for (let i = 0; i < build.length; i++) {
    if (required.length <= i) return true;
    const have = leadingInteger(build[i]);
    const want = leadingInteger(required[i]);
    if (Number.isNaN(have) || Number.isNaN(want)) {
      if (build[i] < required[i]) return false;
      continue;
    }
    if (have < want) return false;
    if (have > want) return true;
  }
  return true;
}

/** Renders a SQL value as osquery's query() rows do (NULL as ""). */
function cellText(value: SqlValue): string {
  if (value === null) return "";
  if (typeof value === "number" && !Number.isInteger(value)) return String(value);
  return valueToText(value);
}

function rowsToStrings(rows: Record<string, SqlValue>[]): PluginResponse {
  return rows.map((row) => {
    const out: Record<string, string> = {};
    for (const key of Object.keys(row)) out[key] = cellText(row[key]);
    return out;
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The running manager. Stop it with {@linkcode ExtensionManager.stop}. */
export class ExtensionManager {
  /** The manager's socket path. */
  readonly path: string;
  readonly #engine: Engine;
  readonly #registry: Registry;
  readonly #server: ThriftServer;
  readonly #extensions = new Map<bigint, RegisteredExtension>();
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #thriftTimeoutMs: number;
  readonly #defaultIndex: boolean;
  readonly #limits: ProtocolLimits;
  readonly #log: (message: string) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #checking = false;
  #stopped = false;
  readonly #stopInline: (() => void) | undefined;
  /** Loading every lazily registered table, started when the first extension with tables registers. */
  #tablesLoaded: Promise<void> | undefined;

  /** @internal Use {@linkcode startExtensionManager}. */
  constructor(engine: Engine, options: ExtensionManagerOptions) {
    this.path = options.socket ?? flags.string("extensions_socket");
    this.#engine = engine;
    this.#registry = options.registry ?? engine.registry ?? globalRegistry;
    this.#intervalMs = options.intervalMs ?? extensionsIntervalMs();
    this.#timeoutMs = options.timeoutMs ?? extensionsTimeoutMs();
    this.#thriftTimeoutMs = options.thriftTimeoutMs ?? thriftTimeoutMs();
    this.#defaultIndex = options.defaultIndex ?? flags.bool("extensions_default_index");
    const stringLimit = flags.number("thrift_string_size_limit");
    this.#limits = { ...DEFAULT_LIMITS, stringSizeLimit: stringLimit > 0 ? stringLimit : 0 };
    this.#log = options.log ?? ((m) => {
      if ((flags.has("verbose") && flags.bool("verbose")) || flags.bool("thrift_verbose")) console.error(m);
    });
    removeStaleExtensionSockets(this.path);
    this.#server = ThriftServer.listen(this.path, {
      ping: () => ({ code: 0, message: "pong", uuid: 0n }),
      call: ({ registry, item, request }) => this.#call(registry, item, request),
      shutdown: () => undefined,
      extensions: () => this.#list(),
      options: () => this.#options(),
      registerExtension: ({ info, registry }) => this.#register(info, registry),
      deregisterExtension: ({ uuid }) => this.#deregister(uuid),
      // Tables registered by schema (the shell's lazy catalogue) load their code before the query runs.
      query: async ({ sql }) => {
        await this.#registry.loadTablesFor(sql);
        return this.#query(sql);
      },
      getQueryColumns: ({ sql }) => this.#columns(sql),
    }, { limits: this.#limits, log: (m) => this.#log(m) });
    this.#stopInline = serveInlineWhileBlocked(
      this.path,
      {
        ping: () => ({ code: 0, message: "pong", uuid: 0n }),
        call: ({ registry, item, request }) => this.#callSync(registry, item, request),
        shutdown: () => undefined,
        extensions: () => this.#list(),
        options: () => this.#options(),
        registerExtension: ({ info, registry }) => this.#register(info, registry),
        deregisterExtension: ({ uuid }) => this.#deregister(uuid),
        query: ({ sql }) => this.#query(sql),
        getQueryColumns: ({ sql }) => this.#columns(sql),
      },
      this.#limits,
      (m) => this.#log(m),
    );
    this.#timer = setInterval(() => void this.checkLiveness(), this.#intervalMs);
    Deno.unrefTimer(this.#timer);
    runtime.extensionsActive = true;
    setActiveManager({ path: this.path, records: () => this.records() });
  }

  /** Registered extensions whose last liveness check passed. */
  extensions(): RegisteredExtension[] {
    this.#refresh();
    return [...this.#extensions.values()];
  }

  /** Registered extensions as tables see them. */
  records(): ExtensionRecord[] {
    return this.extensions().map((e) => ({ uuid: e.uuid, info: e.info, socket: e.socket }));
  }

  /** The extension offering `name` in `registry`, if any. */
  ownerOf(registry: string, name: string): RegisteredExtension | undefined {
    for (const ext of this.#extensions.values()) {
      if (ext.alive && ext.routes[registry] && Object.hasOwn(ext.routes[registry], name)) return ext;
    }
    return undefined;
  }

  #target(ext: RegisteredExtension): SyncTarget {
    return { name: ext.info.name, socket: ext.socket, timeoutMs: this.#thriftTimeoutMs, limits: this.#limits };
  }

  /**
   * Calls plugin `name` of `registry` in the extension that offers it (asynchronously: a new
   * connection per call, as osquery). Throws {@linkcode ExtensionCallError} when no extension
   * offers it or the extension cannot be reached.
   */
  async callPlugin(registry: string, name: string, request: PluginRequest): Promise<ExtensionResponse> {
    const ext = this.ownerOf(registry, name);
    if (!ext) throw new ExtensionCallError(`No extension offers the ${registry} plugin ${name}`);
    try {
      await this.#socketOpened(ext);
      const client = await ThriftClient.connect(ext.socket, { timeoutMs: this.#thriftTimeoutMs, limits: this.#limits });
      try {
        return await client.invoke("call", { registry, item: name, request });
      } finally {
        client.close();
      }
    } catch (err) {
      throw new ExtensionCallError(`Extension ${ext.info.name} failed ${registry} ${name}: ${errorText(err)}`);
    }
  }

  /**
   * An extension registers first and opens its socket afterwards (as osquery's do): a call made
   * in between, within the start-up grace, waits for the socket instead of failing on a slow
   * machine.
   */
  async #socketOpened(ext: RegisteredExtension): Promise<void> {
    while (Date.now() - ext.registeredAt < this.#timeoutMs) {
      try {
        await Deno.stat(ext.socket);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** As {@linkcode ExtensionManager.callPlugin}, blocking (for code that cannot await). */
  callPluginSync(registry: string, name: string, request: PluginRequest): ExtensionResponse {
    const ext = this.ownerOf(registry, name);
    if (!ext) throw new ExtensionCallError(`No extension offers the ${registry} plugin ${name}`);
    try {
      return callExtensionSync(this.#target(ext), registry, name, request);
    } catch (err) {
      throw new ExtensionCallError(errorText(err));
    }
  }

  /**
   * Waits until every extension in `names` is registered and answers ping (osquery's
   * --extensions_require); rejects with the missing names after `timeoutMs`.
   */
  async waitForExtensions(names: string[], timeoutMs = this.#timeoutMs): Promise<void> {
    const wanted = names.map((n) => n.trim()).filter(Boolean);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing: string[] = [];
      for (const name of wanted) {
        const ext = this.extensions().find((e) => e.info.name === name);
        if (!ext || !(await this.#ping(ext, 1000))) missing.push(name);
      }
      if (missing.length === 0) {
        // Their tables may query the core as soon as the caller scans them.
        await this.#tablesLoaded;
        return;
      }
      if (Date.now() >= deadline) {
        throw new ExtensionCallError(
          `Required extension${missing.length > 1 ? "s" : ""} not available: ${missing.join(", ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async #ping(ext: RegisteredExtension, timeoutMs: number): Promise<boolean> {
    try {
      Deno.lstatSync(ext.socket);
    } catch {
      return false;
    }
    try {
      const client = await ThriftClient.connect(ext.socket, { timeoutMs, limits: this.#limits });
      try {
        const status = await client.invoke("ping", {});
        return status.code === 0;
      } finally {
        client.close();
      }
    } catch {
      return false;
    }
  }

  /**
   * One liveness round (run every interval): pings each extension; one that is gone or fails
   * loses its tables and plugins. A new extension gets --extensions_timeout to open its socket.
   */
  async checkLiveness(): Promise<void> {
    if (this.#checking || this.#stopped) return;
    this.#checking = true;
    try {
      for (const ext of [...this.#extensions.values()]) {
        if (!ext.alive) continue;
        let exists = true;
        try {
          Deno.lstatSync(ext.socket);
        } catch {
          exists = false;
        }
        if (!exists && Date.now() - ext.registeredAt < this.#timeoutMs) continue;
        if (!exists || !(await this.#ping(ext, 10_000))) {
          if (this.#stopped) return;
          this.#log(`Extension ${ext.info.name} (${ext.uuid}) went away; removing its plugins`);
          this.#removeRoutes(ext);
          ext.alive = false;
        }
      }
    } finally {
      this.#checking = false;
    }
  }

  #refresh(): void {
    for (const [uuid, ext] of this.#extensions) if (!ext.alive) this.#extensions.delete(uuid);
  }

  #list(): InternalExtensionList {
    this.#refresh();
    const out: InternalExtensionList = new Map();
    for (const [uuid, ext] of this.#extensions) out.set(uuid, ext.info);
    return out;
  }

  #options(): InternalOptionList {
    const out: InternalOptionList = {};
    for (const { spec, value } of flags.all()) {
      out[spec.name] = { value: String(value), default_value: String(spec.default), type: spec.type };
    }
    return out;
  }

  #exists(registry: string, item: string): boolean {
    if (registry === "table") return this.#registry.table(item) !== undefined;
    return this.#registry.plugin(registry, item) !== undefined;
  }

  #newUuid(): bigint {
    for (;;) {
      const uuid = BigInt(1 + Math.floor(Math.random() * 65535));
      if (!this.#extensions.has(uuid)) return uuid;
    }
  }

  #register(info: InternalExtensionInfo, broadcast: ExtensionRegistry): ExtensionStatus {
    this.#refresh();
    const previous = [...this.#extensions.values()].find((e) => e.info.name === info.name);
    if (previous && this.#socketGone(previous)) {
      // A restarted extension whose old self is gone (no socket past the start-up grace):
      // forget the old one now instead of refusing the new one until the next liveness check.
      this.#log(`Extension ${info.name} (${previous.uuid}) went away; replacing it`);
      this.#removeRoutes(previous);
      this.#extensions.delete(previous.uuid);
    } else if (previous) {
      this.#log(`Refusing to register duplicate extension ${info.name}`);
      return FAILED("Duplicate extension registered");
    }
    if (!versionAtLeast(MIN_SDK_VERSION, info.sdk_version)) {
      this.#log(`Could not add extension ${info.name}: incompatible extension SDK ${info.sdk_version}`);
      return FAILED("Incompatible extension SDK version");
    }
    const uuid = this.#newUuid();
    const fail = (message: string) => {
      this.#log(`Could not add extension ${info.name}: ${message}`);
      return FAILED(`Failed adding registry: ${message}`);
    };
    for (const [registryName, items] of Object.entries(broadcast)) {
      for (const item of Object.keys(items)) {
        if (this.#exists(registryName, item)) {
          return fail(`Registry item ${item} conflicts with another item of the same name.`);
        }
      }
    }
    for (const [registryName, items] of Object.entries(broadcast)) {
      if (!(REGISTRY_NAMES as readonly string[]).includes(registryName)) {
        return fail(`Unknown registry: ${registryName}`);
      }
      if (registryName === "table") {
        for (const routes of Object.values(items)) if (routes.length === 0) return fail("Invalid route info");
      }
    }
    const socket = `${this.path}.${uuid}`;
    const ext: RegisteredExtension = {
      uuid,
      info,
      socket,
      routes: broadcast,
      registeredAt: Date.now(),
      alive: true,
    };
    const target = this.#target(ext);
    const added: (() => void)[] = [];
    try {
      for (const [registryName, items] of Object.entries(broadcast)) {
        for (const [item, routes] of Object.entries(items)) {
          if (registryName === "table") {
            const spec = proxyTable(item, routes, target, this.#defaultIndex);
            this.#registry.addTable(spec, info.name, Number(uuid));
            added.push(() => this.#registry.removeTable(item));
          } else {
            this.#registry.addPlugin({
              registry: registryName,
              name: item,
              owner: info.name,
              ownerUuid: Number(uuid),
              internal: false,
            });
            added.push(() => this.#registry.removePlugin(registryName, item));
          }
        }
      }
    } catch (err) {
      for (const undo of added.reverse()) undo();
      return fail(errorText(err));
    }
    this.#extensions.set(uuid, ext);
    // Its generates may query the core inline, where a table's code cannot be awaited: load the
    // lazy catalogue now (once; the answer does not wait for it, --extensions_require does).
    if (Object.keys(broadcast.table ?? {}).length > 0) this.#tablesLoaded ??= this.#loadAllTables();
    this.#log(`Registering extension (${info.name}, ${uuid}, version=${info.version}, sdk=${info.sdk_version})`);
    return OK_STATUS(uuid);
  }

  #socketGone(ext: RegisteredExtension): boolean {
    if (Date.now() - ext.registeredAt < this.#timeoutMs) return false;
    try {
      Deno.lstatSync(ext.socket);
      return false;
    } catch {
      return true;
    }
  }

  #removeRoutes(ext: RegisteredExtension): void {
    for (const [registryName, items] of Object.entries(ext.routes)) {
      for (const item of Object.keys(items)) {
        if (registryName === "table") {
          if (this.#registry.tableOwner(item) === ext.info.name) this.#registry.removeTable(item);
        } else if (this.#registry.plugin(registryName, item)?.owner === ext.info.name) {
          this.#registry.removePlugin(registryName, item);
        }
      }
    }
  }

  #deregister(uuid: bigint): ExtensionStatus {
    const ext = this.#extensions.get(uuid);
    if (!ext) return FAILED("No extension UUID found");
    if (ext.alive) this.#removeRoutes(ext);
    this.#extensions.delete(uuid);
    return OK_STATUS(0n);
  }

  #query(sql: string): ExtensionResponse {
    try {
      return { status: OK_STATUS(), response: this.#queryAll(sql) };
    } catch (err) {
      return { status: FAILED(errorText(err)), response: [] };
    }
  }

  /**
   * Runs every statement of `sql` and returns all their rows in order, as osquery's query() does
   * (`select 1 as a; select 2 as b` answers both rows); the first failing statement fails it all.
   */
  #queryAll(sql: string): PluginResponse {
    const rows: PluginResponse = [];
    for (const { statement } of this.#engine.statements(sql)) {
      try {
        rows.push(...rowsToStrings(statement.all()));
      } finally {
        statement.finalize();
      }
    }
    return rows;
  }

  #columns(sql: string): ExtensionResponse {
    try {
      return { status: OK_STATUS(), response: this.#engine.columns(sql).map((c) => ({ [c.name]: c.type })) };
    } catch (err) {
      return { status: FAILED(errorText(err)), response: [] };
    }
  }

  /** Loads every lazily registered table (an inline query cannot wait for one to load). */
  async #loadAllTables(): Promise<void> {
    try {
      await this.#registry.loadAllTables();
    } catch (err) {
      this.#log(`Loading the tables an extension's query may scan failed: ${errorText(err)}`);
    }
  }

  /** As {@linkcode ExtensionManager.#call}, answered inline while a generate blocks the thread. */
  #callSync(registryName: string, item: string, request: PluginRequest): ExtensionResponse {
    if (registryName === "table") {
      const spec = this.#registry.implementation(item);
      if (spec && this.#registry.tableOwner(spec.name) === "core") return this.#callCoreTable(spec, request);
    }
    if (registryName === "sql" && item === "sql") return this.#callSql(request);
    if (this.ownerOf(registryName, item)) {
      try {
        return this.callPluginSync(registryName, item, request);
      } catch (err) {
        return { status: FAILED(errorText(err)), response: [] };
      }
    }
    if (!(REGISTRY_NAMES as readonly string[]).includes(registryName)) {
      return { status: FAILED(`Unknown registry: ${registryName}`), response: [] };
    }
    return { status: FAILED(`Cannot call registry item: ${item}`), response: [] };
  }

  /** The core answering `call`: its own tables and SQL, or forwarding to the owning extension. */
  async #call(registryName: string, item: string, request: PluginRequest): Promise<ExtensionResponse> {
    if (registryName === "table") {
      const spec = this.#registry.table(item);
      const owner = this.#registry.tableOwner(spec?.name ?? item);
      if (spec && owner === "core") {
        await this.#registry.loadTables([spec.name]);
        return this.#callCoreTable(spec, request);
      }
    }
    if (registryName === "sql" && item === "sql") {
      await this.#registry.loadTablesFor(request.query ?? "");
      return this.#callSql(request);
    }
    if (this.ownerOf(registryName, item)) {
      try {
        return await this.callPlugin(registryName, item, request);
      } catch (err) {
        return { status: FAILED(errorText(err)), response: [] };
      }
    }
    if (!(REGISTRY_NAMES as readonly string[]).includes(registryName)) {
      return { status: FAILED(`Unknown registry: ${registryName}`), response: [] };
    }
    return { status: FAILED(`Cannot call registry item: ${item}`), response: [] };
  }

  #callCoreTable(spec: TableSpec, request: PluginRequest): ExtensionResponse {
    // osquery's TablePlugin::call: the action is required; osq's tables are read-only, as
    // osquery's own answer delete/insert/update.
    if (!Object.hasOwn(request, "action")) {
      return { status: FAILED("Table plugins must include a request action"), response: [] };
    }
    if (request.action === "columns") return { status: OK_STATUS(), response: tableRoutes(spec) };
    if (["delete", "insert", "update"].includes(request.action)) {
      return { status: OK_STATUS(), response: [{ status: "readonly" }] };
    }
    if (request.action !== "generate") {
      return { status: FAILED(`Unknown table plugin action: ${request.action}`), response: [] };
    }
    try {
      const ctx: QueryContext = contextFromJson(spec.name, request.context);
      const rows: PluginResponse = [];
      for (const row of spec.generate(ctx) as Iterable<Row>) {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(row)) {
          if (v === undefined || v === null) continue;
          out[k] = typeof v === "boolean" ? (v ? "1" : "0") : valueToText(v);
        }
        rows.push(out);
      }
      return { status: OK_STATUS(), response: rows };
    } catch (err) {
      return { status: FAILED(errorText(err)), response: [] };
    }
  }

  #callSql(request: PluginRequest): ExtensionResponse {
    try {
      switch (request.action) {
        case "query":
          return { status: OK_STATUS(), response: this.#queryAll(request.query ?? "") };
        case "columns":
          return {
            status: OK_STATUS(),
            response: this.#engine.columns(request.query ?? "").map((c) => ({ n: c.name, t: c.type, o: "0" })),
          };
        case "tables":
          return { status: OK_STATUS(), response: this.#registry.tables().map((t) => ({ t: t.name })) };
        default:
          return { status: FAILED(`Unknown sql action: ${request.action ?? ""}`), response: [] };
      }
    } catch (err) {
      return { status: FAILED(errorText(err)), response: [] };
    }
  }

  /**
   * Stops the manager: asks every extension to shut down, detaches their tables and plugins,
   * stops serving and removes the socket.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopInline?.();
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#extensions.values()].map(async (ext) => {
      if (ext.alive) this.#removeRoutes(ext);
      try {
        const client = await ThriftClient.connect(ext.socket, { timeoutMs: 1000, limits: this.#limits });
        try {
          await client.invoke("shutdown", {});
        } finally {
          client.close();
        }
      } catch {
        // Already gone.
      }
    }));
    this.#extensions.clear();
    await this.#tablesLoaded;
    await this.#server.close();
    removeStaleExtensionSockets(this.path);
    runtime.extensionsActive = false;
    setActiveManager(undefined);
  }
}

/** Removes leftover extension sockets `<path>.*` (only sockets, nothing else). */
export function removeStaleExtensionSockets(path: string): void {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const base = path.slice(slash + 1);
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.name.startsWith(`${base}.`) || !/^\d+$/.test(entry.name.slice(base.length + 1))) continue;
      const full = `${dir}/${entry.name}`;
      try {
        if (Deno.lstatSync(full).isSocket) Deno.removeSync(full);
      } catch {
        // raced with its owner
      }
    }
  } catch {
    // No directory: nothing stale.
  }
}

/**
 * Starts the extension manager on `options.socket` (default --extensions_socket) for `engine`.
 * The socket's directory is created when missing; the socket is owner-only (0600). Extension
 * tables attach to `engine` (and every engine of the same registry) as they register.
 * Throws when the socket is already served by another process.
 */
export function startExtensionManager(engine: Engine, options: ExtensionManagerOptions = {}): ExtensionManager {
  const socket = options.socket ?? flags.string("extensions_socket");
  const slash = socket.lastIndexOf("/");
  if (slash > 0) Deno.mkdirSync(socket.slice(0, slash), { recursive: true, mode: 0o700 });
  return new ExtensionManager(engine, { ...options, socket });
}
