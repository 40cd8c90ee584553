/**
 * Console history, as osqueryi keeps it with linenoise: one entry per input line in
 * `<osquery home>/.history` (`~/.osquery/.history`), the last 100 kept, a line equal to the one
 * before not added twice. The file is rewritten after every entry, so a crash loses nothing.
 *
 * @module
 */

/** Entries kept (linenoiseHistorySetMaxLen(100) in osqueryi). */
export const HISTORY_MAX = 100;

/**
 * osquery's home folder for this user: `$HOME/.osquery` (created 0700 when missing), or a
 * folder under the system temporary directory when the home folder cannot be used.
 */
export function osqueryHome(): string {
  const home = Deno.env.get("HOME");
  if (home) {
    const dir = `${home}/.osquery`;
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    } catch {
      // An unwritable home: fall back to the temporary directory below.
    }
  }
  const uid = Deno.uid() ?? 0;
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/osquery-${uid}`;
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The history list, bound to its file. */
export class History {
  #entries: string[] = [];

  constructor(readonly path: string, readonly max = HISTORY_MAX) {}

  /** Reads the file (a missing or unreadable file is an empty history). */
  load(): this {
    try {
      const lines = Deno.readTextFileSync(this.path).split("\n").map((l) => l.replace(/\r$/, ""));
      this.#entries = lines.filter((l) => l !== "").slice(-this.max);
    } catch {
      this.#entries = [];
    }
    return this;
  }

  /** The entries, oldest first. */
  get entries(): readonly string[] {
    return this.#entries;
  }

  /** Adds a line (not empty, not a repeat of the last) and saves. */
  add(line: string): void {
    if (line === "" || line.includes("\n") || this.#entries[this.#entries.length - 1] === line) return;
    this.#entries.push(line);
    if (this.#entries.length > this.max) this.#entries.splice(0, this.#entries.length - this.max);
    this.save();
  }

  /** Writes the file (mode 0600); a failure leaves history in memory only. */
  save(): void {
    try {
      Deno.writeTextFileSync(this.path, this.#entries.map((e) => e + "\n").join(""), { mode: 0o600 });
    } catch {
      // History is a convenience: an unwritable file must not stop the shell.
    }
  }
}
