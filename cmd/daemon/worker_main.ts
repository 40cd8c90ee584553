/**
 * The daemon's worker role, wired: opens the database (one daemon per database), starts the
 * extensions, picks the config, logger and distributed plugins (the TLS server's, extensions'
 * or the flags'), starts the carver, runs the schedule and stops on SIGTERM/SIGINT, reloading
 * the config on SIGHUP. The TLS client, the carver and the extension plugins' modules load only
 * when the flags or an extension ask for them: an idle worker holds only what it runs.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import { runtime } from "../../core/runtime/process.ts";
import { applyOptions, buildConfig } from "../../core/config/config.ts";
import { openStore, type Store } from "../../core/kv/store.ts";
import { createLoggers, type Logger, Severity } from "../../plugins/logger/logger.ts";
import { resolvePack } from "../../plugins/config/filesystem.ts";
import { hostIdentifier } from "./identity.ts";
import type { Remote } from "../../plugins/tls_api.ts";
import { remotePlugins, withoutTls } from "../../plugins/tls_plugins.ts";
import type { CarverService } from "../../core/carver/runner.ts";
import { EXIT_CATASTROPHIC } from "./exit_status.ts";
import { writableDir } from "./paths.ts";
import { ignoredFlagsMessage, newlyIgnoredFlags } from "../../core/flags/catalogue.ts";
import { applyTableSwitches } from "../../core/flags/table_switches.ts";
import {
  chooseExtensionPlugins,
  type ExtensionPluginChoice,
  MissingPluginError,
  withoutNames,
} from "./extension_plugins.ts";
import { isStorageError } from "../../core/results/storage_health.ts";
import { DaemonWorker } from "./worker.ts";
import type { ExtensionManager } from "../../core/extensions/manager.ts";
import type { DistributedHandle } from "../../plugins/distributed/tls.ts";
import { readSources } from "./config_sources.ts";
import { loadEventTables } from "./table_loading.ts";

const encoder = new TextEncoder();
/** Loggers plugins/logger/pipelines.ts registers. */
const PIPELINE_LOGGERS = ["kafka_producer", "aws_kinesis", "aws_firehose"];

