/**
 * Accounts through the C library's name service (NSS: files, LDAP, SSSD, systemd...), over Deno
 * FFI, used where osquery uses it: `users` with `include_remote = 1`, the per-user tables' fallback
 * for a uid missing from /etc/passwd, the group tables (`groups`, `user_groups`), and owner names
 * (`suid_bin`). Plain `users` reads /etc/passwd only, so it never queries directory services.
 *
 * @module
 */
import { cPath as cString, tryLibc as libc } from "./libc.ts";
import type { GroupEntry, PasswdEntry } from "./accounts.ts";

function text(view: Deno.UnsafePointerView, offset: number): string {
  const p = view.getPointer(offset);
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

/** Walks an NSS database (setXXent, getXXent until NULL, endXXent), decoding each entry. */
function enumerate<T>(
  open: () => void,
  next: () => Deno.PointerValue,
  close: () => void,
  decode: (p: Deno.PointerObject) => T,
): T[] {
  const out: T[] = [];
  open();
  try {
    for (let p = next(); p !== null; p = next()) out.push(decode(p));
  } finally {
    close();
  }
  return out;
}

/** The decoded entry a lookup returned, or undefined for NULL (not found). */
function decoded<T>(p: Deno.PointerValue, decode: (p: Deno.PointerObject) => T): T | undefined {
  return p === null ? undefined : decode(p);
}

/** True for a value a uid_t/gid_t can hold. */
function isId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
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
  return c ? enumerate(() => c.setpwent(), () => c.getpwent(), () => c.endpwent(), entry) : [];
}

/** The account NSS resolves for `uid`, if any. */
export function nssUserByUid(uid: number): PasswdEntry | undefined {
  const c = libc();
  return c && isId(uid) ? decoded(c.getpwuid(uid), entry) : undefined;
}

/** The account NSS resolves for `name`, if any. */
export function nssUserByName(name: string): PasswdEntry | undefined {
  const c = libc();
  return c && !name.includes("\0") ? decoded(c.getpwnam(cString(name)), entry) : undefined;
}

/** Decodes a `struct group` (64-bit glibc layout). */
function groupEntry(p: Deno.PointerObject): GroupEntry {
  const view = new Deno.UnsafePointerView(p);
  const members: string[] = [];
  const list = view.getPointer(24);
  if (list !== null) {
    const items = new Deno.UnsafePointerView(list);
    for (let i = 0; i < 65536; i++) {
      const m = items.getPointer(i * 8);
      if (m === null) break;
      members.push(Deno.UnsafePointerView.getCString(m));
    }
  }
  return { groupname: text(view, 0), gid: view.getUint32(16), members };
}

/** Every group NSS enumerates. */
export function nssGroups(): GroupEntry[] {
  const c = libc();
  return c ? enumerate(() => c.setgrent(), () => c.getgrent(), () => c.endgrent(), groupEntry) : [];
}

/** The group NSS resolves for `gid`, if any. */
export function nssGroupByGid(gid: number): GroupEntry | undefined {
  const c = libc();
  return c && isId(gid) ? decoded(c.getgrgid(gid), groupEntry) : undefined;
}

/** getgrouplist(3): the primary gid first, then every supplementary group of `name`. */
export function nssGroupList(name: string, gid: number): number[] | undefined {
  const c = libc();
  if (!c || name.includes("\0")) return undefined;
  const cName = cString(name);
  let capacity = 64;
  for (let attempt = 0; attempt < 4; attempt++) {
    const groups = new Uint32Array(capacity);
    const count = new Int32Array([capacity]);
    const rc = c.getgrouplist(cName, gid >>> 0, new Uint8Array(groups.buffer), new Uint8Array(count.buffer));
    if (rc >= 0) return [...groups.subarray(0, count[0])];
    // Too small: the call reported how many groups there are.
    capacity = Math.max(count[0], capacity * 2);
  }
  return undefined;
}
