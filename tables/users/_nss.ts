/**
 * Accounts through the C library's name service (NSS: files, LDAP, SSSD, systemd...), over Deno
 * FFI, used where osquery uses it: `users` with `include_remote = 1`, the per-user tables' fallback
 * for a uid missing from /etc/passwd, and the group tables (`groups`, `user_groups`). Plain `users`
 * reads /etc/passwd only, so it never queries directory services.
 *
 * @module
 */
import { cPath as cString, tryLibc as libc } from "../../core/libc.ts";
import type { GroupEntry, PasswdEntry } from "./_lib.ts";

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
  const p = c.getpwnam(cString(name));
  return p === null ? undefined : entry(p);
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
  if (!c) return [];
  const out: GroupEntry[] = [];
  c.setgrent();
  try {
    for (let p = c.getgrent(); p !== null; p = c.getgrent()) out.push(groupEntry(p));
  } finally {
    c.endgrent();
  }
  return out;
}

/** The group NSS resolves for `gid`, if any. */
export function nssGroupByGid(gid: number): GroupEntry | undefined {
  const c = libc();
  if (!c || !Number.isInteger(gid) || gid < 0 || gid > 0xffffffff) return undefined;
  const p = c.getgrgid(gid);
  return p === null ? undefined : groupEntry(p);
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
