/**
 * The osq entry point: picks the face from the subcommand (or from the name the binary was
 * called by: `osqueryi` is the shell, `osqueryd` the daemon) and hands it the arguments.
 *
 * @module
 */
import { setSelfPath } from "./cmd/self.ts";

const USAGE = `osq — osquery on Deno: your host as a relational database.

Usage:
  osq shell [flags] [SQL]          the interactive console (osqueryi)
  osq daemon [flags]               the monitoring daemon (osqueryd)
  osq extension --socket PATH MOD  run a TypeScript extension module against a core
  osq pack lint [--json] PATH...   check packs and configs before deployment
  osq version                      print the version

Run 'osq <command> --help' for the flags of a command.
`;

/** Which face a binary name selects, if any. */
export function faceFromName(argv0: string): "shell" | "daemon" | undefined {
  const base = argv0.split("/").pop() ?? "";
  if (base.includes("osqueryd")) return "daemon";
  if (base.includes("osqueryi")) return "shell";
  return undefined;
}

/**
 * The name this process was started by: the launcher (`./osq`) and the one-file executable's loader
 * pass it as `OSQ_ARGV0` because Deno's own argv[0] is the Deno binary. Read once and removed from
 * the environment so that children (the daemon's worker) do not inherit it.
 */
function invokedName(): string {
  const name = Deno.env.get("OSQ_ARGV0");
  if (name === undefined) return Deno.execPath();
  Deno.env.delete("OSQ_ARGV0");
  return name;
}

/** Runs osq with `args`; resolves to the exit status. */
export async function main(args: string[], argv0 = invokedName()): Promise<number> {
  let face: string | undefined = faceFromName(argv0);
  if (!face) {
    face = args[0];
    args = args.slice(1);
  }
  switch (face) {
    case "shell":
    case "osqueryi":
      return (await import("./cmd/shell.ts")).main(args);
    case "daemon":
    case "osqueryd":
      return (await import("./cmd/daemon.ts")).main(args);
    case "extension":
      return (await import("./cmd/extension.ts")).main(args);
    case "pack":
      return (await import("./cmd/pack.ts")).main(args);
    case "version":
    case "--version": {
      const { OSQ_VERSION, OSQUERY_VERSION } = await import("./core/runtime/version.ts");
      console.log(`osq ${OSQ_VERSION} (osquery ${OSQUERY_VERSION} compatible)`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      await Deno.stdout.write(new TextEncoder().encode(USAGE));
      return face === undefined ? 1 : 0;
    default: {
      // The closest command, or for a flag given first the closest flag and its command.
      const { unknownCommandMessage } = await import("./cmd/suggest.ts");
      await Deno.stderr.write(new TextEncoder().encode(unknownCommandMessage(face) + "\n"));
      return 1;
    }
  }
}

/** Runs {@linkcode main}, turning an escaped error into one clear line and exit status 1. */
export async function run(args: string[]): Promise<number> {
  try {
    return await main(args);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await Deno.stderr.write(new TextEncoder().encode(`osq: ${message}\n`));
    if (Deno.env.get("OSQ_DEBUG") && err instanceof Error && err.stack) {
      await Deno.stderr.write(new TextEncoder().encode(err.stack + "\n"));
    }
    return 1;
  }
}

if (import.meta.main) {
  const self = Deno.env.get("OSQ_SELF");
  if (self !== undefined) {
    Deno.env.delete("OSQ_SELF");
    setSelfPath(self);
  }
  Deno.exit(await run(Deno.args));
}
