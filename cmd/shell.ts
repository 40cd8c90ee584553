/**
 * `osq shell` (osqueryi): the SQL console over the host's tables.
 *
 * - `osq shell` on a terminal opens the interactive console.
 * - `osq shell "SQL"`, `--query SQL`, `--query_file PATH`, `-A TABLE`, `-L`, `--pack NAME` run
 *   and exit with 0 or the failed statement's SQLite result code.
 * - SQL piped on standard input runs statement by statement; the exit status is 1 if any failed.
 *
 * Flags are gflags-style and shared with every face (core/flags/flags.ts); output modes, meta-commands
 * and errors follow osqueryi (cmd/shell/).
 *
 * @module
 */
// Every face accepts osquery's whole flag set (gflags style): declare the other areas' flags too.
import "../core/events/flags.ts";
import "../core/config/flags.ts";
import "../core/extensions/flags.ts";
import "../plugins/logger/flags.ts";
// The engine without its table and function code: a one-shot statement loads that code when it
// may need it (cmd/shell/runner.ts), every other use of the engine here loads it first.
import { Engine, loadEngineParts } from "../core/engine_core.ts";
import { FlagError, flags, readFailure } from "../core/flags/flags.ts";
import { OP } from "../core/table.ts";
import { applyShellDefaultsBeforeParse, applyShellSettingsAfterParse } from "./shell/flags.ts";
import { Output, OutputClosedError } from "./shell/output.ts";
import { type LineSource, Shell, SyncLineSource } from "./shell/runner.ts";
import type { ShellExtensions } from "./shell/extensions.ts";
// The built-in tables' catalogue loads when a statement may name one of them (cmd/shell/catalogue.ts).
import { loadCatalogue } from "./shell/catalogue.ts";

const encoder = new TextEncoder();

function stderr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/** osquery's version, read only by `--help` and `--version` (a one-shot query does not load it). */
async function osqueryVersion(): Promise<string> {
  return (await import("../core/runtime/version.ts")).OSQUERY_VERSION;
}

/** `--help`: usage, then the shell's flags, then the rest of the registry. */
export async function shellHelp(): Promise<string> {
  return `osquery ${await osqueryVersion()}, your OS as a high-performance relational database
Usage: osqueryi [OPTION]... [SQL STATEMENT]

osquery shell flags:
${flags.help((s) => Boolean(s.shell))}
osquery command line flags:
${flags.help((s) => !s.shell && Boolean(s.cliOnly))}
osquery configuration options (set by config or CLI flags):
${flags.help((s) => !s.shell && !s.cliOnly)}`;
}

const OP_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(OP).map(([name, code]) => [code, name.toLowerCase()]),
);

/** True when `--config_path` was given or its default file exists (what cmd/shell/config.ts reads). */
function configWanted(explicit: readonly string[]): boolean {
  if (explicit.includes("config_path")) return true;
  try {
    Deno.statSync(flags.string("config_path"));
    return true;
  } catch {
    return false;
  }
}

/** Runs the shell with its arguments; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  if (args.some((a) => a === "--help" || a === "-h" || a === "-help" || a === "--h")) {
    await Deno.stdout.write(encoder.encode(await shellHelp()));
    return 0;
  }
  if (args.some((a) => a === "--version" || a === "-version")) {
    await Deno.stdout.write(encoder.encode(`osqueryi version ${await osqueryVersion()}\n`));
    return 0;
  }
  applyShellDefaultsBeforeParse();
  let positionals: string[];
  let explicit: string[];
  try {
    const parsed = flags.parse(args, { defaultFlagfile: "/etc/osquery/osquery.flags.default" });
    positionals = parsed.positionals;
    explicit = parsed.set;
  } catch (err) {
    if (err instanceof FlagError) {
      stderr(`osq: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const oneShot = positionals.length > 0 || flags.bool("L") || flags.string("A") !== "" ||
    flags.string("pack") !== "" || flags.string("query") !== "" || flags.string("query_file") !== "" ||
    flags.number("profile") > 0;
  const interactive = !oneShot && Deno.stdin.isTerminal();
  applyShellSettingsAfterParse(interactive, explicit);
  // The config machinery (config builder, ATC, pack resolution) loads only when there is a config to read.
  if (configWanted(explicit)) {
    await loadCatalogue();
    (await import("./shell/config.ts")).applyShellConfig(explicit, (line) => stderr(line + "\n"));
  }

  if (flags.number("profile") > 0) return await profile(positionals[0]);

  let out: Output;
  const outputPath = flags.string("output");
  try {
    out = outputPath === "" || outputPath === "-" ? Output.stdout() : Output.file(outputPath);
  } catch {
    stderr(`Error: Cannot open output file '${outputPath}'\n`);
    return 1;
  }

  const engine = new Engine();
  if (flags.bool("planner")) {
    engine.scanObserver = (table, ctx) => {
      const terms = [...ctx.constraints].flatMap(([column, list]) =>
        list.map((c) => `${column} ${OP_NAMES[c.op] ?? c.op} ${JSON.stringify(c.value)}`)
      );
      const used = ctx.usedColumns ? [...ctx.usedColumns].join(", ") : "all";
      stderr(`planner: scan ${table}; constraints: ${terms.join(" and ") || "none"}; columns used: ${used}\n`);
    };
  }
  const shell = new Shell(engine, out);
  shell.interactive = interactive;
  let extensions: ShellExtensions | undefined;
  try {
    // The extension manager, Thrift and `--connect` load only when this run can use them: a one-shot
    // query with extensions off (osqueryi's default) starts faster without them.
    const needed = !oneShot || !flags.bool("disable_extensions") || flags.string("connect") !== "" ||
      flags.string("extension") !== "" || flags.string("extensions_require") !== "";
    if (needed) {
      await loadEngineParts();
      await loadCatalogue();
      extensions = await (await import("./shell/extensions.ts")).startShellExtensions(engine, explicit);
    }
  } catch (err) {
    stderr(`osq: ${err instanceof Error ? err.message : err}\n`);
    closeQuietly(out);
    engine.close();
    return 1;
  }
  try {
    if (flags.string("connect") !== "") {
      const rc = await metaCommand(shell, `.connect ${JSON.stringify(flags.string("connect"))}`);
      if (rc !== 0) return rc;
    }
    return await dispatch(shell, positionals, interactive);
  } catch (err) {
    if (err instanceof OutputClosedError) return 0;
    throw err;
  } finally {
    closeQuietly(out);
    shell.remote?.close();
    await extensions?.stop();
    engine.close();
  }
}

/** Runs a meta-command (`.tables`, ...): its module loads only when a run has one. */
async function metaCommand(shell: Shell, line: string): Promise<number> {
  await loadEngineParts();
  return await (await import("./shell/meta.ts")).metaCommand(shell, line);
}

