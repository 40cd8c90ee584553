/**
 * libmagic over FFI: open a cookie, load databases, describe files. Loaded on first use; a host
 * without libmagic gets a {@linkcode TableError} naming the package to install.
 *
 * @module
 */
import { cPath as cString } from "../../core/host/libc.ts";
import { TableError } from "../../core/table.ts";

const symbols = {
  magic_open: { parameters: ["i32"], result: "pointer" },
  magic_close: { parameters: ["pointer"], result: "void" },
  magic_load: { parameters: ["pointer", "buffer"], result: "i32" },
  magic_file: { parameters: ["pointer", "buffer"], result: "pointer" },
  magic_setflags: { parameters: ["pointer", "i32"], result: "i32" },
  magic_error: { parameters: ["pointer"], result: "pointer" },
} as const;

type MagicLib = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** libmagic flags used here. */
export const MAGIC = { NONE: 0, MIME_TYPE: 0x10, MIME_ENCODING: 0x400 } as const;

let lib: MagicLib | undefined;

/** Loads libmagic (libmagic.so.1), or throws a TableError saying what to install. */
export function magicLibrary(): MagicLib {
  if (!lib) lib = openMagic();
  return lib;
}

/** Opens the first libmagic of `names`; tests pass missing names to see the error. */
export function openMagic(names: string[] = ["libmagic.so.1", "libmagic.so"]): MagicLib {
  const errors: string[] = [];
  for (const name of names) {
    try {
      return Deno.dlopen(name, symbols).symbols;
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new TableError(
    `libmagic is not available (${errors[0]}): install the libmagic1 package (Debian/Ubuntu) or file-libs (RHEL).`,
  );
}

function readCString(p: Deno.PointerValue): string | undefined {
  return p === null ? undefined : Deno.UnsafePointerView.getCString(p);
}

/** An open libmagic handle with its databases loaded. Close it when done. */
export class Magic {
  readonly #lib: MagicLib;
  #cookie: Deno.PointerValue;

  /** Opens libmagic and loads `databases` (colon-separated; undefined = libmagic's default). */
  constructor(databases: string | undefined) {
    this.#lib = magicLibrary();
    this.#cookie = this.#lib.magic_open(MAGIC.NONE);
    if (this.#cookie === null) throw new TableError("libmagic could not allocate a handle (magic_open failed).");
    const rc = this.#lib.magic_load(this.#cookie, databases === undefined ? null : cString(databases));
    if (rc !== 0) {
      const why = readCString(this.#lib.magic_error(this.#cookie)) ?? "unknown error";
      this.close();
      throw new MagicLoadError(`Unable to load the magic database ${databases ?? "(default)"}: ${why}`);
    }
  }

  /** Describes a file with the given flags; undefined when libmagic cannot (libmagic's error). */
  describe(path: string, flags: number): string | undefined {
    if (this.#cookie === null) return undefined;
    this.#lib.magic_setflags(this.#cookie, flags);
    return readCString(this.#lib.magic_file(this.#cookie, cString(path)));
  }

  /** Releases the handle. */
  close(): void {
    if (this.#cookie !== null) this.#lib.magic_close(this.#cookie);
    this.#cookie = null;
  }
}

/** Raised when libmagic rejects the magic databases. */
export class MagicLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MagicLoadError";
  }
}
