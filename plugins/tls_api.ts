/**
 * The daemon's door to osquery's remote (TLS) API: one transport, one enrollment and one node
 * key for the `tls` config plugin, the `tls` logger, the `tls` distributed plugin and the
 * carver's uploads.
 *
 * How cmd/daemon/worker_main.ts wires it (in `runWorker`, once the store is open):
 *
 * ```ts
 * import { createRemote, remotePlugins } from "../../plugins/tls_api.ts";
 *
 * const wanted = remotePlugins();            // which of config/logger/distributed name "tls"
 * let worker: DaemonWorker | undefined;      // assigned below; the remote only needs it later
 * const remote = wanted.any
 *   ? createRemote({
 *     engine: () => worker?.engine,          // host details, live queries (own Engine until the worker exists)
 *     kv: store.kv,                          // node key + distributed crash marks
 *     hostIdentifier: () => hostIdentifier(store),
 *     onStatus: (severity, message) => worker?.status(severity, message),
 *     runQuery: (sql) => worker!.pool.run(sql), // optional: live queries on the query threads
 *   })
 *   : undefined;
 * const sources = () => (wanted.config ? remote!.configSources() : readSources());
 * // everywhere readSources() was used (early applyOptions, loadConfig, SIGHUP, refresh): sources()
 * loggers = createLoggers(withoutTls(flags.string("logger_plugin")), store);
 * if (wanted.logger) loggers.push(remote!.logger());
 * worker = new DaemonWorker(store, loggers);
 * ...after worker.loadConfig(sources()):
 * const distributed = remote?.startDistributed();   // a no-op handle unless enabled
 * ...in finally, before worker.close():
 * await distributed?.stop();
 * await remote?.close();
 * ```
 *
 * `withoutTls(names)` drops "tls" from the comma list (createLoggers does not know it). The
 * carver gets `remote.carveUploader()` as its `CarveOptions.uploader`.
 *
 * @module
 */
import "../core/tls_api/flags.ts";
import "../core/config/flags.ts";
import "../core/carver/flags.ts";
import { flags } from "../core/flags/flags.ts";
import type { ConfigSource } from "../core/config/config.ts";
import { Engine } from "../core/engine.ts";
import type { CarveUploader } from "../core/carver/carves.ts";
import { RemoteClient } from "../core/tls_api/client.ts";
import {
  Enroller,
  KvNodeKeyStore,
  MemoryNodeKeyStore,
  type NodeKeyStore,
  type SqlRunner,
} from "../core/tls_api/enroll.ts";
import { TlsTransport, type TransportOptions } from "../core/tls_api/transport.ts";
import { readTlsConfigSources } from "./config/tls.ts";
import { TlsLogger } from "./logger/tls.ts";
import {
  type DistributedHandle,
  DistributedRunner,
  KvRunningQueryStore,
  type QueryRunner,
  type ThreadReply,
  threadRunner,
} from "./distributed/tls.ts";

// Which plugins the flags point at the TLS server: a module of its own, so the daemon reads them
// without loading this one (the TLS client, ~4 MiB of a worker that does not use it).
export { type RemotePlugins, remotePlugins, withoutTls } from "./tls_plugins.ts";

