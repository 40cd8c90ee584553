/**
 * A synchronous, buffered text sink over standard output or a file. The shell writes rows as
 * SQLite produces them (every query call is synchronous), so the sink is synchronous too and
 * flushes in 64 KiB chunks; a closed pipe (`osq shell ... | head`) ends output quietly.
 *
 * @module
 */

const FLUSH_AT = 1 << 16;
const encoder = new TextEncoder();

/** Raised by {@linkcode Output.write} once the reader has gone away (EPIPE). */
export class OutputClosedError extends Error {
  constructor() {
    super("The output was closed by its reader.");
    this.name = "OutputClosedError";
  }
}

/** Something writable synchronously (Deno.stdout, Deno.stderr, a Deno.FsFile). */
export interface SyncWriter {
  writeSync(p: Uint8Array): number;
}

/** A buffered text sink. */
export class Output {
  readonly #writer: SyncWriter;
  readonly #close: (() => void) | undefined;
  #pending = "";
  #bytes = new Uint8Array(new ArrayBuffer(FLUSH_AT * 3 + 16));
  #closed = false;
  /** The path written, or "stdout". */
  readonly name: string;

  constructor(writer: SyncWriter, name = "stdout", close?: () => void) {
    this.#writer = writer;
    this.name = name;
    this.#close = close;
  }

  /** Standard output. */
  static stdout(): Output {
    return new Output(Deno.stdout);
  }

  /** A file, created or truncated. */
  static file(path: string): Output {
    const file = Deno.openSync(path, { write: true, create: true, truncate: true });
    return new Output(file, path, () => file.close());
  }

  /** Appends text, flushing when enough is buffered. */
  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= FLUSH_AT) this.flush();
  }

  /** Writes everything buffered. */
  flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    if (this.#closed) throw new OutputClosedError();
    if (text.length * 3 > this.#bytes.length) this.#bytes = new Uint8Array(new ArrayBuffer(text.length * 3 + 16));
    const { written } = encoder.encodeInto(text, this.#bytes);
    let offset = 0;
    try {
      while (offset < written) offset += this.#writer.writeSync(this.#bytes.subarray(offset, written));
    } catch (err) {
      if (err instanceof Deno.errors.BrokenPipe) {
        this.#closed = true;
        throw new OutputClosedError();
      }
      throw err;
    }
  }

  /** Flushes and, for a file, closes it. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.#close?.();
    }
  }
}

/** A sink that collects text in memory (tests, `.types` previews). */
export class MemoryOutput extends Output {
  #chunks: string[] = [];
  constructor() {
    const chunks: string[] = [];
    super({
      writeSync(p: Uint8Array): number {
        chunks.push(new TextDecoder().decode(p));
        return p.length;
      },
    }, "memory");
    this.#chunks = chunks;
  }

  /** Everything written so far. */
  text(): string {
    this.flush();
    return this.#chunks.join("");
  }
}
