/**
 * What every program entry of osq does around its face (main.ts picks a face; cmd/shell/entry.ts is
 * the shell alone, so `osq shell` and `osqueryi` need not load main.ts's dispatch and a dynamic import):
 * takes the loader's `OSQ_SELF` and `OSQ_ARGV0` out of the environment, runs the face and turns an
 * escaped error into one clear line and exit status 1.
 *
 * @module
 */
import { setSelfPath } from "./self.ts";

/**
 * The name this process was started by: the launcher (`./osq`) and the one-file executable's loader
 * pass it as `OSQ_ARGV0` because Deno's own argv[0] is the Deno binary. Read once and removed from
 * the environment so that children (the daemon's worker) do not inherit it.
 */
export function invokedName(): string {
  const name = Deno.env.get("OSQ_ARGV0");
  if (name === undefined) return Deno.execPath();
  Deno.env.delete("OSQ_ARGV0");
  return name;
}

/** Runs `face` with `args`, turning an escaped error into one line on stderr and status 1. */
export async function runFace(face: (args: string[]) => Promise<number>, args: string[]): Promise<number> {
  try {
    return await face(args);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await Deno.stderr.write(new TextEncoder().encode(`osq: ${message}\n`));
    if (Deno.env.get("OSQ_DEBUG") && err instanceof Error && err.stack) {
      await Deno.stderr.write(new TextEncoder().encode(err.stack + "\n"));
    }
    return 1;
  }
}

/** Starts a program entry: records `OSQ_SELF`, runs `face` on the command line and exits with its status. */
export async function startEntry(face: (args: string[]) => Promise<number>): Promise<never> {
  const self = Deno.env.get("OSQ_SELF");
  if (self !== undefined) {
    Deno.env.delete("OSQ_SELF");
    setSelfPath(self);
  }
  Deno.exit(await runFace(face, Deno.args));
}
