/**
 * Thrift's buffered transport on a byte stream: outgoing messages are written whole (no length
 * prefix); incoming bytes are gathered in a {@linkcode MessageBuffer} until the scanner sees a
 * complete message, however the peer split its writes.
 *
 * @module
 */
import { DEFAULT_LIMITS, MessageScanner, type ProtocolLimits } from "./protocol.ts";

/** Gathers stream bytes and hands out complete messages. */
export class MessageBuffer {
  #buf: Uint8Array<ArrayBuffer>;
  #len = 0;
  readonly #scanner: MessageScanner;

  constructor(limits: ProtocolLimits = DEFAULT_LIMITS, initialSize = 4096) {
    this.#buf = new Uint8Array(new ArrayBuffer(initialSize));
    this.#scanner = new MessageScanner(limits);
  }

  /** Bytes received but not yet handed out. */
  get pending(): number {
    return this.#len;
  }

  /** Appends received bytes. */
  append(chunk: Uint8Array): void {
    if (this.#len + chunk.length > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < this.#len + chunk.length) size *= 2;
      const next = new Uint8Array(new ArrayBuffer(size));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
  }

  /**
   * The next complete message (a copy), or undefined while incomplete. Throws
   * ThriftProtocolError when the bytes cannot be a valid message.
   */
  next(): Uint8Array<ArrayBuffer> | undefined {
    if (this.#len === 0) return undefined;
    const n = this.#scanner.scan(this.#buf, this.#len);
    if (n === 0) return undefined;
    const message = this.#buf.slice(0, n);
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
    this.#scanner.reset();
    return message;
  }
}
