/**
 * A single-line editor in the manner of linenoise (which osqueryi uses): the input bytes of a
 * raw-mode terminal become keys, keys edit a buffer, and the line is redrawn in place,
 * scrolling horizontally when it is wider than the terminal. Pure logic: the console feeds it
 * bytes and writes what {@linkcode LineEditor.render} returns, so tests drive it without a TTY.
 *
 * Keys: printable text; Enter; Backspace / Ctrl-H; Delete / Ctrl-D (Ctrl-D on an empty line =
 * end of input); Left / Ctrl-B, Right / Ctrl-F; Home / Ctrl-A, End / Ctrl-E; Alt-B / Alt-F and
 * Ctrl-Left / Ctrl-Right by word; Ctrl-K, Ctrl-U, Ctrl-W (kill); Ctrl-T (transpose); Up / Ctrl-P,
 * Down / Ctrl-N (history); Ctrl-R / Ctrl-S (reverse / forward incremental history search, Esc or
 * Ctrl-G to leave it with the line as it was); Ctrl-L (clear screen); Ctrl-C (abandon the line);
 * TAB (complete). TAB completes as linenoise-ng (osqueryi's editor) and readline do: a single
 * candidate whole, several up to their longest common prefix with a bell; a second TAB lists them
 * below the line (asking first when there are more than 100).
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
      | "escape"
      | "reverseSearch"
      | "forwardSearch"
      | "abort";
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
  0x07: "abort",
  0x08: "backspace",
  0x09: "tab",
  0x0a: "enter",
  0x0b: "killEnd",
  0x0c: "clear",
  0x0d: "enter",
  0x0e: "down",
  0x10: "up",
  0x12: "reverseSearch",
  0x13: "forwardSearch",
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

/** Candidates beyond which a second TAB asks before listing them (linenoise-ng's cutoff). */
export const COMPLETION_LIST_CUTOFF = 100;

/** An incremental history search in progress. */
interface Search {
  /** -1 searches older entries (Ctrl-R), 1 newer ones (Ctrl-S). */
  direction: -1 | 1;
  needle: string;
  /** Index of the matching entry in the searched list (history plus the line being typed). */
  index: number;
  /** Where the needle starts in the matching entry. */
  at: number;
  failed: boolean;
  /** The line and cursor when the search began (Esc / Ctrl-G go back to them). */
  original: string;
  originalCursor: number;
}

/** Editing state of one input line. Positions are UTF-16 indexes into `buffer`. */
export class LineEditor {
  buffer = "";
  cursor = 0;
  #historyIndex: number;
  #saved = "";
  /** Candidates of the last TAB when it could not complete further: the next TAB lists them. */
  #ambiguous: string[] | undefined;
  /** Candidates waiting for the answer to "Display all N possibilities? (y or n)". */
  #confirm: string[] | undefined;
  #search: Search | undefined;
  #lastNeedle = "";
  /** Text for the terminal before the next render (bell, completion lists). */
  #output = "";

  constructor(readonly options: EditorOptions) {
    this.#historyIndex = options.history.length;
  }

  /** Text to write before the next {@linkcode LineEditor.render} (bell, candidate list); clears it. */
  takeOutput(): string {
    const out = this.#output;
    this.#output = "";
    return out;
  }

  /** Applies one key. */
  apply(key: Key): EditResult {
    if (this.#confirm) {
      const candidates = this.#confirm;
      this.#confirm = undefined;
      if (key.kind === "text" && /^[yY]/.test(key.text)) this.#list(candidates);
      else this.#output += "\r\n";
      return "editing";
    }
    if (this.#search) {
      const handled = this.#searchKey(key);
      if (handled !== undefined) return handled;
    }
    const ambiguous = this.#ambiguous;
    this.#ambiguous = undefined;
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
        if (ambiguous) this.#secondTab(ambiguous);
        else this.#complete();
        break;
      case "reverseSearch":
      case "forwardSearch":
        this.#startSearch(key.kind === "reverseSearch" ? -1 : 1);
        break;
      case "clear":
      case "escape":
      case "abort":
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

  /** First TAB: one candidate completes whole; several complete their common prefix and ring. */
  #complete(): void {
    if (!this.options.complete) return;
    const { start, candidates } = this.options.complete(this.buffer, this.cursor);
    if (candidates.length === 0) {
      this.#output += "\x07";
      return;
    }
    const word = this.buffer.slice(start, this.cursor);
    const insert = candidates.length === 1 ? candidates[0] : commonPrefix(candidates);
    if (candidates.length > 1) this.#output += "\x07";
    // Candidates may differ from the word in case (keywords, columns): replace it only when longer.
    if (insert.length > word.length) {
      this.buffer = this.buffer.slice(0, start) + insert + this.buffer.slice(this.cursor);
      this.cursor = start + insert.length;
    } else if (candidates.length > 1) {
      this.#ambiguous = candidates;
    }
  }

