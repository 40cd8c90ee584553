/**
 * The shell's state and its SQL execution, following osqueryi's `shell_exec`, `runQuery` and
 * `process_input`: statements run one after another and stop at the first error; rows stream
 * to the printer; errors go to standard error as `Error: ...` (`Error: near line N: ...` for
 * piped input); meta-commands (`.x`) are handled between statements.
 *
 * @module
 */
import { nodeProcess } from "../../core/runtime/node_builtins.ts";
import {
  type Engine,
  enginePartsLoaded,
  loadEngineParts,
  needsEngineParts,
  SqliteError,
} from "../../core/engine_core.ts";
import { isCompleteStatement, type Statement } from "../../core/sqlite/database.ts";
import { RowCells } from "../../core/sqlite/row_cells.ts";
import { flags } from "../../core/flags/flags.ts";
import {
  type Cells,
  createPrinter,
  type JsonForm,
  type Mode,
  type Printer,
  type PrintSettings,
  SQL_TYPE,
  TextCells,
} from "./printer.ts";
import { Output, OutputClosedError } from "./output.ts";
import { loadCatalogue, loadCatalogueFor } from "./catalogue.ts";

/** Result rows from somewhere other than the local engine (an extension manager, `--connect`). */
export interface RemoteBackend {
  /** Where the backend is connected (the socket path). */
  readonly name: string;
  /** Runs SQL; resolves to the result columns in order and the rows as text. */
  query(sql: string): Promise<{ columns: string[]; rows: Record<string, string | null>[] }>;
  /** Result columns and their osquery types, without running the query. */
  columns(sql: string): Promise<{ name: string; type: string }[]>;
  /** Releases the connection. */
  close(): void;
}

/** Opens a {@linkcode RemoteBackend} for a socket path; installed by the extensions layer. */
export type RemoteConnector = (socket: string) => Promise<RemoteBackend>;

let remoteConnector: RemoteConnector | undefined;

/**
 * The hook for `--connect` / `.connect`: the extensions layer calls this once with a function
 * that opens a connection to an extension manager socket. Without it, connecting reports that
 * this build has no extension support.
 */
export function setRemoteConnector(connector: RemoteConnector | undefined): void {
  remoteConnector = connector;
}

/** The installed connector, if any. */
export function getRemoteConnector(): RemoteConnector | undefined {
  return remoteConnector;
}

/** The outcome of running SQL text: 0 or SQLite's result code, and the message of a failure. */
export interface ExecResult {
  code: number;
  error?: string;
}

/** What a line source returns when the person abandoned the statement being typed (Ctrl-C). */
export const CANCEL_INPUT: unique symbol = Symbol("cancel input");

/** A source of input lines (piped standard input, a file, or the interactive console). */
export interface LineSource {
  /** The next line without its newline, null at the end of input, or CANCEL_INPUT. */
  readLine(continuation: boolean): Promise<string | null | typeof CANCEL_INPUT>;
  /** Called before a statement runs and after it ends (the console leaves raw mode meanwhile). */
  running?(active: boolean): void;
}

/**
 * The current row of a SQLite statement for the printers: the engine's {@linkcode RowCells}
 * (values read in place, valid until the next step) plus the copy into the output buffer.
 */
/**
 * Rows of a statement printed before integers are read as numbers: two more SQLite functions
 * (column_type, column_int64) get compiled for it, ~1.4 MiB of peak RSS that a result of a few
 * hundred rows (the processes query: 44.4 -> 45.8 MiB) does not win back.
 */
const INTEGERS_AFTER_ROWS = 2048;

export class StatementCells implements Cells {
  readonly #cells = new RowCells();
  #statement: Statement | undefined;
  /** Per column, 1 when it is declared with an integer type (SQLite's rule: the name has "INT"). */
  #integers = new Uint8Array(0);
  #typed = true;
  #rows = 0;

  /** Columns of the loaded row. */
  get count(): number {
    return this.#cells.count;
  }

