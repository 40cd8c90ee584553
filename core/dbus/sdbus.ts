/**
 * libsystemd's sd-bus over Deno FFI, opened on first use: the calls a blocking D-Bus client needs
 * (connect to an address, send method calls, drive the connection, read replies by type). Only
 * non-variadic entry points are bound, so every argument travels as the C ABI says. Higher-level
 * use goes through {@linkcode ./client.ts}.
 *
 * @module
 */

const symbols = {
  sd_bus_new: { parameters: ["buffer"], result: "i32" },
  sd_bus_set_address: { parameters: ["pointer", "buffer"], result: "i32" },
  sd_bus_set_bus_client: { parameters: ["pointer", "i32"], result: "i32" },
  sd_bus_negotiate_fds: { parameters: ["pointer", "i32"], result: "i32" },
  sd_bus_start: { parameters: ["pointer"], result: "i32" },
  sd_bus_send: { parameters: ["pointer", "pointer", "buffer"], result: "i32" },
  sd_bus_process: { parameters: ["pointer", "buffer"], result: "i32" },
  sd_bus_wait: { parameters: ["pointer", "u64"], result: "i32" },
  sd_bus_flush_close_unref: { parameters: ["pointer"], result: "pointer" },
  sd_bus_message_new_method_call: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  sd_bus_message_append_basic: { parameters: ["pointer", "u8", "buffer"], result: "i32" },
  sd_bus_message_unref: { parameters: ["pointer"], result: "pointer" },
  sd_bus_message_get_type: { parameters: ["pointer", "buffer"], result: "i32" },
  sd_bus_message_get_reply_cookie: { parameters: ["pointer", "buffer"], result: "i32" },
  sd_bus_message_get_error: { parameters: ["pointer"], result: "pointer" },
  sd_bus_message_peek_type: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  sd_bus_message_read_basic: { parameters: ["pointer", "u8", "buffer"], result: "i32" },
  sd_bus_message_enter_container: { parameters: ["pointer", "u8", "buffer"], result: "i32" },
  sd_bus_message_exit_container: { parameters: ["pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** sd-bus's bound symbols. */
export type SdBusSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Where libsystemd is looked for, in order. */
export const LIBSYSTEMD_PATHS = [
  "libsystemd.so.0",
  "/usr/lib/x86_64-linux-gnu/libsystemd.so.0",
  "/usr/lib/aarch64-linux-gnu/libsystemd.so.0",
  "/lib/x86_64-linux-gnu/libsystemd.so.0",
];

/** libsystemd could not be opened: names the package that provides it. */
export class LibsystemdUnavailableError extends Error {
  constructor(cause: string) {
    super(
      `libsystemd (sd-bus) could not be loaded (libsystemd.so.0: ${cause}); install the Debian package ` +
        `libsystemd0 (systemd-libs on RHEL/Fedora).`,
    );
    this.name = "LibsystemdUnavailableError";
  }
}

let loaded: SdBusSymbols | LibsystemdUnavailableError | undefined;

/** sd-bus's symbols, opened once; throws {@linkcode LibsystemdUnavailableError} when the library is missing. */
export function sdBus(): SdBusSymbols {
  if (loaded === undefined) {
    let cause = "not found";
    for (const path of LIBSYSTEMD_PATHS) {
      try {
        loaded = Deno.dlopen(path, symbols).symbols;
        break;
      } catch (e) {
        cause = e instanceof Error ? e.message : String(e);
      }
    }
    loaded ??= new LibsystemdUnavailableError(cause);
  }
  if (loaded instanceof LibsystemdUnavailableError) throw loaded;
  return loaded;
}

/** sd-bus message types (SD_BUS_MESSAGE_*). */
export const MESSAGE_TYPE = { METHOD_CALL: 1, METHOD_RETURN: 2, METHOD_ERROR: 3, SIGNAL: 4 } as const;
