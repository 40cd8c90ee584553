/**
 * Meta-commands (`.tables`, `.mode csv`, ...), as osqueryi's do_meta_command: arguments split on
 * whitespace or quoted, backslash escapes resolved, the command prefix-matched, and osqueryi's
 * texts for help and errors. Returns 0, 1 on error, or 2 to leave the shell.
 *
 * @module
 */
import { Database } from "../../core/sqlite/database.ts";
import { columnDefinition } from "../../core/vtab/schema.ts";
import { flags, type FlagValue } from "../../core/flags/flags.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";
import { getRemoteConnector, type Shell } from "./runner.ts";
import { type Mode, TextCells } from "./printer.ts";
import { loadCatalogue } from "./catalogue.ts";

/** osqueryi's `.help` text (printed to standard error). */
export const HELP = `Welcome to the osquery shell. Please explore your OS!
You are connected to a transient 'in-memory' virtual database.

.all [TABLE]     Select all from a table
.bail ON|OFF     Stop after hitting an error
.connect PATH    Connect to an osquery extension socket
.disconnect      Disconnect from a connected extension socket
.echo ON|OFF     Turn command echo on or off
.exit            Exit this program
.features        List osquery's features and their statuses
.headers ON|OFF  Turn display of headers on or off
.help            Show this message
.mode MODE       Set output mode where MODE is one of:
                   csv      Comma-separated values
                   column   Left-aligned columns see .width
                   line     One value per line
                   list     Values delimited by .separator string
                   pretty   Pretty printed SQL results (default)
.nullvalue STR   Use STRING in place of NULL values
.print STR...    Print literal STRING
.quit            Exit this program
.schema [TABLE]  Show the CREATE statements
.separator STR   Change separator used by output mode
.socket          Show the local osquery extensions socket path
.show            Show the current values for various settings
.summary         Alias for the show meta command
.tables [TABLE]  List names of tables
.types [SQL]     Show result of getQueryColumns for the given query
.width [NUM1]+   Set column widths for "column" mode
.timer ON|OFF      Turn the CPU timer measurement on or off
`;

/** Every meta-command name, for completion. */
export const META_COMMANDS = [
  ".all",
  ".bail",
  ".connect",
  ".disconnect",
  ".echo",
  ".exit",
  ".features",
  ".header",
  ".headers",
  ".help",
  ".list",
  ".mode",
  ".nullvalue",
  ".print",
  ".quit",
  ".schema",
  ".separator",
  ".show",
  ".socket",
  ".summary",
  ".tables",
  ".timeout",
  ".timer",
  ".types",
  ".version",
  ".width",
];

/** Splits a meta-command line into arguments (quotes group; backslash escapes resolve). */
export function splitMetaArgs(line: string): string[] {
  const args: string[] = [];
  let i = 1;
  while (i < line.length && args.length < 50) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    const c = line[i];
    if (c === "'" || c === '"') {
      i++;
      let arg = "";
      while (i < line.length && line[i] !== c) {
        if (line[i] === "\\" && c === '"' && i + 1 < line.length) {
          arg += line[i];
          i++;
        }
        arg += line[i++];
      }
      if (line[i] === c) i++;
      args.push(c === '"' ? resolveBackslashes(arg) : arg);
    } else {
      let arg = "";
      while (i < line.length && !/\s/.test(line[i])) arg += line[i++];
      args.push(resolveBackslashes(arg));
    }
  }
  return args;
}

/** C-style dequoting: \t \n \r \\ and \NNN octal. */
export function resolveBackslashes(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      c = text[++i];
      if (c === "n") c = "\n";
      else if (c === "t") c = "\t";
      else if (c === "r") c = "\r";
      else if (c >= "0" && c <= "7") {
        let code = c.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && text[i + 1] >= "0" && text[i + 1] <= "7"; k++) {
          code = code * 8 + text.charCodeAt(++i) - 48;
        }
        c = String.fromCharCode(code & 0xff);
      }
    }
    out += c;
  }
  return out;
}

