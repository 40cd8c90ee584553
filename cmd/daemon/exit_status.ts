/**
 * The exit status the daemon's worker and its supervisor (run.ts) agree on.
 *
 * @module
 */

/** Exit status osquery uses for a failure the watcher must not retry. */
export const EXIT_CATASTROPHIC = 78;