  /** Second TAB without progress: list the candidates (asking first when there are many). */
  #secondTab(candidates: string[]): void {
    if (candidates.length > COMPLETION_LIST_CUTOFF) {
      this.#output += `\r\nDisplay all ${candidates.length} possibilities? (y or n)`;
      this.#confirm = candidates;
      return;
    }
    this.#list(candidates);
  }

  /** Writes the candidates in columns, top to bottom then left to right, below the line. */
  #list(candidates: string[]): void {
    const width = Math.max(...candidates.map(displayWidth)) + 1;
    const columns = Math.max(1, Math.floor(this.options.columns / width));
    const rows = Math.ceil(candidates.length / columns);
    let out = "\r\n";
    for (let row = 0; row < rows; row++) {
      let line = "";
      for (let column = 0; column < columns; column++) {
        const index = column * rows + row;
        if (index >= candidates.length) break;
        const item = candidates[index];
        const last = (column + 1) * rows + row >= candidates.length;
        line += last ? item : item + " ".repeat(width - displayWidth(item));
      }
      out += line + "\r\n";
    }
    this.#output += out;
  }

  /** The entries a search walks: the history, then the line being typed. */
  #searchList(): readonly string[] {
    return [...this.options.history, this.#search?.original ?? this.buffer];
  }

  #startSearch(direction: -1 | 1): void {
    const list = this.#searchList();
    this.#search = {
      direction,
      needle: "",
      index: list.length - 1,
      at: this.cursor,
      failed: false,
      original: this.buffer,
      originalCursor: this.cursor,
    };
  }

  /**
   * Finds the needle from entry `from` in the search's direction (`from` itself included when
   * `inclusive`); keeps the current match and marks the search failed when there is none.
   */
  #find(from: number, inclusive: boolean): void {
    const s = this.#search!;
    const list = this.#searchList();
    for (let i = inclusive ? from : from + s.direction; i >= 0 && i < list.length; i += s.direction) {
      const at = s.direction < 0 ? list[i].lastIndexOf(s.needle) : list[i].indexOf(s.needle);
      if (at >= 0) {
        s.index = i;
        s.at = at;
        s.failed = false;
        return;
      }
    }
    s.failed = true;
  }

  /** A key during a search; undefined when the search ended and the key edits the line as usual. */
  #searchKey(key: Key): EditResult | undefined {
    const s = this.#search!;
    switch (key.kind) {
      case "text":
        s.needle += key.text;
        this.#find(s.index, true);
        return "editing";
      case "backspace":
        if (s.needle.length > 0) {
          s.needle = s.needle.slice(0, s.needle.length - charBefore(s.needle, s.needle.length));
          this.#find(s.index, true);
        }
        return "editing";
      case "reverseSearch":
      case "forwardSearch": {
        s.direction = key.kind === "reverseSearch" ? -1 : 1;
        if (s.needle === "") s.needle = this.#lastNeedle;
        if (s.needle !== "") this.#find(s.index, false);
        return "editing";
      }
      case "escape":
      case "abort":
        this.buffer = s.original;
        this.cursor = s.originalCursor;
        this.#endSearch();
        return "editing";
      case "interrupt":
        this.#endSearch();
        return "interrupt";
      default: {
        // Any other key takes the found line and then acts on it (Enter runs it).
        const list = this.#searchList();
        this.buffer = list[s.index];
        this.cursor = Math.min(s.at, this.buffer.length);
        this.#historyIndex = Math.min(s.index, this.options.history.length);
        this.#endSearch();
        return undefined;
      }
    }
  }

  #endSearch(): void {
    if (this.#search?.needle) this.#lastNeedle = this.#search.needle;
    this.#search = undefined;
  }

  /** True while an incremental history search is shown. */
  get searching(): boolean {
    return this.#search !== undefined;
  }

  /** Escape sequences that redraw the prompt and line, with the cursor in place. */
  render(): string {
    const s = this.#search;
    if (s) {
      const name = s.direction < 0 ? "reverse-i-search" : "i-search";
      const prompt = `(${s.failed ? "failed " : ""}${name})\`${s.needle}': `;
      const line = this.#searchList()[s.index];
      return this.#draw(prompt, line, Math.min(s.at, line.length));
    }
    return this.#draw(this.options.prompt, this.buffer, this.cursor);
  }

  #draw(prompt: string, buffer: string, at: number): string {
    const promptWidth = displayWidth(prompt.replace(COLOR_ESCAPE, ""));
    const room = Math.max(1, this.options.columns - promptWidth - 1);
    const chars = [...buffer];
    let cursor = [...buffer.slice(0, at)].length;
    let first = 0;
    const widthOf = (from: number, to: number) => displayWidth(chars.slice(from, to).join(""));
    while (widthOf(first, cursor) > room) first++;
    let last = chars.length;
    while (widthOf(first, last) > room) last--;
    cursor -= first;
    const visible = chars.slice(first, last).join("");
    const column = promptWidth + widthOf(first, first + cursor);
    return "\r" + prompt + visible + "\x1b[0K\r" + (column > 0 ? `\x1b[${column}C` : "");
  }
}

/** The longest prefix every candidate shares (whole characters). */
export function commonPrefix(candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  let prefix = [...candidates[0]];
  for (const c of candidates.slice(1)) {
    const chars = [...c];
    let n = 0;
    while (n < prefix.length && n < chars.length && prefix[n] === chars[n]) n++;
    prefix = prefix.slice(0, n);
  }
  return prefix.join("");
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
