/**
 * How the result pipeline reports: status lines with glog's severities, handed to whoever
 * wires the pipeline (the daemon sends them to its loggers and stderr).
 *
 * @module
 */

/** Status severities as glog numbers them. */
export const Severity = { INFO: 0, WARNING: 1, ERROR: 2, FATAL: 3 } as const;

/** Receives one status line. */
export type StatusSink = (severity: number, message: string) => void;
