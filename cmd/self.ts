/**
 * How this program runs itself again (the daemon's watchdog worker, `--daemonize`), in each of the
 * three ways osq can be installed:
 *
 * - the one-file executable (dist/osq, scripts/build.ts): its loader sets `OSQ_SELF` to its own path
 *   and runs the unpacked Deno on the bundle (`Deno.mainModule`) with an import map beside it: do the
 *   same (not the executable: through a link named osqueryd it would take "daemon" for an argument);
 * - `deno compile`: the executable is Deno.execPath() and takes the face and flags directly;
 * - a source checkout (./osq): Deno runs main.ts.
 *
 * main.ts reads `OSQ_SELF` and `OSQ_ARGV0` and removes them from the environment, so a child started
 * some other way does not inherit a name that is not its own.
 *
 * @module
 */

let selfPath: string | undefined;

/**
 * The permissions and switches osq runs with (as ./osq and the one-file loader pass them). The
 * daemon's processes (the only ones started this way) map no code cache: its pages stayed
 * resident for the daemon's life (3.3 MiB of the worker's RSS) for a start-up made once.
 */
const RUN_FLAGS = ["-A", "--unstable-kv", "--quiet", "--no-prompt", "--no-lock", "--no-code-cache"];

/** Records the one-file executable's path (main.ts calls this with the loader's `OSQ_SELF`). */
export function setSelfPath(path: string | undefined): void {
  selfPath = path || undefined;
}

/** True when this code runs from a `deno compile` executable. */
function compiled(): boolean {
  return import.meta.url.includes("/deno-compile-");
}

/** The program and arguments that run `osq <face> <args...>` as a new process. */
export function selfCommand(face: string, args: readonly string[]): { program: string; args: string[] } {
  if (selfPath !== undefined) {
    // Not the executable itself: a hard link named osqueryd would pick the face from its name and
    // take "daemon" for an argument. Run the unpacked Deno on the bundle, as the loader does.
    const bundle = new URL(Deno.mainModule).pathname;
    const dir = bundle.slice(0, bundle.lastIndexOf("/"));
    return {
      program: Deno.execPath(),
      args: [
        "run",
        ...RUN_FLAGS,
        "--no-config",
        "--no-remote",
        "--import-map",
        `${dir}/import_map.json`,
        bundle,
        face,
        ...args,
      ],
    };
  }
  if (compiled()) return { program: Deno.execPath(), args: [face, ...args] };
  const main = new URL("../main.ts", import.meta.url).pathname;
  return {
    program: Deno.execPath(),
    args: ["run", ...RUN_FLAGS, main, face, ...args],
  };
}
