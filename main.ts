/**
 * The osq entry point: picks the face from the subcommand (or from the name the binary was
 * called by: `osqueryi` is the shell, `osqueryd` the daemon) and hands it the arguments.
 *
 * @module
 */
import { invokedName, runFace, startEntry } from "./cmd/entry.ts";

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
export function run(args: string[]): Promise<number> {
  return runFace(main, args);
}

if (import.meta.main) await startEntry(main);
