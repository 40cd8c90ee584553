/**
 * A single-line editor in the manner of linenoise (which osqueryi uses): the input bytes of a
 * raw-mode terminal become keys, keys edit a buffer, and the line is redrawn in place,
 * scrolling horizontally when it is wider than the terminal. Pure logic: the console feeds it
 * bytes and writes what {@linkcode LineEditor.render} returns, so tests drive it without a TTY.
 *
 * Keys: printable text; Enter; Backspace / Ctrl-H; Delete / Ctrl-D (Ctrl-D on an empty line =
 * end of input); Left / Ctrl-B, Right / Ctrl-F; Home / Ctrl-A, End / Ctrl-E; Alt-B / Alt-F and
 * Ctrl-Left / Ctrl-Right by word; Ctrl-K, Ctrl-U, Ctrl-W (kill); Ctrl-T (transpose); Up / Ctrl-P,
 * Down / Ctrl-N (history); Ctrl-L (clear screen); Ctrl-C (abandon the line); TAB (complete,
 * again to cycle; Esc restores what was typed).
 *
 * @module
 */

/** A decoded key. */
export type Key =
  | { kind: "text"; text: string }
  | {
    kind:
      | "enter"
      | "backspace"
      | "delete"
      | "left"
      | "right"
      | "home"
      | "end"
      | "wordLeft"
      | "wordRight"
      | "up"
      | "down"
      | "killEnd"
      | "killStart"
      | "killWord"
      | "transpose"
      | "clear"
      | "interrupt"
      | "eof"
      | "tab"
      | "escape";
  };

/** What a key did to the line. */
export type EditResult = "editing" | { done: string } | "interrupt" | "eof";

const CONTROL_KEYS: Record<number, Key["kind"]> = {
  0x01: "home",
  0x02: "left",
  0x03: "interrupt",
  0x04: "eof",
  0x05: "end",
  0x06: "right",
  0x08: "backspace",
  0x09: "tab",
  0x0a: "enter",
  0x0b: "killEnd",
  0x0c: "clear",
  0x0d: "enter",
  0x0e: "down",
  0x10: "up",
  0x14: "transpose",
  0x15: "killStart",
  0x17: "killWord",
  0x7f: "backspace",
};

const ESCAPES: Record<string, Key["kind"]> = {
  "[A": "up",
  "[B": "down",
  "[C": "right",
  "[D": "left",
  "[H": "home",
  "[F": "end",
  "OA": "up",
  "OB": "down",
  "OC": "right",
  "OD": "left",
  "OH": "home",
  "OF": "end",
  "[1~": "home",
  "[7~": "home",
  "[4~": "end",
  "[8~": "end",
  "[3~": "delete",
  "[1;5C": "wordRight",
  "[1;5D": "wordLeft",
  "[1;3C": "wordRight",
  "[1;3D": "wordLeft",
  "b": "wordLeft",
  "f": "wordRight",
};

/** Turns terminal input into keys; keeps a partial escape sequence or UTF-8 character between calls. */
export class KeyDecoder {
  #pending = "";
  readonly #decoder = new TextDecoder();

  /** Decodes a chunk of input bytes. */
  feed(bytes: Uint8Array): Key[] {
    const text = this.#pending + this.#decoder.decode(bytes, { stream: true });
    this.#pending = "";
    const keys: Key[] = [];
    let i = 0;
    let run = "";
    const flush = () => {
      if (run) keys.push({ kind: "text", text: run });
      run = "";
    };
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x1b) {
        flush();
        const rest = text.slice(i + 1);
        if (rest === "") {
          // A lone ESC at the end of a chunk: the Escape key (sequences arrive in one read).
          keys.push({ kind: "escape" });
          i++;
          continue;
        }
        const m = /^(\[[0-9;]*[A-Za-z~]|O[A-Za-z]|[bf])/.exec(rest);
        if (m) {
          const kind = ESCAPES[m[1]];
          if (kind) keys.push({ kind } as Key);
          i += 1 + m[1].length;
        } else if (/^\[[0-9;]*$/.test(rest)) {
          this.#pending = text.slice(i);
          return keys;
        } else {
          keys.push({ kind: "escape" });
          i++;
        }
        continue;
      }
      const kind = CONTROL_KEYS[code];
      if (kind) {
        flush();
        keys.push({ kind } as Key);
        // CR LF from a paste counts once.
        if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
        i++;
        continue;
      }
      if (code < 0x20) {
        i++;
        continue;
      }
      run += text[i];
      i++;
    }
    flush();
    return keys;
  }
}

/** Display columns of a string: wide (East Asian, emoji) characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp >= 0x300 && cp <= 0x36f) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

// deno-lint-ignore no-control-regex
const COLOR_ESCAPE = /\x1b\[[0-9;]*m/g;

/** Options of one line edit. */
export interface EditorOptions {
  /** The prompt (may hold color escapes). */
  prompt: string;
  /** Terminal width. */
  columns: number;
  /** History, oldest first. */
  history: readonly string[];
  /** Completion for the text before the cursor. */
  complete?: (line: string, cursor: number) => { start: number; candidates: string[] };
}

/** Editing state of one input line. Positions are UTF-16 indexes into `buffer`. */
export class LineEditor {
  buffer = "";
  cursor = 0;
  #historyIndex: number;
  #saved = "";
  #completion:
    | { original: string; originalCursor: number; start: number; candidates: string[]; index: number }
    | undefined;

  constructor(readonly options: EditorOptions) {
    this.#historyIndex = options.history.length;
  }

