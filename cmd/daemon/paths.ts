/**
 * Where the daemon can write: the configured directory when possible, else a per-user state
 * directory, so `osq daemon` works out of the box without root.
 *
 * @module
 */

/** The schedule used when there is no config file at all. */
export const BUILTIN_CONFIG = JSON.stringify({
  schedule: {
    osq_info: {
      query: "select version, config_valid, start_time from osquery_info",
      interval: 3600,
      startup_priority: 1,
    },
    os_version: { query: "select name, version, platform from os_version", interval: 86400, startup_priority: 2 },
    listening_ports: {
      query: "select pid, port, protocol, address from listening_ports",
      interval: 300,
      startup_priority: 3,
    },
    logged_in_users: { query: "select type, user, tty, host from logged_in_users", interval: 300, startup_priority: 4 },
  },
});

function canWrite(dir: string, mode?: number): boolean {
  try {
    Deno.mkdirSync(dir, mode === undefined ? { recursive: true } : { recursive: true, mode });
    const probe = `${dir}/.osq-write-test-${Deno.pid}`;
    Deno.writeTextFileSync(probe, "");
    Deno.removeSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** `wanted` when writable, else `$XDG_STATE_HOME/osq/<kind>` (or ~/.local/state, or /tmp). */
export function writableDir(wanted: string, kind: "log" | "db" | "run"): string {
  const dir = wanted.replace(/\/+$/, "") || "/";
  // The database holds previous results and the node key: its directory is private.
  const mode = kind === "db" ? 0o700 : undefined;
  if (canWrite(dir, mode)) return dir;
  const home = Deno.env.get("HOME");
  const state = Deno.env.get("XDG_STATE_HOME") ?? (home ? `${home}/.local/state` : undefined);
  for (const base of [state, `/tmp/osq-${Deno.uid() ?? "user"}`]) {
    if (!base) continue;
    const candidate = `${base}/osq/${kind}`;
    if (canWrite(candidate, mode)) return candidate;
  }
  return dir;
}
