/**
 * A small synchronous binding of libcurl's easy API over Deno FFI, for tables that speak HTTP
 * (curl, curl_certificate, the cloud metadata tables, prometheus_metrics): one request with
 * bounded connect and total timeouts, optional method, headers and body, or a TLS handshake that
 * collects the peer's certificate chain. Calls block the calling thread, as table generators must.
 *
 * @module
 */
import { cPath as cString } from "../host/libc.ts";
import { TableError } from "../table.ts";

const symbols = {
  curl_global_init: { parameters: ["i64"], result: "i32" },
  curl_easy_init: { parameters: [], result: "pointer" },
  curl_easy_cleanup: { parameters: ["pointer"], result: "void" },
  curl_easy_perform: { parameters: ["pointer"], result: "i32" },
  curl_easy_strerror: { parameters: ["i32"], result: "pointer" },
  curl_slist_append: { parameters: ["pointer", "buffer"], result: "pointer" },
  curl_slist_free_all: { parameters: ["pointer"], result: "void" },
  // curl_easy_setopt and curl_easy_getinfo are variadic; on x86-64 and arm64 Linux an integer or
  // pointer third argument travels exactly as in a fixed-argument call, so each is bound per type.
  setoptLong: { name: "curl_easy_setopt", parameters: ["pointer", "i32", "i64"], result: "i32" },
  setoptPointer: { name: "curl_easy_setopt", parameters: ["pointer", "i32", "pointer"], result: "i32" },
  setoptString: { name: "curl_easy_setopt", parameters: ["pointer", "i32", "buffer"], result: "i32" },
  getinfoPointer: { name: "curl_easy_getinfo", parameters: ["pointer", "i32", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type CurlSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Where libcurl is looked for, in order. */
export const LIBCURL_PATHS = [
  "libcurl.so.4",
  "/usr/lib/x86_64-linux-gnu/libcurl.so.4",
  "/usr/lib/aarch64-linux-gnu/libcurl.so.4",
  "libcurl-gnutls.so.4",
  "libcurl.so",
];

let loaded: CurlSymbols | Error | undefined;

/** libcurl's symbols; throws a TableError saying what to install when the library is missing. */
export function curlLibrary(): CurlSymbols {
  if (loaded === undefined) {
    loaded = new Error("not found");
    for (const path of LIBCURL_PATHS) {
      try {
        const lib = Deno.dlopen(path, symbols).symbols;
        lib.curl_global_init(3n); // CURL_GLOBAL_ALL
        loaded = lib;
        break;
      } catch (e) {
        loaded = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  if (loaded instanceof Error) {
    throw new TableError(
      `libcurl could not be loaded (libcurl.so.4: ${loaded.message}); install the libcurl4 package (Debian/Ubuntu) or libcurl (RHEL/Fedora).`,
    );
  }
  return loaded;
}

const OPT = {
  WRITEDATA: 10001,
  URL: 10002,
  PROXY: 10004,
  POSTFIELDS: 10015,
  USERAGENT: 10018,
  HTTPHEADER: 10023,
  CUSTOMREQUEST: 10036,
  POST: 47,
  POSTFIELDSIZE: 60,
  WRITEFUNCTION: 20011,
  FOLLOWLOCATION: 52,
  SSL_VERIFYPEER: 64,
  MAXREDIRS: 68,
  SSL_VERIFYHOST: 81,
  NOSIGNAL: 99,
  CONNECT_ONLY: 141,
  TIMEOUT_MS: 155,
  CONNECTTIMEOUT_MS: 156,
  CERTINFO: 172,
  PROTOCOLS: 181,
  REDIR_PROTOCOLS: 182,
  PROTOCOLS_STR: 10318,
  REDIR_PROTOCOLS_STR: 10319,
} as const;
const CURLINFO_RESPONSE_CODE = 0x200002;
const CURLINFO_CERTINFO = 0x400022;

/** Timeouts for one transfer, in milliseconds (0 total means none beyond the connect limit). */
export interface CurlTimeouts {
  connectMs: number;
  totalMs: number;
}

/** The outcome of a request: the status and body, or libcurl's error text and result code. */
export type GetResult =
  | { ok: true; status: number; body: Uint8Array; elapsedMicros: number }
  | { ok: false; error: string; code?: number };

/** libcurl's result code for a host name that does not resolve. */
export const CURLE_COULDNT_RESOLVE_HOST = 6;
/** libcurl's result code for a connection refused or unreachable. */
export const CURLE_COULDNT_CONNECT = 7;
/** libcurl's result code for a connect or total timeout. */
export const CURLE_OPERATION_TIMEDOUT = 28;

/** One HTTP request, as {@linkcode curlRequest} sends it. */
export interface CurlRequest {
  url: string;
  /** "GET" unless set; any other method is sent as libcurl's custom request. */
  method?: string;
  /** Extra request headers, as name → value (CR/LF are removed from both). */
  headers?: Record<string, string>;
  /** A request body (sent with Content-Length, also when empty, for methods other than GET). */
  body?: string;
  userAgent?: string;
  timeouts: CurlTimeouts;
  /** Follow redirects (up to 10, HTTP(S) only); default false. */
  followRedirects?: boolean;
}

/** Largest body kept in memory; a longer response fails the request rather than the process. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

function withHandle<T>(use: (lib: CurlSymbols, handle: Deno.PointerObject) => T): T {
  const lib = curlLibrary();
  const handle = lib.curl_easy_init();
  if (handle === null) throw new TableError("libcurl could not create a transfer handle (curl_easy_init failed).");
  try {
    return use(lib, handle);
  } finally {
    lib.curl_easy_cleanup(handle);
  }
}

function errorText(lib: CurlSymbols, code: number): string {
  const p = lib.curl_easy_strerror(code);
  return p === null ? `libcurl error ${code}` : Deno.UnsafePointerView.getCString(p);
}

function commonOptions(lib: CurlSymbols, handle: Deno.PointerObject, url: string, timeouts: CurlTimeouts): void {
  lib.setoptString(handle, OPT.URL, cString(url));
  // An empty proxy disables the *_proxy environment variables: requests go where the URL says.
  lib.setoptString(handle, OPT.PROXY, cString(""));
  lib.setoptLong(handle, OPT.NOSIGNAL, 1n);
  lib.setoptLong(handle, OPT.CONNECTTIMEOUT_MS, BigInt(timeouts.connectMs));
  lib.setoptLong(handle, OPT.TIMEOUT_MS, BigInt(timeouts.totalMs));
  // Only HTTP(S), also after redirects; libcurl older than 7.85 knows only the bitmask options.
  if (lib.setoptString(handle, OPT.PROTOCOLS_STR, cString("http,https")) !== 0) {
    lib.setoptLong(handle, OPT.PROTOCOLS, 3n); // CURLPROTO_HTTP | CURLPROTO_HTTPS
  }
  if (lib.setoptString(handle, OPT.REDIR_PROTOCOLS_STR, cString("http,https")) !== 0) {
    lib.setoptLong(handle, OPT.REDIR_PROTOCOLS, 3n);
  }
}

/** GETs `url` (following redirects, verifying TLS peers) and returns the final status and body. */
export function curlGet(url: string, userAgent: string, timeouts: CurlTimeouts): GetResult {
  return curlRequest({ url, userAgent, timeouts, followRedirects: true });
}

function headerLine(name: string, value: string): string {
  return `${name.replace(/[\r\n:]/g, "")}: ${value.replace(/[\r\n]/g, "")}`;
}

/** Sends one HTTP request (verifying TLS peers, ignoring *_proxy variables) and returns the status and body. */
export function curlRequest(request: CurlRequest): GetResult {
  return withHandle((lib, handle) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const writer = new Deno.UnsafeCallback(
      { parameters: ["pointer", "usize", "usize", "pointer"], result: "usize" } as const,
      (data, size, count) => {
        const length = Number(size) * Number(count);
        if (length === 0 || data === null) return 0n;
        total += length;
        if (total > MAX_BODY_BYTES) return 0n; // makes libcurl stop with a write error
        chunks.push(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(data, length).slice(0)));
        return BigInt(length);
      },
    );
    let headers: Deno.PointerValue = null;
    // libcurl keeps pointers to the strings it is given (not copying POSTFIELDS); they stay
    // referenced here until perform returns.
    const keep: Uint8Array[] = [];
    try {
      commonOptions(lib, handle, request.url, request.timeouts);
      if (request.userAgent !== undefined) {
        keep.push(cString(request.userAgent));
        lib.setoptString(handle, OPT.USERAGENT, keep[keep.length - 1]);
      }
      if (request.followRedirects) {
        lib.setoptLong(handle, OPT.FOLLOWLOCATION, 1n);
        lib.setoptLong(handle, OPT.MAXREDIRS, 10n);
      }
      const method = (request.method ?? "GET").toUpperCase();
      if (method !== "GET" || request.body !== undefined) {
        const body = cString(request.body ?? "");
        keep.push(body);
        lib.setoptLong(handle, OPT.POST, 1n);
        lib.setoptLong(handle, OPT.POSTFIELDSIZE, BigInt(body.length - 1));
        lib.setoptString(handle, OPT.POSTFIELDS, body);
        if (method !== "POST") {
          keep.push(cString(method));
          lib.setoptString(handle, OPT.CUSTOMREQUEST, keep[keep.length - 1]);
        }
      }
      for (const [name, value] of Object.entries(request.headers ?? {})) {
        // curl_slist_append copies the string.
        const next = lib.curl_slist_append(headers, cString(headerLine(name, value)));
        if (next !== null) headers = next;
      }
      if (headers !== null) lib.setoptPointer(handle, OPT.HTTPHEADER, headers);
      lib.setoptPointer(handle, OPT.WRITEFUNCTION, writer.pointer);
      const started = performance.now();
      const code = lib.curl_easy_perform(handle);
      const elapsedMicros = Math.round((performance.now() - started) * 1000);
      if (code !== 0) {
        return {
          ok: false,
          code,
          error: total > MAX_BODY_BYTES ? `response larger than ${MAX_BODY_BYTES} bytes` : errorText(lib, code),
        };
      }
      const status = new BigInt64Array(1);
      lib.getinfoPointer(handle, CURLINFO_RESPONSE_CODE, new Uint8Array(status.buffer));
      const body = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) (body.set(c, at), (at += c.length));
      return { ok: true, status: Number(status[0]), body, elapsedMicros };
    } finally {
      writer.close();
      if (headers !== null) lib.curl_slist_free_all(headers);
      keep.length = 0;
    }
  });
}

/** The outcome of a handshake: the peer chain (leaf first) as PEM texts, or libcurl's error. */
export type ChainResult = { ok: true; pems: string[] } | { ok: false; error: string };

/**
 * Connects to `host:port` over TLS without verifying the peer (the point is to inspect whatever
 * it presents) and returns the certificate chain libcurl collected during the handshake.
 */
export function curlPeerChain(host: string, port: number, timeouts: CurlTimeouts): ChainResult {
  return withHandle((lib, handle) => {
    const hostPart = host.includes(":") ? `[${host}]` : host;
    commonOptions(lib, handle, `https://${hostPart}:${port}/`, timeouts);
    lib.setoptLong(handle, OPT.CONNECT_ONLY, 1n);
    lib.setoptLong(handle, OPT.CERTINFO, 1n);
    lib.setoptLong(handle, OPT.SSL_VERIFYPEER, 0n);
    lib.setoptLong(handle, OPT.SSL_VERIFYHOST, 0n);
    const code = lib.curl_easy_perform(handle);
    if (code !== 0) return { ok: false, error: errorText(lib, code) };
    const out = new BigUint64Array(1);
    if (lib.getinfoPointer(handle, CURLINFO_CERTINFO, new Uint8Array(out.buffer)) !== 0 || out[0] === 0n) {
      return { ok: false, error: "no certificate information" };
    }
    // struct curl_certinfo { int num_of_certs; struct curl_slist **certinfo; }
    const info = new Deno.UnsafePointerView(Deno.UnsafePointer.create(out[0])!);
    const count = info.getInt32(0);
    const lists = info.getPointer(8);
    const pems: string[] = [];
    for (let i = 0; i < count && lists !== null; i++) {
      // struct curl_slist { char *data; struct curl_slist *next; }
      for (let node = new Deno.UnsafePointerView(lists).getPointer(i * 8); node !== null;) {
        const view = new Deno.UnsafePointerView(node);
        const data = view.getPointer(0);
        const text = data === null ? "" : Deno.UnsafePointerView.getCString(data);
        if (text.startsWith("Cert:")) pems.push(text.slice(5));
        node = view.getPointer(8);
      }
    }
    return { ok: true, pems };
  });
}