  /** Applies one key. */
  apply(key: Key): EditResult {
    if (this.#completion) {
      if (key.kind === "tab") {
        this.#cycle(1);
        return "editing";
      }
      if (key.kind === "escape") {
        this.buffer = this.#completion.original;
        this.cursor = this.#completion.originalCursor;
        this.#completion = undefined;
        return "editing";
      }
      this.#completion = undefined;
    }
    switch (key.kind) {
      case "text":
        this.buffer = this.buffer.slice(0, this.cursor) + key.text + this.buffer.slice(this.cursor);
        this.cursor += key.text.length;
        break;
      case "enter":
        return { done: this.buffer };
      case "backspace":
        if (this.cursor > 0) {
          const n = charBefore(this.buffer, this.cursor);
          this.buffer = this.buffer.slice(0, this.cursor - n) + this.buffer.slice(this.cursor);
          this.cursor -= n;
        }
        break;
      case "eof":
        if (this.buffer === "") return "eof";
        this.#deleteForward();
        break;
      case "delete":
        this.#deleteForward();
        break;
      case "left":
        this.cursor -= charBefore(this.buffer, this.cursor);
        break;
      case "right":
        this.cursor += charAt(this.buffer, this.cursor);
        break;
      case "home":
        this.cursor = 0;
        break;
      case "end":
        this.cursor = this.buffer.length;
        break;
      case "wordLeft":
        this.cursor = wordStart(this.buffer, this.cursor);
        break;
      case "wordRight": {
        const m = /^\W*\w*/.exec(this.buffer.slice(this.cursor))!;
        this.cursor += m[0].length;
        break;
      }
      case "up":
      case "down":
        this.#history(key.kind === "up" ? -1 : 1);
        break;
      case "killEnd":
        this.buffer = this.buffer.slice(0, this.cursor);
        break;
      case "killStart":
        this.buffer = this.buffer.slice(this.cursor);
        this.cursor = 0;
        break;
      case "killWord": {
        const start = wordStart(this.buffer, this.cursor);
        this.buffer = this.buffer.slice(0, start) + this.buffer.slice(this.cursor);
        this.cursor = start;
        break;
      }
      case "transpose":
        if (this.cursor > 0 && this.buffer.length > 1) {
          const at = this.cursor === this.buffer.length ? this.cursor - 1 : this.cursor;
          const chars = [...this.buffer.slice(0, at + 1)];
          const last = chars.length - 1;
          if (last >= 1) [chars[last - 1], chars[last]] = [chars[last], chars[last - 1]];
          const head = chars.join("");
          this.buffer = head + this.buffer.slice(at + 1);
          this.cursor = Math.min(this.buffer.length, head.length);
        }
        break;
      case "interrupt":
        return "interrupt";
      case "tab":
        this.#startCompletion();
        break;
      case "clear":
      case "escape":
        break;
    }
    return "editing";
  }

  #deleteForward(): void {
    if (this.cursor < this.buffer.length) {
      this.buffer = this.buffer.slice(0, this.cursor) +
        this.buffer.slice(this.cursor + charAt(this.buffer, this.cursor));
    }
  }

  #history(direction: number): void {
    const history = this.options.history;
    if (history.length === 0) return;
    if (this.#historyIndex === history.length) this.#saved = this.buffer;
    const next = Math.max(0, Math.min(history.length, this.#historyIndex + direction));
    if (next === this.#historyIndex) return;
    this.#historyIndex = next;
    this.buffer = next === history.length ? this.#saved : history[next];
    this.cursor = this.buffer.length;
  }

  #startCompletion(): void {
    if (!this.options.complete) return;
    const { start, candidates } = this.options.complete(this.buffer, this.cursor);
    if (candidates.length === 0) return;
    this.#completion = { original: this.buffer, originalCursor: this.cursor, start, candidates, index: -1 };
    this.#cycle(1);
  }

  #cycle(step: number): void {
    const c = this.#completion!;
    c.index = (c.index + step) % c.candidates.length;
    const word = c.candidates[c.index];
    this.buffer = c.original.slice(0, c.start) + word + c.original.slice(c.originalCursor);
    this.cursor = c.start + word.length;
    if (c.candidates.length === 1) this.#completion = undefined;
  }

  /** Escape sequences that redraw the prompt and line, with the cursor in place. */
  render(): string {
    const promptWidth = displayWidth(this.options.prompt.replace(COLOR_ESCAPE, ""));
    const room = Math.max(1, this.options.columns - promptWidth - 1);
    const chars = [...this.buffer];
    let cursor = [...this.buffer.slice(0, this.cursor)].length;
    let first = 0;
    const widthOf = (from: number, to: number) => displayWidth(chars.slice(from, to).join(""));
    while (widthOf(first, cursor) > room) first++;
    let last = chars.length;
    while (widthOf(first, last) > room) last--;
    cursor -= first;
    const visible = chars.slice(first, last).join("");
    const column = promptWidth + widthOf(first, first + cursor);
    return "\r" + this.options.prompt + visible + "\x1b[0K\r" + (column > 0 ? `\x1b[${column}C` : "");
  }
}

function charBefore(text: string, index: number): number {
  if (index <= 0) return 0;
  const code = text.charCodeAt(index - 1);
  return code >= 0xdc00 && code <= 0xdfff && index >= 2 ? 2 : 1;
}

function charAt(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
}

function wordStart(text: string, index: number): number {
  const m = /\w*\W*$/.exec(text.slice(0, index))!;
  return index - m[0].length;
}
