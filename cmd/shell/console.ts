/**
 * The interactive console: osqueryi's banner and prompts, a raw-mode line editor with history
 * (`~/.osquery/.history`, searched with Ctrl-R / Ctrl-S) and TAB completion (common prefix, a
 * second TAB lists the candidates), and Ctrl-C handling — at the prompt it abandons
 * the statement being typed; while a query runs the terminal is back in normal mode, so Ctrl-C
 * raises SIGINT, which the interrupt worker turns into sqlite3_interrupt: the query stops with
 * `Error: interrupted` and the console carries on. Ctrl-D on an empty line leaves.
 *
 * @module
 */
import { complete } from "./completion.ts";
import { History, osqueryHome } from "./history.ts";
import { type InterruptWatcher, watchInterrupts } from "./interrupt.ts";
import { type Key, KeyDecoder, LineEditor } from "./line_editor.ts";
import { metaCommand, metaTypes } from "./meta.ts";
import { CANCEL_INPUT, type LineSource, prompts, type Shell } from "./runner.ts";

const encoder = new TextEncoder();

function write(text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

function setRaw(raw: boolean): void {
  try {
    Deno.stdin.setRaw(raw);
  } catch {
    // Not a terminal after all (or it went away): nothing to switch.
  }
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}

/** Line input from the terminal through {@linkcode LineEditor}. */
class TerminalSource implements LineSource {
  readonly #decoder = new KeyDecoder();
  readonly #pending: Key[] = [];
  readonly #buffer = new Uint8Array(4096);
  /** Lines of the statement typed so far (completion looks at its tables). */
  #statement: string[] = [];

  constructor(private readonly shell: Shell, private readonly history: History) {}

  async readLine(continuation: boolean): Promise<string | null | typeof CANCEL_INPUT> {
    if (!continuation) this.#statement = [];
    const shell = this.shell;
    const { main, continuation: more } = prompts();
    const prompt = (shell.remote ? "[*]" : "") + (continuation ? more : main);
    const context = this.#statement.join("\n");
    const editor = new LineEditor({
      prompt,
      columns: terminalColumns(),
      history: this.history.entries,
      complete: (line, cursor) => complete(line, cursor, shell.engine, context),
    });
    shell.flush();
    setRaw(true);
    try {
      for (;;) {
        while (this.#pending.length > 0) {
          const key = this.#pending.shift()!;
          if (key.kind === "clear") write("\x1b[H\x1b[2J");
          const result = editor.apply(key);
          // A bell or a list of completions goes out before the line is drawn again.
          const output = editor.takeOutput();
          if (output) write(output);
          if (result === "eof") return null;
          if (result === "interrupt") {
            write(editor.render() + "^C\r\n");
            return CANCEL_INPUT;
          }
          if (typeof result === "object") {
            write(editor.render() + "\r\n");
            this.history.add(result.done);
            this.#statement.push(result.done);
            return result.done;
          }
        }
        write(editor.render());
        const n = await Deno.stdin.read(this.#buffer);
        if (n === null) return null;
        this.#pending.push(...this.#decoder.feed(this.#buffer.subarray(0, n)));
      }
    } finally {
      setRaw(false);
    }
  }

  running(_active: boolean): void {
    // The terminal is in normal mode whenever no line is being read, so Ctrl-C sends SIGINT.
  }
}

/** Runs the console until `.quit`, `.exit` or Ctrl-D; resolves to the exit status. */
export async function runConsole(shell: Shell): Promise<number> {
  write("Using a \x1b[1mvirtual database\x1b[0m. Need help, type '.help'\n");
  const history = new History(`${osqueryHome()}/.history`).load();
  let watcher: InterruptWatcher | undefined;
  try {
    watcher = await watchInterrupts(shell.engine);
  } catch (err) {
    shell.error(`Warning: ${err instanceof Error ? err.message : err}; Ctrl-C will end the shell.`);
  }
  try {
    const source = new TerminalSource(shell, history);
    return await shell.processInput(source, (line) => metaCommand(shell, line), (sql) => metaTypes(shell, sql));
  } finally {
    history.save();
    watcher?.stop();
    setRaw(false);
  }
}
