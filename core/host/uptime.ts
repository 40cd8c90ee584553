/**
 * The host's uptime as the audit event tables report it: a host reader both core's audit
 * publisher (process_file_events rows) and the event tables' rows use.
 *
 * @module
 */

/** Seconds since boot, as osquery's uptime column reports them (0 when /proc is unreadable). */
export function systemUptime(): number {
  try {
    return Math.floor(Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0])) || 0;
  } catch {
    return 0;
  }
}