/** Runs the worker role; resolves to the exit status. */
export async function runWorker(): Promise<number> {
  const watchdogEnabled = !flags.bool("disable_watchdog") && Deno.env.get("OSQ_DAEMON_ROLE") === "worker";
  let dbPath: string;
  let ephemeralDir: string | undefined;
  if (flags.bool("disable_database")) dbPath = ":memory:";
  else if (flags.bool("ephemeral")) {
    ephemeralDir = Deno.makeTempDirSync({ prefix: "osqd-" });
    dbPath = `${ephemeralDir}/osquery.db`;
  } else {
    const wanted = flags.string("database_path");
    const dir = writableDir(wanted.slice(0, wanted.lastIndexOf("/")) || "/", "db");
    dbPath = dir === wanted.slice(0, wanted.lastIndexOf("/")) ? wanted : `${dir}/osquery.db`;
    if (dbPath !== wanted) {
      Deno.stderr.writeSync(encoder.encode(`osq daemon: ${wanted} is not writable; using the database ${dbPath}\n`));
    }
  }
  // One daemon per database: a worker left over from a killed supervisor exits within a tick;
  // until then the new one waits here instead of writing beside it.
  let lock: Deno.FsFile | undefined;
  if (dbPath !== ":memory:") {
    lock = Deno.openSync(`${dbPath}.lock`, { read: true, write: true, create: true, mode: 0o600 });
    const waiting = setTimeout(
      () => Deno.stderr.writeSync(encoder.encode(`osq daemon: waiting for another daemon using ${dbPath}\n`)),
      3000,
    );
    await lock.lock(true);
    clearTimeout(waiting);
  }
  let store: Store;
  for (let delay = 1000, waiting = false;; delay = Math.min(60_000, delay * 2)) {
    try {
      store = await openStore(dbPath);
      if (waiting) Deno.stderr.writeSync(encoder.encode(`osq daemon: the database ${dbPath} opened; starting\n`));
      break;
    } catch (err) {
      // A full disk passes: wait for room (SIGTERM still stops the wait) rather than exit for
      // good. Anything else is not helped by a restart.
      if (!isStorageError(err)) {
        Deno.stderr.writeSync(encoder.encode(`osq daemon: ${(err as Error).message}\n`));
        return EXIT_CATASTROPHIC;
      }
      if (!waiting) {
        Deno.stderr.writeSync(encoder.encode(
          `osq daemon: ${(err as Error).message}; its filesystem looks full: waiting for room, retrying ` +
            `with back-off (the schedule starts once the database opens)\n`,
        ));
      }
      waiting = true;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  const instance = await store.get<typeof runtime.instanceId>(["meta", "instance_id"]);
  if (instance) runtime.instanceId = instance;
  else await store.set(["meta", "instance_id"], runtime.instanceId);

  // The worker exists first: as osqueryd, the daemon starts the extension manager and waits for
  // autoloaded extensions before it enrolls, reads the config or starts logging, so
  // osquery_info reports the manager active at enrollment and extensions' config, logger and
  // distributed plugins can serve the daemon. Loggers join the worker below.
  const current: { worker?: DaemonWorker } = {};
  const worker = current.worker = new DaemonWorker(store, []);
  applyTableSwitches(worker.engine.registry);
  // osquery flags set here that osq does not act on are named once in the status log.
  const reportIgnored = () => {
    const ignored = newlyIgnoredFlags();
    if (ignored.length > 0) worker.status(Severity.INFO, ignoredFlagsMessage(ignored));
  };
  await worker.startExtensions();
  let fromExtensions: ExtensionPluginChoice;
  try {
    fromExtensions = await chooseExtensionPlugins(
      worker.extensionManager,
      (message) => worker.status(Severity.ERROR, message),
    );
  } catch (err) {
    if (!(err instanceof MissingPluginError)) throw err;
    Deno.stderr.writeSync(encoder.encode(`osq daemon: ${err.message}\n`));
    await worker.stop(0);
    worker.close();
    return EXIT_CATASTROPHIC;
  }
  const manager = worker.extensionManager;

  // The TLS server (Fleet and the like): config, logger, live queries and carve uploads.
  const wanted = remotePlugins();
  const remote: Remote | undefined = wanted.any
    ? (await import("../../plugins/tls_api.ts")).createRemote({
      engine: () => current.worker?.engine,
      kv: store.kv,
      hostIdentifier: () => hostIdentifier(store),
      onStatus: (severity, message) =>
        current.worker
          ? current.worker.status(severity, message)
          : Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
      runQuery: (sql) => current.worker!.runLive(sql),
    })
    : undefined;
  const extensionConfig = fromExtensions.config && manager
    ? (await import("../../plugins/config/extension.ts")).extensionConfigSources
    : undefined;
  const sources = extensionConfig && manager
    ? () => extensionConfig(manager, fromExtensions.config!)
    : wanted.config && remote
    ? () => remote.configSources()
    : readSources;
  // Enrollment (started by the first config request) sends these tables' first rows, synchronously.
  if (remote) {
    await worker.engine.registry.loadTables((await import("../../core/tls_api/enroll.ts")).HOST_DETAIL_TABLES);
  }
  const firstSources = sources();
  // Reported (with the file or endpoint) by loadConfig below.
  firstSources.catch(() => {});
  const noConfig = !wanted.config && !fromExtensions.config && (() => {
    try {
      Deno.statSync(flags.string("config_path"));
      return false;
    } catch {
      return true;
    }
  })();
  // Config options may set logger flags: apply them before the loggers start (as osquery does).
  try {
    applyOptions(buildConfig(await firstSources, { resolvePack }));
  } catch {
    // An unreadable config is reported by loadConfig below.
  }
  const logDir = writableDir(flags.string("logger_path"), "log");
  if (logDir !== flags.string("logger_path").replace(/\/+$/, "")) flags.set("logger_path", logDir, "runtime");
  let loggers: Logger[];
  try {
    const names = withoutNames(flags.string("logger_plugin"), fromExtensions.loggers);
    const others = withoutTls(names);
    // The pipeline loggers register themselves when their module loads: only when named (their
    // modules are ~2-3 MiB of a worker that does not use them).
    if (names.split(",").some((n) => PIPELINE_LOGGERS.includes(n.trim()))) {
      await import("../../plugins/logger/pipelines.ts");
    }
    const context = {
      status: (severity: number, message: string) =>
        current.worker
          ? current.worker.status(severity, message)
          : Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
    };
    loggers = others || !wanted.logger ? createLoggers(wanted.logger ? others : names, store, context) : [];
    if (wanted.logger && remote) loggers.push(remote.logger());
    for (const name of fromExtensions.loggers) {
      const { ExtensionLogger } = await import("../../plugins/logger/extension.ts");
      const logger = new ExtensionLogger(manager!, name, {
        onError: (message) => Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
      });
      try {
        await logger.init();
      } catch (err) {
        context.status(Severity.ERROR, `Logger plugin ${name} did not initialize: ${(err as Error).message}`);
      }
      loggers.push(logger);
    }
  } catch (err) {
    Deno.stderr.writeSync(encoder.encode(`osq daemon: ${(err as Error).message}\n`));
    await remote?.close();
    await worker.stop(0);
    worker.close();
    return EXIT_CATASTROPHIC;
  }
  worker.attachLoggers(loggers);
  worker.where = { database: dbPath, logs: logDir };
  worker.configSources = sources;
  if (noConfig) {
    Deno.stderr.writeSync(encoder.encode(
      `osq daemon: no config at ${flags.string("config_path")}; running the built-in schedule.` +
        (flags.string("logger_plugin").includes("filesystem")
          ? ` Results go to ${logDir}/osqueryd.results.log\n`
          : "\n"),
    ));
  }
  await worker.recover(watchdogEnabled);
  // Event tables' subscribers buffer from the start (config options may have disabled events).
  if (!flags.bool("disable_events")) await loadEventTables(worker.engine.registry);
  await worker.loadConfig(firstSources);
  const distributed = fromExtensions.distributed && manager
    ? await startDistributedByExtension(manager, fromExtensions.distributed, worker, store)
    : remote?.startDistributed();
  let carver: CarverService | undefined;
  if (remote) {
    const { carveStore } = await import("../../core/carver/carves.ts");
    const { startCarverService } = await import("../../core/carver/runner.ts");
    carver = await startCarverService({
      store: carveStore,
      kv: store.kv,
      uploader: remote.carveUploader(),
      nodeKey: () => remote.nodeKey(),
      onStatus: (severity, message) => worker.status(severity, message),
    });
  }
  worker.status(Severity.INFO, `osqd started: ${worker.planned.length} scheduled queries, database ${dbPath}`);
  reportIgnored();

  let exit = 0;
  // Live queries and carves stop first: they use the query threads the worker closes.
  // A carve still uploading is left PENDING after a few seconds: the next start runs it again.
  const stop = async () => {
    const grace = Math.max(10, flags.number("alarm_timeout")) * 1000 - 2000;
    await distributed?.stop();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([carver?.stop(), new Promise((r) => (timer = setTimeout(r, Math.min(3000, grace / 2))))]);
    clearTimeout(timer);
    await worker.stop(grace);
  };
  const onTerm = () => void stop();
  const onHup = () => {
    worker.status(Severity.INFO, "Reloading the config (SIGHUP)");
    void worker.loadConfig().then((ok) => {
      if (ok) {
        worker.status(
          Severity.INFO,
          `The new config took effect: ${worker.planned.length} scheduled queries, config hash ${runtime.configHash}`,
        );
      }
      reportIgnored();
    });
  };
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onTerm);
  Deno.addSignalListener("SIGHUP", onHup);
  try {
    await worker.run();
    await stop();
  } catch (err) {
    worker.status(Severity.ERROR, `The daemon stopped: ${(err as Error).message}`);
    exit = 1;
  } finally {
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGINT", onTerm);
    Deno.removeSignalListener("SIGHUP", onHup);
    await distributed?.stop();
    await carver?.stop();
    await remote?.close();
    worker.close();
    lock?.close();
    if (ephemeralDir) Deno.removeSync(ephemeralDir, { recursive: true });
  }
  return exit;
}

/** An extension's distributed plugin, run on the query threads (its modules load only then). */
async function startDistributedByExtension(
  manager: ExtensionManager,
  plugin: string,
  worker: DaemonWorker,
  store: Store,
): Promise<DistributedHandle> {
  const { startExtensionDistributed } = await import("../../plugins/distributed/extension.ts");
  const { KvRunningQueryStore, threadRunner } = await import("../../plugins/distributed/tls.ts");
  return startExtensionDistributed({
    manager,
    plugin,
    run: threadRunner((sql) => worker.runLive(sql)),
    running: new KvRunningQueryStore(store.kv),
    onStatus: (severity, message) => worker.status(severity, message),
  });
}