/** Closes the output; a reader that went away is not an error. */
function closeQuietly(out: Output): void {
  try {
    out.close();
  } catch (err) {
    if (!(err instanceof OutputClosedError)) throw err;
  }
}

async function dispatch(shell: Shell, positionals: string[], interactive: boolean): Promise<number> {
  if (flags.bool("L") || flags.string("A") !== "") {
    return await metaCommand(shell, flags.bool("L") ? ".tables" : ".all " + flags.string("A"));
  }
  if (flags.string("pack") !== "") return await runPack(shell, flags.string("pack"));
  if (flags.string("query") !== "") return await shell.runQuery(flags.string("query"));
  if (flags.string("query_file") !== "") {
    const path = flags.string("query_file");
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      shell.error(`Error reading query file '${path}': ${readFailure(err)}`);
      return 1;
    }
    return await shell.runQuery(text);
  }
  if (positionals.length > 0) {
    const first = positionals[0];
    if (first.startsWith(".")) {
      const rc = await metaCommand(shell, first);
      return rc === 2 ? 0 : rc;
    }
    return await shell.runQuery(first);
  }
  await loadEngineParts();
  if (interactive) {
    await loadCatalogue();
    const { runConsole } = await import("./shell/console.ts");
    return await runConsole(shell);
  }
  const source: LineSource = new SyncLineSource(Deno.stdin);
  const { metaTypes } = await import("./shell/meta.ts");
  return await shell.processInput(source, (line) => metaCommand(shell, line), (sql) => metaTypes(shell, sql));
}

/** `--pack NAME`: every query of that pack in the loaded config, stopping at the first failure. */
async function runPack(shell: Shell, name: string): Promise<number> {
  let queries: { name: string; query: string }[];
  try {
    queries = await packQueries(name);
  } catch (err) {
    shell.error(`Error: ${err instanceof Error ? err.message : err}`);
    return 1;
  }
  for (const q of queries) {
    const rc = await shell.runQuery(q.query);
    if (rc !== 0) {
      shell.error(`Could not execute query ${q.name}: ${q.query}`);
      return rc;
    }
  }
  return 0;
}

/** The queries of a pack named in the config file (`--config_path`), inline or as a pack file. */
async function packQueries(name: string): Promise<{ name: string; query: string }[]> {
  const path = flags.has("config_path") ? flags.string("config_path") : "/etc/osquery/osquery.conf";
  const read = (p: string): Record<string, unknown> => {
    const text = Deno.readTextFileSync(p).split("\n").filter((l) => !/^\s*(#|\/\/)/.test(l)).join("\n");
    return JSON.parse(text.replace(/\\\n/g, ""));
  };
  const config = read(path);
  const packs = (config.packs ?? {}) as Record<string, unknown>;
  let pack = packs[name];
  if (typeof pack === "string") pack = read(pack);
  if (!pack || typeof pack !== "object") return await Promise.resolve([]);
  const queries = ((pack as Record<string, unknown>).queries ?? {}) as Record<string, { query?: string }>;
  return Object.entries(queries).map(([q, body]) => ({ name: q, query: String(body?.query ?? "") }));
}

/** `--profile N`: run the query N times against a fresh engine, printing nothing but failures. */
async function profile(positional: string | undefined): Promise<number> {
  let query: string;
  if (!Deno.stdin.isTerminal()) {
    query = (await new Response(Deno.stdin.readable).text()).split("\n")[0];
  } else if (positional === undefined) {
    stderr("No query provided via stdin or args to profile...\n");
    return 2;
  } else query = positional;
  const delay = flags.number("profile_delay");
  if (delay > 0) await new Promise((r) => setTimeout(r, delay * 1000));
  await loadEngineParts();
  const engine = new Engine();
  try {
    await loadCatalogue();
    await engine.registry.loadTablesFor(query);
    for (let i = 0; i < flags.number("profile"); i++) {
      try {
        engine.query(query);
      } catch (err) {
        const code = (err as { code?: number }).code ?? 1;
        stderr(`Query failed (${code}): ${err instanceof Error ? err.message : err}\n`);
        return code;
      }
    }
  } finally {
    engine.close();
  }
  if (delay > 0) await new Promise((r) => setTimeout(r, delay * 1000));
  return 0;
}