/** An integer argument with osqueryi's suffixes (KiB, MB, K, ...) and 0x hex. */
export function integerValue(text: string): number {
  let s = text;
  let negative = false;
  if (s[0] === "-") {
    negative = true;
    s = s.slice(1);
  } else if (s[0] === "+") s = s.slice(1);
  let v = 0;
  const hex = /^0x([0-9a-fA-F]*)/.exec(s);
  const digits = hex ? hex[0] : /^\d*/.exec(s)![0];
  v = hex ? (hex[1] ? parseInt(hex[1], 16) : 0) : digits ? parseInt(digits, 10) : 0;
  const suffix = s.slice(digits.length).toLowerCase();
  const mult: Record<string, number> = {
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
    kb: 1000,
    mb: 1e6,
    gb: 1e9,
    k: 1000,
    m: 1e6,
    g: 1e9,
  };
  if (mult[suffix]) v *= mult[suffix];
  return negative ? -v : v;
}

/** A boolean argument: an integer, or true/false/on/off/yes/no (else a warning and false). */
export function booleanValue(text: string, warn: (message: string) => void): boolean {
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) return (integerValue(text) & 0xffffffff) !== 0;
  const t = text.toLowerCase();
  if (["1", "true", "yes", "on", "y", "t"].includes(t)) return true;
  if (["0", "false", "no", "off", "n", "f"].includes(t)) return false;
  warn(`ERROR: Not a boolean value: "${text}". Assuming "no".`);
  return false;
}

/** `name` is a prefix-abbreviation of `command` (osqueryi's strncmp(arg, command, len(arg))). */
function is(name: string, command: string, min = 1): boolean {
  return name.length >= min && command.startsWith(name);
}

function flagText(value: FlagValue): string {
  return typeof value === "boolean" ? (value ? "true" : "false") : String(value);
}

function flagString(name: string): string {
  return flags.has(name) ? flagText(flags.get(name)) : "";
}

/** A C string literal, as osqueryi's output_c_string writes settings in `.show`. */
function cString(text: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (c === "\\") out += "\\\\";
    else if (c === '"') out += '\\"';
    else if (c === "\t") out += "\\t";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (byte < 0x20 || byte >= 0x7f) out += "\\" + byte.toString(8).padStart(3, "0");
    else out += c;
  }
  return out + '"';
}