/** What {@linkcode createRemote} needs. */
export interface RemoteOptions {
  /**
   * The daemon's engine, or a getter for it: host details at enrollment and (without `runQuery`)
   * distributed queries. When the getter gives undefined (enrollment before the daemon made its
   * engine), the remote makes its own over the registered tables and closes it in `close()`.
   */
  engine?: Engine | (() => Engine | undefined);
  /** The daemon's Deno KV: node key and distributed crash marks (none: kept in memory). */
  kv?: Deno.Kv;
  /** Or an explicit node key store. */
  nodeKeyStore?: NodeKeyStore;
  /** The host identifier as the daemon computes it. */
  hostIdentifier: () => string | Promise<string>;
  /** Status messages for the daemon's status log (severity as glog numbers it). */
  onStatus?: (severity: number, message: string) => void;
  /** Decorations for status records. */
  decorations?: () => Record<string, string>;
  /** Runs a distributed query on a query thread (the daemon's `pool.run`); default: the engine. */
  runQuery?: (sql: string) => Promise<ThreadReply>;
  /** Transport overrides (tests: timeout). */
  transport?: TransportOptions;
  /** Waits between attempts (tests shorten them). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The remote API of one daemon. */
export interface Remote {
  readonly client: RemoteClient;
  /** The node key (enrolls when there is none). */
  nodeKey(): Promise<string>;
  /** The `tls` config plugin's sources; throws a ConfigError the daemon reports. */
  configSources(): Promise<ConfigSource[]>;
  /** The `tls` logger (one per remote). */
  logger(): TlsLogger;
  /** Starts distributed queries when the flags enable them; otherwise a handle that does nothing. */
  startDistributed(): DistributedHandle;
  /** Uploads for the carver, to `--carver_start_endpoint` and `--carver_continue_endpoint`. */
  carveUploader(): CarveUploader;
  /** Stops everything and closes the connections. */
  close(): Promise<void>;
}

const IDLE: DistributedHandle = {
  stop: () => Promise.resolve(),
  checkIn: () => Promise.resolve({ ran: [], written: false }),
  acceleratedUntil: 0,
};

/** Creates the remote API of a daemon (nothing is sent until a plugin is used). */
export function createRemote(options: RemoteOptions): Remote {
  const stop = new AbortController();
  const status = options.onStatus ?? (() => {});
  let ownEngine: Engine | undefined;
  const engine = (): Engine => {
    const given = typeof options.engine === "function" ? options.engine() : options.engine;
    return given ?? (ownEngine ??= new Engine());
  };
  const runner: SqlRunner = { query: (sql) => engine().query(sql) };
  const transport = new TlsTransport({ onWarning: (m) => status(1, m), ...options.transport });
  const store = options.nodeKeyStore ?? (options.kv ? new KvNodeKeyStore(options.kv) : new MemoryNodeKeyStore());
  const enroller = new Enroller({
    transport,
    store,
    engine: runner,
    hostIdentifier: options.hostIdentifier,
    onWarning: (m) => status(1, m),
    sleep: options.sleep,
    signal: stop.signal,
  });
  const client = new RemoteClient({
    transport,
    enroller,
    sleep: options.sleep,
    signal: stop.signal,
    onRetry: (m) => flags.bool("verbose") && status(0, m),
  });
  let logger: TlsLogger | undefined;
  const handles: DistributedHandle[] = [];

  return {
    client,
    nodeKey: () => enroller.nodeKey(),
    configSources: () => readTlsConfigSources(client),
    logger() {
      logger ??= new TlsLogger({ client, hostIdentifier: options.hostIdentifier, decorations: options.decorations });
      return logger;
    },
    startDistributed() {
      if (!flags.bool("disable_distributed") && flags.string("distributed_plugin") !== "tls") {
        status(2, `Missing distributed plugin ${flags.string("distributed_plugin")} (osq has tls).`);
      }
      if (flags.bool("disable_distributed") || flags.string("distributed_plugin") !== "tls") return IDLE;
      const run: QueryRunner | undefined = options.runQuery ? threadRunner(options.runQuery) : undefined;
      const handle = new DistributedRunner({
        client,
        engine: run ? undefined : engine(),
        run,
        running: options.kv ? new KvRunningQueryStore(options.kv) : undefined,
        onStatus: status,
      }).start();
      handles.push(handle);
      return handle;
    },
    carveUploader(): CarveUploader {
      return {
        start: (body) => client.request(flags.string("carver_start_endpoint"), body),
        send: async (body) => {
          await client.request(flags.string("carver_continue_endpoint"), body, { bodyNodeKey: false });
        },
      };
    },
    async close() {
      stop.abort();
      for (const h of handles) await h.stop();
      logger?.close();
      transport.close();
      ownEngine?.close();
    },
  };
}
