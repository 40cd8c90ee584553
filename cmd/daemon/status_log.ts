/**
 * The daemon's status log: each line goes to every logger (with the file and line that logged
 * it, as glog's prefix) and, by severity and flags, to stderr. Lines logged before the loggers
 * exist (while extensions start) are kept and given to them when they join.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import { frameLocation, type SourceLocation } from "../../core/runtime/source_location.ts";
import { Severity } from "../../core/results/status.ts";
import type { Logger, StatusRecord } from "../../plugins/logger/logger.ts";

const encoder = new TextEncoder();

/**
 * The source file (base name) and line of the code that called {@linkcode StatusLog.status},
 * for the glog prefix (`worker.ts:1010]`), read off a stack captured inside `status`.
 */
export function callerOf(stack: string | undefined): SourceLocation {
  // Frame 0 is the message, frame 1 `status` itself, frame 2 its caller.
  return frameLocation(stack, 2, "worker.ts");
}

/** Status lines to the loggers and stderr. */
export class StatusLog {
  readonly #loggers: Logger[];
  /** Status lines logged before {@linkcode StatusLog.attach}. */
  #early: StatusRecord[] | undefined = [];

  /** `loggers` is shared with the daemon (loggers attached later are added to it). */
  constructor(loggers: Logger[]) {
    this.#loggers = loggers;
    if (loggers.length > 0) this.#early = undefined;
  }

  /** A status message to the loggers (and stderr by severity). */
  status(severity: number, message: string): void {
    if (severity < flags.number("logger_min_status") && !flags.bool("verbose")) return;
    const { file, line } = callerOf(new Error().stack);
    const record = { severity, message, file, line, time: new Date() };
    // Before the loggers exist (extensions starting), keep the lines for them (bounded).
    if (this.#early && this.#early.length < 1000) this.#early.push(record);
    for (const l of this.#loggers) {
      try {
        l.logStatus(record);
      } catch {
        // A failing status sink must not stop the schedule.
      }
    }
    const toStderr = flags.bool("logger_stderr") &&
      (severity >= Severity.WARNING || flags.bool("verbose")) && severity >= flags.number("logger_min_stderr");
    if (toStderr) Deno.stderr.writeSync(encoder.encode(`${"IWEF"[severity]} ${message}\n`));
  }

  /**
   * Adds the loggers (made once extensions could provide some) and gives them the status lines
   * logged before they existed.
   */
  attach(loggers: Logger[]): void {
    this.#loggers.push(...loggers);
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const record of early) {
      for (const l of loggers) {
        try {
          l.logStatus(record);
        } catch {
          // A failing status sink must not stop the schedule.
        }
      }
    }
  }
}
