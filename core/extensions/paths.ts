/**
 * Where osquery puts its extension sockets: the daemon serves `--extensions_socket`
 * (default /var/osquery/osquery.em); the shell, when that flag is left at its default, serves
 * `<osquery home>/shell.em` instead — osquery home being `~/.osquery` (created when missing) or,
 * failing that, `$TMPDIR/osquery-<20000..29999>` — and adds a random number to the name when
 * another shell already serves it.
 *
 * @module
 */
import { flags } from "../flags/flags.ts";
import { UnixSocketSync } from "../thrift/unix_socket_sync.ts";

function writable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    if (!info.isDirectory) return false;
    const probe = `${path}/.osq-write-test-${Deno.pid}`;
    Deno.writeFileSync(probe, new Uint8Array());
    Deno.removeSync(probe);
    return true;
  } catch {
    return false;
  }
}

let home: string | undefined;

/** osquery's home directory for per-user state: `~/.osquery`, else a temporary directory. */
export function osqueryHomeDirectory(): string {
  if (home !== undefined) return home;
  const user = Deno.env.get("HOME");
  if (user && writable(user)) {
    const dir = `${user.replace(/\/+$/, "")}/.osquery`;
    try {
      Deno.mkdirSync(dir, { recursive: true });
      if (writable(dir)) return home = dir;
    } catch {
      // fall through to the temporary directory
    }
  }
  const tmp = (Deno.env.get("TMPDIR") ?? "/tmp").replace(/\/+$/, "");
  const dir = `${tmp}/osquery-${20000 + Math.floor(Math.random() * 10000)}`;
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    // as osquery: use it anyway; binding will report the problem
  }
  return home = dir;
}

/** True when a server answers on the socket at `path`. */
function answering(path: string): boolean {
  try {
    UnixSocketSync.connect(path, 200).close();
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is free or a stale socket that can be removed. */
function usable(path: string): boolean {
  try {
    const info = Deno.lstatSync(path);
    if (!info.isSocket) return false;
    Deno.removeSync(path);
    return true;
  } catch (err) {
    return err instanceof Deno.errors.NotFound;
  }
}

/**
 * The socket the shell's manager should serve: `--extensions_socket` when it was set, else
 * `<osquery home>/shell.em` (with a random suffix when another shell serves that path).
 */
export function shellExtensionsSocket(homeDirectory: string = osqueryHomeDirectory()): string {
  if (!flags.isDefault("extensions_socket")) return flags.string("extensions_socket");
  const path = `${homeDirectory}/shell.em`;
  if (answering(path) || !usable(path)) return `${path}${Math.floor(Math.random() * 65536)}`;
  return path;
}
