/**
 * A synchronous, buffered byte sink over standard output or a file. The shell writes rows as
 * SQLite produces them (every query call is synchronous), so the sink is synchronous too.
 * Text is encoded straight into one off-heap 1 MiB buffer, and a value's UTF-8 bytes can be
 * copied into it from SQLite's memory with memcpy ({@linkcode Output.copyFrom}), so printing a
 * large result allocates almost nothing per value. A closed pipe (`osq shell ... | head`) ends
 * output quietly.
 *
 * @module
 */
import { type Tiered, tiered } from "../../core/runtime/tiered_ffi.ts";
import { concatBytes } from "../../core/bytes.ts";

const CAPACITY = 1 << 20;
/** Values up to this many bytes go through the scratch area. */
const SCRATCH = 128;
/** The sizes 0..SCRATCH as BigInts, made once. */
const SIZES: bigint[] = Array.from({ length: SCRATCH + 1 }, (_, i) => BigInt(i));
const encoder = new TextEncoder();

/** Raised once the reader has gone away (EPIPE). */
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

type Copy = (dst: bigint, src: bigint, n: bigint) => unknown;
let memcpy: Tiered<Copy> | undefined;

/**
 * memcpy: through its address for a short result (nothing compiled), compiled once it copies a
 * lot. Its two calls are two call sites so that the compiled one is Deno's fast call (see Tiered).
 */
function copy(dst: bigint, src: bigint, n: bigint): void {
  if (!memcpy) {
    const library = Deno.build.os === "darwin" ? "libSystem.dylib" : "libc.so.6";
    const definition = { parameters: ["usize", "usize", "usize"], result: "void" } as const;
    memcpy = tiered<Copy>(
      library,
      "memcpy",
      definition,
      () => Deno.dlopen(library, { memcpy: definition }).symbols.memcpy,
    );
  }
  if (memcpy.compiled) memcpy.compiled(dst, src, n);
  else memcpy.address(dst, src, n);
}

/** A buffered byte sink. */
export class Output {
  readonly #writer: SyncWriter;
  readonly #close: (() => void) | undefined;
  /** The buffer; bytes [0, position) are pending. */
  readonly buffer: Uint8Array<ArrayBuffer> = new Uint8Array(new ArrayBuffer(CAPACITY));
  readonly #address: bigint;
  readonly #scratch: Uint8Array<ArrayBuffer> = new Uint8Array(new ArrayBuffer(SCRATCH));
  readonly #scratchAddress: bigint;
  /** Pending bytes in {@linkcode Output.buffer}. */
  position = 0;
  #closed = false;
  /** The path written, or "stdout". */
  readonly name: string;

  constructor(writer: SyncWriter, name = "stdout", close?: () => void) {
    this.#writer = writer;
    this.name = name;
    this.#close = close;
    this.#address = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.buffer)));
    this.#scratchAddress = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#scratch)));
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

  /** Makes room for `n` more bytes (flushing); false when `n` exceeds the buffer. */
  reserve(n: number): boolean {
    if (this.position + n > CAPACITY) this.flush();
    return n <= CAPACITY;
  }

  /** Appends text as UTF-8. */
  write(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      const { read, written } = encoder.encodeInto(rest, this.buffer.subarray(this.position));
      this.position += written;
      if (read === rest.length) return;
      // The buffer is full: send it and carry on with what did not fit.
      rest = rest.slice(read);
      this.flush();
    }
  }

  /** Appends bytes. */
  writeBytes(bytes: Uint8Array): void {
    if (!this.reserve(bytes.length)) {
      this.#emit(bytes);
      return;
    }
    const n = bytes.length;
    if (n <= 32) {
      // Separators, keys and bars are short: a loop beats a call into TypedArray.set.
      const buffer = this.buffer;
      let at = this.position;
      for (let k = 0; k < n; k++) buffer[at++] = bytes[k];
      this.position = at;
      return;
    }
    this.buffer.set(bytes, this.position);
    this.position += n;
  }

  /**
   * Appends a string of ASCII characters (a number's digits) one code unit a byte; returns where
   * it starts in {@linkcode Output.buffer}, as {@linkcode Output.copyFrom} does.
   */
  writeAscii(text: string): number {
    const n = text.length;
    if (!this.reserve(n)) {
      this.write(text);
      return -1;
    }
    const start = this.position;
    const buffer = this.buffer;
    for (let k = 0; k < n; k++) buffer[start + k] = text.charCodeAt(k);
    this.position = start + n;
    return start;
  }

  /** Appends one byte. */
  writeByte(byte: number): void {
    if (this.position >= CAPACITY) this.flush();
    this.buffer[this.position++] = byte;
  }

  /** Appends `n` spaces. */
  spaces(n: number): void {
    if (n <= 0) return;
    if (n <= SCRATCH && this.position + n <= CAPACITY) {
      // Padding is short: a loop beats a call into TypedArray.fill.
      const buffer = this.buffer;
      const end = this.position + n;
      for (let k = this.position; k < end; k++) buffer[k] = 0x20;
      this.position = end;
      return;
    }
    while (n > 0) {
      if (this.position >= CAPACITY) this.flush();
      const k = Math.min(n, CAPACITY - this.position);
      this.buffer.fill(0x20, this.position, this.position + k);
      this.position += k;
      n -= k;
    }
  }

  /**
   * Copies `n` bytes from native memory at `address`; returns where they start in
   * {@linkcode Output.buffer} (so the caller may inspect them and {@linkcode Output.rewind}),
   * or -1 when they were too large for the buffer and went straight out.
   */
  copyFrom(address: bigint, n: number): number {
    if (n === 0) return this.position;
    if (!this.reserve(n)) {
      const p = Deno.UnsafePointer.create(address);
      if (p) this.#emit(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, n)));
      return -1;
    }
    const start = this.position;
    if (n <= SCRATCH) {
      // Short values: memcpy into a fixed scratch area (no BigInt arithmetic per value), then
      // a plain loop into the buffer.
      copy(this.#scratchAddress, address, SIZES[n]);
      const scratch = this.#scratch;
      const buffer = this.buffer;
      for (let k = 0; k < n; k++) buffer[start + k] = scratch[k];
    } else {
      copy(this.#address + BigInt(start), address, BigInt(n));
    }
    this.position += n;
    return start;
  }

  /** Drops pending bytes from `position` on (undoes an append). */
  rewind(position: number): void {
    this.position = position;
  }

  /** Writes everything buffered. */
  flush(): void {
    if (this.position === 0) return;
    const n = this.position;
    this.position = 0;
    this.#emit(this.buffer.subarray(0, n));
  }

  #emit(bytes: Uint8Array): void {
    if (this.#closed) throw new OutputClosedError();
    let offset = 0;
    try {
      while (offset < bytes.length) offset += this.#writer.writeSync(bytes.subarray(offset));
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

/** A sink that collects text in memory (tests); named "stdout" it also takes what goes to standard output. */
export class MemoryOutput extends Output {
  readonly #chunks: Uint8Array[];
  constructor(name = "memory") {
    const chunks: Uint8Array[] = [];
    super({
      writeSync(p: Uint8Array): number {
        chunks.push(p.slice());
        return p.length;
      },
    }, name);
    this.#chunks = chunks;
  }

  /** Everything written so far. */
  text(): string {
    this.flush();
    return new TextDecoder().decode(concatBytes(this.#chunks));
  }
}