/** Runs one meta-command line against the shell. */
export async function metaCommand(shell: Shell, line: string): Promise<number> {
  const args = splitMetaArgs(line);
  if (args.length === 0) return 0;
  // Most meta-commands list or describe tables.
  await loadCatalogue();
  const [name] = args;
  const n = args.length;
  const out = shell.out;
  const warn = (message: string) => shell.error(message);
  const c = name[0];

  if (c === "a" && is(name, "all") && n === 2) {
    const { code } = await shell.exec("SELECT * FROM " + args[1]);
    if (code !== 0) shell.error(`Error querying table: ${args[1]}`);
    return code;
  }
  if (c === "s" && is(name, "socket") && n === 1) {
    out.write(flagString("extensions_socket"));
    if (shell.remote) out.write(` (connected to ${shell.remote.name})`);
    out.write("\n");
    return 0;
  }
  if (c === "c" && is(name, "connect") && n === 2) {
    if (shell.remote) {
      shell.error("Error: Please disconnect from the current socket");
      return 1;
    }
    const connector = getRemoteConnector();
    if (!connector) {
      shell.error("Error: Extension support is not available in this build; cannot connect to " + args[1]);
      return 1;
    }
    try {
      shell.remote = await connector(args[1]);
    } catch (err) {
      shell.error(`Error: Cannot connect to ${args[1]}: ${err instanceof Error ? err.message : err}`);
      return 1;
    }
    shell.stdout(bold(shell, `Connected to extension socket ${args[1]} for debugging\n`));
    return 0;
  }
  if (c === "d" && is(name, "disconnect") && n === 1) {
    if (!shell.remote) {
      shell.error("Error: Not connected to a socket");
      return 1;
    }
    shell.stdout(bold(shell, `Disconnected from extension socket ${shell.remote.name}\n`));
    shell.remote.close();
    shell.remote = undefined;
    return 0;
  }

  if (c === "b" && is(name, "bail", 3) && n === 2) {
    shell.bail = booleanValue(args[1], warn);
  } else if (c === "e" && is(name, "echo") && n === 2) {
    shell.echo = booleanValue(args[1], warn);
  } else if (c === "e" && is(name, "exit")) {
    const code = n > 1 ? integerValue(args[1]) : 0;
    if (code !== 0) {
      shell.flush();
      Deno.exit(code);
    }
    return 2;
  } else if (c === "f" && is(name, "features") && n === 1) {
    for (const { spec, value } of flags.all()) {
      if (spec.type === "bool" && /^(disable|enable)_/.test(spec.name)) out.write(`${spec.name}: ${flagText(value)}\n`);
    }
  } else if (c === "h" && (is(name, "header") || is(name, "headers")) && n === 2) {
    shell.settings.showHeader = booleanValue(args[1], warn);
  } else if (c === "h" && is(name, "help")) {
    shell.flush();
    Deno.stderr.writeSync(new TextEncoder().encode(HELP));
  } else if (c === "m" && is(name, "mode") && n === 2) {
    const modes: Record<string, Mode> = {
      line: "line",
      lines: "line",
      column: "column",
      columns: "column",
      list: "list",
      pretty: "pretty",
      csv: "csv",
    };
    const mode = modes[args[1]];
    if (!mode) {
      shell.error("Error: mode should be one of: column csv line list pretty");
      return 1;
    }
    shell.settings.mode = mode;
    if (mode === "csv") shell.settings.separator = ",";
  } else if (c === "n" && is(name, "nullvalue") && n === 2) {
    shell.settings.nullvalue = args[1];
  } else if (c === "p" && is(name, "print", 3)) {
    out.write(args.slice(1).join(" ") + "\n");
  } else if (c === "q" && is(name, "quit") && n === 1) {
    return 2;
  } else if (c === "s" && is(name, "schema") && n < 3) {
    for (const spec of shell.engine.tables()) {
      if (n > 1 && !spec.name.startsWith(args[1])) continue;
      shell.stdout(`CREATE TABLE ${spec.name}${columnDefinition(spec)};\n`);
    }
  } else if (c === "s" && is(name, "separator") && n === 2) {
    shell.settings.separator = args[1];
  } else if (c === "s" && (is(name, "show") || is(name, "summary")) && n === 1) {
    // .show lists extensions from osquery_extensions: load that table's code first (lazy catalogue).
    await shell.engine.registry.loadTables(["osquery_extensions"]);
    show(shell);
  } else if ((c === "t" && is(name, "tables", 2) || c === "l" && is(name, "list", 2)) && n < 3) {
    const names = shell.remote ? await remoteTables(shell) : shell.engine.tables().map((t) => t.name);
    for (const table of names.sort()) if (n === 1 || table.startsWith(args[1])) shell.stdout(`  => ${table}\n`);
  } else if (c === "t" && is(name, "timeout", 5) && n === 2) {
    shell.engine.db.busyTimeout(integerValue(args[1]));
  } else if (c === "t" && is(name, "timer", 5) && n === 2) {
    shell.timer = booleanValue(args[1], warn);
  } else if (c === "v" && is(name, "version")) {
    out.write(`osquery ${OSQUERY_VERSION}\nusing SQLite ${Database.version}\n`);
  } else if (c === "w" && is(name, "width") && n > 1) {
    for (let j = 1; j < n && j <= 100; j++) shell.settings.colWidth[j - 1] = integerValue(args[j]);
  } else {
    shell.error(`Error: unknown command or invalid arguments:  "${name}". Enter ".help" for help`);
    return 1;
  }
  return 0;
}

