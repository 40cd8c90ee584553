/**
 * Running the schedule (in progress): the daemon currently supports --config_check and --config_dump.
 *
 * @module
 */

/** Runs the daemon until it is stopped; resolves to the exit status. */
export function runDaemon(): Promise<number> {
  Deno.stderr.writeSync(
    new TextEncoder().encode("osq daemon: running the schedule is not available in this build; use --config_check.\n"),
  );
  return Promise.resolve(1);
}
