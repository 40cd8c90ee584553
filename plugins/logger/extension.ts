/**
 * A logger plugin an extension offers (`--logger_plugin=filesystem,NAME`): result lines go to
 * its `string` action (snapshots to `snapshot`), and — when its `features` ask for them, as
 * osquery-python's and the SDKs' loggers do — status lines to `status`, each as osquery's core
 * sends them. A write that fails keeps the outbox entry for the next attempt.
 *
 * @module
 */
import type { ExtensionManager } from "../../core/extensions/manager.ts";
import {
  initLogger,
  loggerFeatures,
  logSnapshot,
  logStatus,
  logString,
  type StatusLine,
} from "../../core/extensions/plugins.ts";
import { calendarTime } from "../../core/results/diff.ts";
import type { Logger, StatusRecord } from "./logger.ts";

/** Options of {@linkcode ExtensionLogger}. */
export interface ExtensionLoggerOptions {
  /** The host identifier status lines carry. */
  hostIdentifier?: () => string;
  /** Reports a failed status relay (never through this logger, to avoid a loop). */
  onError?: (message: string) => void;
}

/** The daemon's logger for one extension logger plugin. */
export class ExtensionLogger implements Logger {
  readonly name: string;
  readonly #manager: ExtensionManager;
  readonly #options: ExtensionLoggerOptions;
  #wantsStatus = true;
  #statusChain: Promise<void> = Promise.resolve();
  #relayFailed = false;

  constructor(manager: ExtensionManager, plugin: string, options: ExtensionLoggerOptions = {}) {
    this.#manager = manager;
    this.name = plugin;
    this.#options = options;
  }

  /** Asks the plugin what it wants and tells it logging starts (osquery's `init`). */
  async init(processName = "osqueryd"): Promise<void> {
    try {
      this.#wantsStatus = (await loggerFeatures(this.#manager, this.name)).status;
    } catch {
      // A plugin without `features` gets status lines, as osquery's default feature set says.
      this.#wantsStatus = true;
    }
    await initLogger(this.#manager, this.name, processName);
  }

  async logLines(category: "result" | "snapshot", lines: string[], _seq: bigint): Promise<void> {
    for (const line of lines) {
      if (category === "snapshot") await logSnapshot(this.#manager, this.name, line);
      else await logString(this.#manager, this.name, line);
    }
  }

  logStatus(record: StatusRecord): void {
    if (!this.#wantsStatus) return;
    const unix = Math.floor(record.time.getTime() / 1000);
    const line: StatusLine = {
      s: record.severity,
      f: record.file,
      i: record.line,
      m: record.message,
      h: this.#options.hostIdentifier?.() ?? Deno.hostname(),
      c: calendarTime(unix),
      u: unix,
    };
    // In order, one at a time; a failure is reported once until a relay succeeds again.
    this.#statusChain = this.#statusChain.then(() => logStatus(this.#manager, this.name, [line])).then(
      () => void (this.#relayFailed = false),
      (err) => {
        if (this.#relayFailed) return;
        this.#relayFailed = true;
        this.#options.onError?.(`Logger plugin ${this.name} did not take a status line: ${(err as Error).message}`);
      },
    );
  }

  /** Resolves once the status lines sent so far were delivered (or failed). */
  flushed(): Promise<void> {
    return this.#statusChain;
  }

  recover(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}
