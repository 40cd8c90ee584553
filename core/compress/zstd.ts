/**
 * zstd compression of rotated logs through the host's libzstd over FFI.
 *
 * @module
 */

const symbols = {
  ZSTD_compressBound: { parameters: ["usize"], result: "usize" },
  ZSTD_compress: { parameters: ["buffer", "usize", "buffer", "usize", "i32"], result: "usize" },
  ZSTD_isError: { parameters: ["usize"], result: "u32" },
  ZSTD_decompress: { parameters: ["buffer", "usize", "buffer", "usize"], result: "usize" },
  ZSTD_getFrameContentSize: { parameters: ["buffer", "usize"], result: "u64" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

/** Raised when libzstd is missing or fails. */
export class ZstdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZstdError";
  }
}

function zstd() {
  if (!lib) {
    try {
      lib = Deno.dlopen("libzstd.so.1", symbols).symbols;
    } catch (err) {
      throw new ZstdError(`libzstd.so.1 is needed to compress rotated logs (apt install libzstd1): ${err}`);
    }
  }
  return lib;
}

/** Compresses `data` into one zstd frame. */
export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  const z = zstd();
  const bound = Number(z.ZSTD_compressBound(BigInt(data.length)));
  const out = new Uint8Array(bound);
  const n = z.ZSTD_compress(out, BigInt(bound), data as Uint8Array<ArrayBuffer>, BigInt(data.length), level);
  if (z.ZSTD_isError(n)) throw new ZstdError("zstd compression failed.");
  return out.slice(0, Number(n));
}

/** Decompresses a zstd frame whose content size is recorded (as frames from {@linkcode zstdCompress} are). */
export function zstdDecompress(frame: Uint8Array): Uint8Array {
  const z = zstd();
  const size = z.ZSTD_getFrameContentSize(frame as Uint8Array<ArrayBuffer>, BigInt(frame.length));
  if (size >= 0xfffffffffffffffen) throw new ZstdError("The zstd frame has no content size.");
  const out = new Uint8Array(Number(size));
  const n = z.ZSTD_decompress(out, size, frame as Uint8Array<ArrayBuffer>, BigInt(frame.length));
  if (z.ZSTD_isError(n)) throw new ZstdError("zstd decompression failed.");
  return out;
}