  /**
   * Reads the current row of `statement` (n columns); untyped, a value is only NULL or TEXT, and
   * from the statement's {@linkcode INTEGERS_AFTER_ROWS}th row on, an INTEGER value of a column
   * declared as an integer is read as a number, printed by {@linkcode StatementCells.copy} without
   * SQLite rendering it as text first.
   */
  load(statement: Statement, n: number, typed = true): void {
    if (statement !== this.#statement) {
      this.#statement = statement;
      this.#rows = 0;
      this.#integers = new Uint8Array(0);
    }
    this.#typed = typed;
    if (typed || ++this.#rows < INTEGERS_AFTER_ROWS) {
      this.#cells.load(statement, n, typed);
      return;
    }
    if (this.#rows === INTEGERS_AFTER_ROWS) {
      this.#integers = Uint8Array.from(statement.columnDeclTypes, (type) => /INT/i.test(type) ? 1 : 0);
    }
    if (this.#integers.length < n) this.#cells.load(statement, n, typed);
    else this.#cells.loadIntegers(statement, n, this.#integers);
  }

  type(i: number): number {
    const type = this.#cells.type(i);
    return this.#typed || type === SQL_TYPE.NULL ? type : SQL_TYPE.TEXT;
  }

  byteLength(i: number): number {
    return this.#cells.byteLength(i);
  }

  text(i: number): string | null {
    return this.#cells.text(i);
  }

  copy(i: number, out: Output): number {
    if (this.#cells.type(i) === SQL_TYPE.NULL) return out.position;
    const number = this.#cells.integer(i);
    if (number !== undefined) return out.writeAscii(String(number));
    return out.copyFrom(this.#cells.address(i), this.#cells.byteLength(i));
  }

  /** The statement whose row this is. */
  get statement(): Statement | undefined {
    return this.#statement;
  }
}

/** The mode flags select at startup (osqueryi: list, then line, then csv, else pretty). */
export function modeFromFlags(): { mode: Mode; json: JsonForm; separator: string } {
  const mode: Mode = flags.bool("list") ? "list" : flags.bool("line") ? "line" : flags.bool("csv") ? "csv" : "pretty";
  const json: JsonForm = flags.bool("json_typed")
    ? "json_typed"
    : flags.bool("json_pretty")
    ? "json_pretty"
    : flags.bool("json")
    ? "json"
    : "none";
  // osq's --csv is comma-separated unless a separator is given (osqueryi keeps '|': see CsvPrinter).
  const separator = mode === "csv" && flags.isDefault("separator") ? "," : flags.string("separator");
  return { mode, json, separator };
}

/** Interactive prompts, osqueryi's (colored on xterm-256color terminals). */
export function prompts(): { main: string; continuation: string } {
  const color = (Deno.env.get("TERM") ?? "").includes("xterm-256color");
  return color
    ? { main: "\x1b[38;5;147mosquery> \x1b[0m", continuation: "\x1b[38;5;147m    ...> \x1b[0m" }
    : { main: "osquery> ", continuation: "    ...> " };
}

/** The shell: settings, engine, output, and the statement runner. */
export class Shell {
  readonly settings: PrintSettings;
  echo = false;
  bail = false;
  timer = false;
  /** Input comes from a person at a terminal. */
  interactive = false;
  /** Set when SIGINT arrived (piped input stops at the next line, as osqueryi). */
  interrupted = false;
  remote: RemoteBackend | undefined;
  /** Where `.output`-style results go (`--output`). */
  out: Output;

  constructor(readonly engine: Engine, out: Output = Output.stdout()) {
    this.out = out;
    const { mode, json, separator } = modeFromFlags();
    this.settings = {
      mode,
      json,
      separator,
      showHeader: flags.bool("header"),
      nullvalue: flags.string("nullvalue"),
      colWidth: [],
    };
  }

  /** Writes a line to standard error (after flushing results, so they interleave as printed). */
  error(text: string): void {
    this.flush();
    Deno.stderr.writeSync(new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n"));
  }

  /** Writes to standard output directly (what osqueryi prints with printf, not to `--output`). */
  stdout(text: string): void {
    if (this.out.name === "stdout") {
      this.out.write(text);
      return;
    }
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
  }

  /** Flushes buffered results. */
  flush(): void {
    try {
      this.out.flush();
    } catch (err) {
      if (!(err instanceof OutputClosedError)) throw err;
    }
  }

  /** A printer for the current settings. */
  async printer(): Promise<Printer> {
    return await createPrinter(this.settings, this.out, () => this.engine.cancelFlag[0] !== 0);
  }

  /** Runs SQL text (osqueryi's shell_exec): every statement until one fails. */
  async exec(sql: string, given?: Printer): Promise<ExecResult> {
    const printer = given ?? await this.printer();
    if (this.remote) return await this.#execRemote(sql, printer);
    let result: ExecResult = { code: 0 };
    let current = sql;
    try {
      // The catalogue registers the tables by schema; a table's code loads when a statement first
      // names it (with the engine's table code: cmd/shell/table_code.ts). The engine's code loads
      // when a statement may need it otherwise (`select 1` does not).
      await loadCatalogueFor(sql);
      if (!enginePartsLoaded() && needsEngineParts(sql)) await loadEngineParts();
      await this.engine.registry.loadTablesFor(sql);
      for (const { statement } of this.engine.statements(sql)) {
        current = statement.sql;
        try {
          if (this.echo) this.out.write(statement.sql + "\n");
          const names = statement.columnNames;
          const n = names.length;
          if (n > 0) printer.columns(names);
          const cells = new StatementCells();
          const typed = printer.typed === true;
          while (statement.step()) {
            cells.load(statement, n, typed);
            printer.row(cells);
          }
        } finally {
          statement.finalize();
        }
      }
    } catch (err) {
      if (err instanceof OutputClosedError) throw err;
      if (err instanceof SqliteError) {
        // The explanation suggests tables ("no such table: procesess"): it needs the catalogue. Its
        // module loads only when a statement fails.
        await loadCatalogue();
        const { explainError } = await import("./errors.ts");
        result = { code: err.code || 1, error: explainError(err.message, current, this.engine) };
      } else {
        result = { code: 1, error: err instanceof Error ? err.message : String(err) };
      }
    }
    printer.finish();
    return result;
  }

  async #execRemote(sql: string, printer: Printer): Promise<ExecResult> {
    let result: ExecResult = { code: 0 };
    try {
      const { columns, rows } = await this.remote!.query(sql);
      printer.columns(columns);
      const types = new Int32Array(columns.length).fill(SQL_TYPE.TEXT);
      const cells = new TextCells();
      for (const row of rows) printer.row(cells.set(columns.map((c) => row[c] ?? null), types));
    } catch (err) {
      result = { code: 1, error: err instanceof Error ? err.message : String(err) };
    }
    printer.finish();
    return result;
  }

  /** Runs SQL from the command line (`osq shell SQL`, `--query`): osqueryi's runQuery. */
  async runQuery(sql: string): Promise<number> {
    const { code, error } = await this.exec(sql);
    if (error !== undefined) {
      this.error(`Error: ${error}`);
      return code === 0 ? 1 : code;
    }
    if (code !== 0) this.error(`Error: unable to process SQL "${sql}"`);
    return code;
  }

  /**
   * Reads input line by line and runs it (osqueryi's process_input): complete statements run as
   * soon as a line ends them, meta-commands run between statements, trailing SQL without `;`
   * runs at the end. Resolves to 1 when any statement or command failed, else 0.
   */
  async processInput(
    source: LineSource,
    meta: (line: string) => Promise<number>,
    types: (sql: string) => Promise<void>,
  ): Promise<number> {
    let sql = "";
    let errors = 0;
    let lineno = 0;
    let startline = 0;
    let typesQuery = false;
    while (errors === 0 || !this.bail || this.interactive) {
      this.flush();
      const line = await source.readLine(sql.length > 0);
      if (line === null) {
        if (this.interactive) this.stdout("\n");
        break;
      }
      if (line === CANCEL_INPUT) {
        sql = "";
        typesQuery = false;
        continue;
      }
      if (this.interrupted) {
        if (!this.interactive) break;
        this.interrupted = false;
      }
      lineno++;
      if (sql.length === 0 && allWhitespace(line)) {
        if (this.echo) this.stdout(line + "\n");
        continue;
      }
      if (sql.length === 0 && line.startsWith(".")) {
        if (this.echo) this.stdout(line + "\n");
        if (line.startsWith(".types ")) {
          typesQuery = true;
        } else {
          const rc = await meta(line);
          if (rc === 2) break;
          if (rc !== 0) errors++;
          continue;
        }
      }
      const prior = sql.length;
      if (sql.length === 0) {
        const text = typesQuery ? line.slice(7) : line;
        sql = text.replace(/^\s+/, "");
        startline = lineno;
      } else {
        sql += "\n" + line;
      }
      if (sql.length > 0 && sql.indexOf(";", prior) >= 0 && isCompleteStatement(sql)) {
        if (typesQuery) {
          await types(sql);
          typesQuery = false;
        } else {
          source.running?.(true);
          const started = this.#startTimer();
          let result: ExecResult;
          try {
            result = await this.exec(sql);
          } finally {
            source.running?.(false);
          }
          this.#endTimer(started);
          if (result.code !== 0 || result.error !== undefined) {
            const prefix = this.interactive ? "Error:" : `Error: near line ${startline}:`;
            if (result.error !== undefined) this.error(`${prefix} ${result.error}`);
            errors++;
          }
        }
        sql = "";
      } else if (sql.length > 0 && allWhitespace(sql)) {
        if (this.echo) this.stdout(sql + "\n");
        sql = "";
      }
    }
    if (sql.length > 0 && !allWhitespace(sql) && typesQuery) {
      // `.types SELECT ...` without its ';' is still typed, not run (osqueryi would run it).
      await types(sql);
    } else if (sql.length > 0 && !allWhitespace(sql)) {
      // Trailing SQL without a final ';' still runs (`echo 'select 1' | osq shell`).
      const result = await this.exec(sql);
      if (result.code !== 0 || result.error !== undefined) {
        if (result.error !== undefined) this.error(`Error: ${result.error}`);
        errors++;
      }
    }
    return errors > 0 ? 1 : 0;
  }

  #startTimer(): { wall: number; cpu: { user: number; system: number } } | undefined {
    return this.timer ? { wall: Date.now(), cpu: nodeProcess().cpuUsage() } : undefined;
  }

  #endTimer(started: { wall: number; cpu: { user: number; system: number } } | undefined): void {
    if (!started) return;
    const cpu = nodeProcess().cpuUsage(started.cpu);
    this.stdout(
      `Run Time: real ${((Date.now() - started.wall) / 1000).toFixed(3)} user ${(cpu.user / 1e6).toFixed(6)} sys ${
        (cpu.system / 1e6).toFixed(6)
      }\n`,
    );
  }
}

/** True when a line holds only whitespace and comments (osqueryi's _all_whitespace). */
export function allWhitespace(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i + 2);
      if (end < 0) return true;
      i = end + 1;
    } else {
      return false;
    }
  }
  return true;
}

/** Lines of a synchronously readable stream (piped standard input, a file). */
export class SyncLineSource implements LineSource {
  #buffer = "";
  #done = false;
  readonly #chunk = new Uint8Array(1 << 16);
  readonly #decoder = new TextDecoder();

  constructor(private readonly reader: { readSync(p: Uint8Array): number | null }) {}

  readLine(): Promise<string | null | typeof CANCEL_INPUT> {
    return Promise.resolve(this.#next());
  }

  #next(): string | null {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        let line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        return line;
      }
      if (this.#done) {
        if (this.#buffer === "") return null;
        const line = this.#buffer;
        this.#buffer = "";
        return line;
      }
      const n = this.reader.readSync(this.#chunk);
      if (n === null || n === 0) {
        this.#done = true;
        this.#buffer += this.#decoder.decode();
      } else {
        this.#buffer += this.#decoder.decode(this.#chunk.subarray(0, n), { stream: true });
      }
    }
  }
}
