/**
 * `osq extension`: runs a TypeScript extension module against an osquery core (osqueryd,
 * osqueryi or osq) — `osq extension --socket /var/osquery/osquery.em my_extension.ts`.
 *
 * Accepts what osquery passes to the extensions it autoloads: `--socket`, `--timeout`,
 * `--interval` (seconds) and `--verbose`, plus the long `--extensions_*` names.
 *
 * @module
 */
import { FlagError, flags } from "../core/flags/flags.ts";
import { extensionsIntervalMs, extensionsTimeoutMs, thriftTimeoutMs } from "../core/extensions/flags.ts";
import { type ExtensionDefinition, ExtensionStartError, type ExtensionTable, startExtension } from "../sdk/mod.ts";
import * as sdk from "../sdk/mod.ts";
import { SDK_VERSION } from "../core/runtime/version.ts";

const USAGE = `Usage: osq extension --socket PATH [--timeout S] [--interval S] [--verbose] MODULE.ts

Runs the extension MODULE (its default export: defineExtension(...) or one table from the SDK)
against the extension manager at PATH (default ${"/var/osquery/osquery.em"}).
`;

const SHORT_NAMES: Record<string, string> = {
  socket: "extensions_socket",
  timeout: "extensions_timeout",
  interval: "extensions_interval",
};

/** Rewrites osquery's extension-side aliases (--socket, --timeout, --interval) to flag names. */
export function translateArgs(args: string[]): { args: string[]; verbose: boolean; help: boolean; version: boolean } {
  const out: string[] = [];
  let verbose = false;
  let help = false;
  let version = false;
  for (const arg of args) {
    const m = /^--?([a-z_]+)(=.*)?$/.exec(arg);
    if (m && m[1] === "verbose" && !m[2]) {
      verbose = true;
      continue;
    }
    if (m && (m[1] === "help" || m[1] === "h")) {
      help = true;
      continue;
    }
    if (m && m[1] === "version" && !m[2]) {
      version = true;
      continue;
    }
    if (m && SHORT_NAMES[m[1]]) out.push(`--${SHORT_NAMES[m[1]]}${m[2] ?? ""}`);
    else out.push(arg);
  }
  return { args: out, verbose, help, version };
}

function isTable(value: unknown): value is ExtensionTable {
  return typeof value === "object" && value !== null && "columns" in value && "generate" in value &&
    "name" in value;
}

function isDefinition(value: unknown): value is ExtensionDefinition {
  return typeof value === "object" && value !== null && "name" in value &&
    ("tables" in value || "plugins" in value);
}

/**
 * Publishes this program's SDK for extension modules: in the one-file executable, `osq/sdk` maps
 * to a shim that re-exports this object, so the module shares the SDK instance osq runs it with.
 */
(globalThis as Record<symbol, unknown>)[Symbol.for("osq.sdk")] = sdk;

/** Loads an extension module and returns its definition. */
export async function loadExtensionModule(path: string): Promise<ExtensionDefinition> {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const mod = await import(new URL(`file://${absolute}`).href) as Record<string, unknown>;
  const exported = mod.default ?? mod.extension;
  if (isDefinition(exported)) return exported;
  if (isTable(exported)) return { name: exported.name, version: "1.0.0", tables: [exported] };
  throw new ExtensionStartError(
    `${path} does not export an extension: export default defineExtension({...}) or a defineTable({...})`,
  );
}

/** Runs the face; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const translated = translateArgs(args);
  if (translated.help) {
    await Deno.stdout.write(new TextEncoder().encode(USAGE));
    return 0;
  }
  if (translated.version) {
    await Deno.stdout.write(new TextEncoder().encode(`osq extension version ${SDK_VERSION} (osquery SDK)\n`));
    return 0;
  }
  let positionals: string[];
  try {
    positionals = flags.parse(translated.args).positionals;
  } catch (err) {
    if (err instanceof FlagError) {
      console.error(`osq extension: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (positionals.length !== 1) {
    await Deno.stderr.write(new TextEncoder().encode(USAGE));
    return 1;
  }
  const log = (m: string) => console.error(m);
  const verboseLog = translated.verbose ? log : () => {};
  let definition: ExtensionDefinition;
  try {
    definition = await loadExtensionModule(positionals[0]);
  } catch (err) {
    console.error(`osq extension: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  try {
    const running = await startExtension(definition, {
      socket: flags.string("extensions_socket"),
      timeoutMs: extensionsTimeoutMs(),
      intervalMs: extensionsIntervalMs(),
      thriftTimeoutMs: thriftTimeoutMs(),
      log,
      debug: verboseLog,
    });
    verboseLog(`Extension ${definition.name} registered with uuid ${running.uuid}, serving ${running.socket}`);
    const stop = () => void running.stop();
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, stop);
    const code = await running.done;
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, stop);
    return code;
  } catch (err) {
    if (err instanceof ExtensionStartError) {
      console.error(`osq extension: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
