/**
 * The host's uptime as osquery reports it (its getUptime(): sysinfo(2)'s whole seconds since
 * boot, rounded up): the `uptime` table and the event tables' `uptime` column read it here.
 *
 * @module
 */

/**
 * Whole seconds since boot from the text of /proc/uptime, rounded up as sysinfo(2) does;
 * `undefined` when the text is missing or malformed.
 */
export function parseUptimeSeconds(text: string | undefined): number | undefined {
  const first = text?.trim().split(/\s+/)[0];
  if (!first || !/^\d+(\.\d+)?$/.test(first)) return undefined;
  const [whole, frac = ""] = first.split(".");
  return Number(whole) + (/[1-9]/.test(frac) ? 1 : 0);
}

/** Seconds since boot of this machine (0 when /proc is unreadable), as the event tables stamp rows. */
export function systemUptime(): number {
  try {
    return parseUptimeSeconds(Deno.readTextFileSync("/proc/uptime")) ?? 0;
  } catch {
    return 0;
  }
}