function bold(shell: Shell, text: string): string {
  return shell.interactive ? `\x1b[1m${text}\x1b[0m` : text;
}

async function remoteTables(shell: Shell): Promise<string[]> {
  const { rows } = await shell.remote!.query("select name from osquery_registry where registry = 'table'");
  return rows.map((r) => r.name ?? "").filter(Boolean);
}

/** `.types SQL`: the result columns and their types, printed in the current mode. */
export async function metaTypes(shell: Shell, sql: string): Promise<void> {
  await loadCatalogue();
  let columns: { name: string; type: string }[];
  try {
    columns = shell.remote ? await shell.remote.columns(sql) : shell.engine.columns(sql);
  } catch (err) {
    const code = (err as { code?: number }).code ?? 1;
    shell.stdout(`Error ${code}: ${err instanceof Error ? err.message : err}\n`);
    return;
  }
  const printer = await shell.printer();
  printer.columns(["name", "type"]);
  const types = new Int32Array([3, 3]);
  const cells = new TextCells();
  for (const column of columns) printer.row(cells.set([column.name, column.type], types));
  printer.finish();
}

function show(shell: Shell): void {
  const out = shell.out;
  const field = (label: string) => label.padStart(13).slice(0, 13) + ": ";
  shell.stdout(bold(shell, "osquery"));
  shell.stdout(" - being built, with love.\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
  out.write(`osquery ${OSQUERY_VERSION}\nusing SQLite ${Database.version}\n`);
  out.write("\nGeneral settings:\n");
  out.write(field("Flagfile") + flagString("flagfile") + "\n");
  const config = flagString("config_plugin");
  out.write(field("Config") + config);
  if (config === "filesystem") out.write(` (${flagString("config_path")})\n`);
  else if (config === "tls") out.write(` (${flagString("tls_hostname")}${flagString("config_tls_endpoint")})\n`);
  else out.write("\n");
  const logger = flagString("logger_plugin");
  out.write(field("Logger") + logger);
  if (logger === "filesystem") out.write(` (${flagString("logger_path")})\n`);
  else if (logger === "tls") out.write(` (${flagString("tls_hostname")}${flagString("logger_tls_endpoint")})\n`);
  else out.write("\n");
  out.write(field("Distributed") + flagString("distributed_plugin") + "\n");
  const database = shell.engine.registry.plugins().find((p) => p.registry === "database" && p.active)?.name ?? "";
  out.write(field("Database") + database);
  out.write(database === "rocksdb" ? ` (${flagString("database_path")})\n` : "\n");
  let extensions: string[] = [];
  try {
    extensions = shell.engine.query("select name from osquery_extensions").map((r) => String(r.name));
  } catch {
    // No osquery_extensions table in this build: no extensions to list.
  }
  out.write(field("Extensions") + extensions.join(", ") + "\n");
  out.write(field("Socket") + flagString("extensions_socket") + "\n");
  const s = shell.settings;
  out.write("\nShell settings:\n");
  out.write(field("echo") + (shell.echo ? "on" : "off") + "\n");
  out.write(field("headers") + (s.showHeader ? "on" : "off") + "\n");
  out.write(field("mode") + s.mode + "\n");
  out.write(field("nullvalue") + cString(s.nullvalue) + "\n");
  out.write(field("output") + shell.out.name + "\n");
  out.write(field("separator") + cString(s.separator) + "\n");
  out.write(field("width"));
  for (const w of s.colWidth) {
    if (w === 0) break;
    out.write(`${w} `);
  }
  out.write("\n");
  out.write("\nNon-default flags/options:\n");
  for (const { spec, value } of flags.all()) {
    if (flagText(spec.default) !== flagText(value)) out.write(`  ${spec.name}: ${flagText(value)}\n`);
  }
}
