/**
 * Accounts through the C library's name service (NSS: files, LDAP, SSSD, systemd...), over Deno
 * FFI. Only `users` with `include_remote = 1` and the per-user tables' fallback for a uid that is
 * not in /etc/passwd use it, as osquery does: the local tables never query directory services.
 *
 * @module
 */
import type { PasswdEntry } from "./_lib.ts";

const symbols = {
  setpwent: { parameters: [], result: "void" },
  getpwent: { parameters: [], result: "pointer" },
  endpwent: { parameters: [], result: "void" },
  getpwuid: { parameters: ["u32"], result: "pointer" },
  getpwnam: { parameters: ["buffer"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | null | undefined;

function libc(): Deno.DynamicLibrary<typeof symbols>["symbols"] | null {
  if (lib === undefined) {
    lib = null;
    if (Deno.build.os === "linux") {
      for (const name of ["libc.so.6", "libc.so"]) {
        try {
          lib = Deno.dlopen(name, symbols).symbols;
          break;
        } catch {
          // try the next name
        }
      }
    }
  }
  return lib;
}

function text(view: Deno.UnsafePointerView, offset: number): string {
  const p = view.getPointer(offset);
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

/** Decodes a `struct passwd` (64-bit glibc layout). */
function entry(p: Deno.PointerObject): PasswdEntry {
  const view = new Deno.UnsafePointerView(p);
  return {
    username: text(view, 0),
    password: text(view, 8),
    uid: view.getUint32(16),
    gid: view.getUint32(20),
    gecos: text(view, 24),
    directory: text(view, 32),
    shell: text(view, 40),
  };
}

/** Every account NSS enumerates (remote directories included where they allow enumeration). */
export function nssUsers(): PasswdEntry[] {
  const c = libc();
  if (!c) return [];
  const out: PasswdEntry[] = [];
  c.setpwent();
  try {
    for (let p = c.getpwent(); p !== null; p = c.getpwent()) out.push(entry(p));
  } finally {
    c.endpwent();
  }
  return out;
}

/** The account NSS resolves for `uid`, if any. */
export function nssUserByUid(uid: number): PasswdEntry | undefined {
  const c = libc();
  if (!c || !Number.isInteger(uid) || uid < 0 || uid > 0xffffffff) return undefined;
  const p = c.getpwuid(uid);
  return p === null ? undefined : entry(p);
}

/** The account NSS resolves for `name`, if any. */
export function nssUserByName(name: string): PasswdEntry | undefined {
  const c = libc();
  if (!c || name.includes("\0")) return undefined;
  const bytes = new TextEncoder().encode(name);
  const cName = new Uint8Array(bytes.length + 1);
  cName.set(bytes);
  const p = c.getpwnam(cName);
  return p === null ? undefined : entry(p);
}
