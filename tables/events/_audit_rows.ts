/**
 * The rows osquery's audit-based event tables make from assembled audit events — pure
 * functions, tested on recorded audit records. The tables add `time`, `eid` and, for
 * process_events, the executable's file times.
 *
 * Where osquery passes a field through as the kernel wrote it, so do these, with three
 * deliberate exceptions: process_events `cwd` and seccomp `comm`/`exe` are decoded text (osquery
 * keeps the quotes or the hex), EXECVE arguments are joined in argument order (osquery sorts the
 * names as text, so a10 comes before a2), and seccomp's action is named from its action bits.
 *
 * @module
 */
import type { Row } from "../../core/table.ts";
import {
  AUDIT,
  type AuditEvent,
  auditInteger,
  type AuditRecord,
  decodeAuditValue,
  eventRecord,
  execveCommandLine,
  SELINUX_RECORD_LABELS,
} from "../../core/events/audit_records.ts";
import type { SyscallNumbers } from "../../core/events/audit.ts";
import type { FileChange } from "../../core/events/audit_fim.ts";
import { x86_64SyscallName } from "../../core/events/audit_syscalls.ts";
import { octalMode } from "../../core/host/statx.ts";
import { systemUptime } from "../../core/host/uptime.ts";
import { EAGAIN, EINPROGRESS } from "../../core/host/libc.ts";

const CLONE_PARENT = 0x8000;
const CLONE_THREAD = 0x10000;
const ID_FIELDS = ["auid", "uid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid"] as const;

function field(record: AuditRecord | undefined, name: string, fallback = ""): string {
  return record?.fields.get(name) ?? fallback;
}

/**
 * The process_events row of a syscall event: execve/execveat (with cwd, command line and the
 * executable's mode and owner from the first PATH record), fork/vfork/clone (thread clones are
 * skipped) and kill/tkill/tgkill. Undefined for any other event or a malformed one.
 */
export function processEventRow(event: AuditEvent, nr: SyscallNumbers, uptime = systemUptime()): Row | undefined {
  if (event.kind !== "syscall" || !event.success || event.syscall === undefined) return undefined;
  const syscall = event.syscall;
  const exec = syscall === nr.execve || syscall === nr.execveat;
  const fork = syscall === nr.clone || syscall === nr.fork || syscall === nr.vfork;
  const kill = syscall === nr.kill || syscall === nr.tkill || syscall === nr.tgkill;
  if (!exec && !fork && !kill) return undefined;
  const sys = eventRecord(event, AUDIT.SYSCALL);
  if (!sys) return undefined;
  const cloneFlags = syscall === nr.clone ? auditInteger(sys.fields, "a0", 16) ?? 0 : 0;
  if (cloneFlags & CLONE_THREAD) return undefined;

  const row: Row = { uptime };
  for (const name of ID_FIELDS) row[name] = field(sys, name, "0");
  const names = new Map<number, string>([
    [nr.execve, "execve"],
    [nr.execveat, "execveat"],
    [nr.clone, "clone"],
    [nr.kill, "kill"],
    [nr.tkill, "tkill"],
    [nr.tgkill, "tgkill"],
  ]);
  if (nr.fork !== undefined) names.set(nr.fork, "fork");
  if (nr.vfork !== undefined) names.set(nr.vfork, "vfork");
  row.syscall = names.get(syscall) ?? String(syscall);
  row.path = decodeAuditValue(field(sys, "exe"));
  if (syscall === nr.fork || syscall === nr.vfork) {
    // The new process is the call's return value; the caller is its parent.
    row.parent = field(sys, "pid", "0");
    row.pid = field(sys, "exit", "0");
  } else if (syscall === nr.clone) {
    row.pid = field(sys, "exit", "0");
    row.parent = field(sys, cloneFlags & CLONE_PARENT ? "ppid" : "pid", "0");
  } else {
    row.parent = field(sys, "ppid", "0");
    row.pid = field(sys, "pid", "0");
  }
  row.overflows = "";
  row.env = "";
  row.env_size = 0;
  row.env_count = 0;
  if (exec) {
    const cwd = eventRecord(event, AUDIT.CWD);
    const execve = eventRecord(event, AUDIT.EXECVE);
    const path = eventRecord(event, AUDIT.PATH);
    if (!cwd || !execve || !path) return undefined;
    row.cwd = decodeAuditValue(field(cwd, "cwd"));
    const cmdline = execveCommandLine(execve.fields);
    row.cmdline = cmdline;
    row.cmdline_size = new TextEncoder().encode(cmdline).length;
    row.mode = field(path, "mode");
    row.owner_uid = field(path, "ouid", "0");
    row.owner_gid = field(path, "ogid", "0");
  } else if (fork) {
    row.owner_uid = "0";
    row.owner_gid = "0";
  }
  return row;
}

/**
 * osquery's file columns for a process_events row: the mode (when the records gave none),
 * btime 0 and the access, modification and change times; zeros when the file cannot be read.
 */
export function executableFileColumns(path: string, mode: unknown): Row {
  try {
    const st = Deno.statSync(path);
    const seconds = (d: Date | null) => d ? Math.floor(d.getTime() / 1000) : 0;
    const row: Row = {
      btime: 0,
      atime: seconds(st.atime),
      mtime: seconds(st.mtime),
      ctime: seconds(st.ctime),
    };
    if (!mode && st.mode !== null) row.mode = octalMode(st.mode);
    return row;
  } catch {
    return { atime: 0, mtime: 0, ctime: 0 };
  }
}

/**
 * The process_file_events row of a change the FIM tracker reported: the operation and paths,
 * and the process's ids and executable as its SYSCALL record gives them (ids as text, as osquery).
 */
export function processFileEventRow(change: FileChange, uptime = systemUptime()): Row {
  const sys = change.syscall;
  const row: Row = {
    operation: change.operation,
    pid: change.pid,
    ppid: auditInteger(sys.fields, "ppid") ?? 0,
    executable: decodeAuditValue(field(sys, "exe")),
    partial: "false",
    cwd: change.cwd,
    path: change.path,
    uptime,
  };
  for (const name of ID_FIELDS) row[name] = field(sys, name);
  if (change.dest !== undefined) row.dest_path = change.dest;
  return row;
}

/** Flags that shape socket_events. */
export interface SocketEventOptions {
  allowFailed: boolean;
  allowUnix: boolean;
  allowAccept: boolean;
  allowNullAccept: boolean;
}

function hexByte(hex: string, at: number): number {
  const n = parseInt(hex.slice(at, at + 2), 16);
  return Number.isNaN(n) ? 0 : n;
}

/**
 * Decodes a SOCKADDR record's `saddr` hex (a struct sockaddr as bytes) into socket_events
 * columns: family, address and port (local for bind, remote otherwise) or, for UNIX sockets,
 * the path. Undefined for families osquery does not report.
 */
export function decodeSockaddr(saddr: string, bind: boolean): Row | undefined {
  if (saddr.length < 4 || !/^[0-9A-Fa-f]+$/.test(saddr)) return undefined;
  const hex = saddr.toUpperCase();
  // sa_family is little-endian: "0200" is AF_INET, "0A00" AF_INET6, "0100" AF_UNIX.
  const family = hexByte(hex, 0) | (hexByte(hex, 2) << 8);
  const addressColumn = bind ? "local_address" : "remote_address";
  const portColumn = bind ? "local_port" : "remote_port";
  if (family === 2) {
    if (hex.length < 16) return undefined;
    const port = parseInt(hex.slice(4, 8), 16);
    const address = [8, 10, 12, 14].map((i) => hexByte(hex, i)).join(".");
    return { family: 2, [portColumn]: port, [addressColumn]: address };
  }
  if (family === 10) {
    if (hex.length < 48) return undefined;
    const port = parseInt(hex.slice(4, 8), 16);
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(hex.slice(16 + i * 4, 20 + i * 4).toLowerCase());
    return { family: 10, [portColumn]: port, [addressColumn]: groups.join(":") };
  }
  if (family === 1 && hex.length > 6) {
    // A leading NUL marks an abstract socket name.
    let begin = hex.startsWith("00", 4) ? 6 : 4;
    const bytes: number[] = [];
    for (; begin + 2 <= hex.length; begin += 2) {
      const b = hexByte(hex, begin);
      if (b === 0) break;
      bytes.push(b);
    }
    return { family: 1, socket: new TextDecoder().decode(new Uint8Array(bytes)) };
  }
  return undefined;
}

/**
 * The socket_events row of a bind/connect/accept event, with osquery's status rules: a failed
 * connect returning EINPROGRESS is `in_progress`, a failed non-blocking accept returning EAGAIN
 * is `no_client` (only with its flag), other failures appear only with
 * `--audit_allow_failed_socket_events`. NETLINK sockets and (unless allowed) UNIX sockets are
 * skipped.
 */
export function socketEventRow(
  event: AuditEvent,
  nr: SyscallNumbers,
  options: SocketEventOptions,
  uptime = systemUptime(),
): Row | undefined {
  if (event.kind !== "syscall" || event.syscall === undefined) return undefined;
  const syscall = event.syscall;
  const accept = syscall === nr.accept || syscall === nr.accept4;
  const action = syscall === nr.bind ? "bind" : syscall === nr.connect ? "connect" : accept ? "accept" : undefined;
  if (!action || (accept && !options.allowAccept)) return undefined;
  const sys = eventRecord(event, AUDIT.SYSCALL);
  if (!sys) return undefined;
  let status = event.success ? "succeeded" : "failed";
  if (!event.success && (syscall === nr.connect || accept)) {
    const exit = Number(sys.fields.get("exit"));
    if (!Number.isInteger(exit)) return undefined;
    if (syscall === nr.connect && exit === -EINPROGRESS) status = "in_progress";
    if (accept && exit === -EAGAIN && options.allowNullAccept) status = "no_client";
  }
  if (status === "failed" && !options.allowFailed) return undefined;
  const saddr = field(eventRecord(event, AUDIT.SOCKADDR), "saddr");
  if (saddr.length < 4 || saddr.startsWith("10")) return undefined; // none, or AF_NETLINK
  const address = decodeSockaddr(saddr, action === "bind");
  if (!address || (address.family === 1 && !options.allowUnix)) return undefined;
  return {
    action,
    auid: field(sys, "auid"),
    pid: field(sys, "pid"),
    path: decodeAuditValue(field(sys, "exe")),
    fd: field(sys, "a0"),
    uptime,
    protocol: 0,
    local_port: 0,
    remote_port: 0,
    ...address,
    status,
    success: status === "failed" ? 0 : 1,
  };
}

/** The user_events row of a user-space message (logins, PAM, sudo, ...). */
export function userEventRow(record: AuditRecord, uptime = systemUptime()): Row {
  const message = field(record, "msg");
  return {
    uptime,
    type: record.type,
    uid: field(record, "uid"),
    pid: field(record, "pid"),
    auid: field(record, "auid"),
    terminal: field(record, "terminal"),
    address: field(record, "addr"),
    path: decodeAuditValue(field(record, "exe")),
    // osquery drops the quote that opens msg='...'.
    message: message.length > 1 ? message.slice(1) : undefined,
  };
}

/** The selinux_events row of a SELinux record: its type name and whole message. */
export function selinuxEventRow(record: AuditRecord, uptime = systemUptime()): Row {
  return { type: SELINUX_RECORD_LABELS.get(record.type) ?? String(record.type), message: record.raw, uptime };
}

const APPARMOR_TEXT = [
  "apparmor",
  "operation",
  "profile",
  "name",
  "comm",
  "denied_mask",
  "capname",
  "requested_mask",
  "info",
  "error",
  "namespace",
  "label",
];
const APPARMOR_NUMBERS = ["parent", "pid", "capability", "fsuid", "ouid"];

/** The apparmor_events row of an AppArmor AVC record. */
export function apparmorEventRow(record: AuditRecord, uptime = systemUptime()): Row | undefined {
  const row: Row = { type: record.type === AUDIT.AVC ? "AA" : String(record.type), message: record.raw, uptime };
  for (const name of APPARMOR_TEXT) row[name] = decodeAuditValue(field(record, name));
  for (const name of APPARMOR_NUMBERS) row[name] = auditInteger(record.fields, name) ?? 0;
  return row.apparmor ? row : undefined;
}

const ARCH_NAMES = new Map<number, string>([
  [0xc000003e, "X86_64"],
  [0xc00000b7, "AARCH64"],
  [0xc0009026, "ALPHA"],
  [0x40000028, "ARM"],
  [0x28, "ARMEB"],
  [0x4000004c, "CRIS"],
  [0x5441, "FRV"],
  [0x40000003, "I386"],
  [0xc0000032, "IA64"],
  [0x58, "M32R"],
  [0x4, "M68K"],
  [0xbd, "MICROBLAZE"],
  [0x8, "MIPS"],
  [0x40000008, "MIPSEL"],
  [0x80000008, "MIPS64"],
  [0xa0000008, "MIPS64N32"],
  [0xc0000008, "MIPSEL64"],
  [0xe0000008, "MIPSEL64N32"],
  [0x5c, "OPENRISC"],
  [0xf, "PARISC"],
  [0x8000000f, "PARISC64"],
  [0x14, "PPC"],
  [0x80000015, "PPC64"],
  [0xc0000015, "PPC64LE"],
  [0x16, "S390"],
  [0x80000016, "S390X"],
  [0x2a, "SH"],
  [0x4000002a, "SHEL"],
  [0x8000002a, "SH64"],
  [0xc000002a, "SHEL64"],
  [0x2, "SPARC"],
  [0x8000002b, "SPARC64"],
  [0xc00000bf, "TILEGX"],
  [0x400000bf, "TILEGX32"],
  [0x400000bc, "TILEPRO"],
]);
const AUDIT_ARCH_X86_64 = 0xc000003e;

const SECCOMP_ACTIONS = new Map<number, string>([
  [0x80000000, "KILL_PROCESS"],
  [0x00000000, "KILL_THREAD"],
  [0x00030000, "TRAP"],
  [0x00050000, "ERRNO"],
  [0x7ff00000, "TRACE"],
  [0x7ffc0000, "LOG"],
  [0x7fff0000, "ALLOW"],
]);

/** The seccomp_events row of a SECCOMP record, with arch, syscall (x86_64) and action named. */
export function seccompEventRow(record: AuditRecord, uptime = systemUptime()): Row {
  const f = record.fields;
  const row: Row = { uptime };
  for (const name of ["auid", "uid", "gid", "ses", "pid", "sig", "compat"]) row[name] = auditInteger(f, name) ?? 0;
  row.comm = decodeAuditValue(field(record, "comm"));
  row.exe = decodeAuditValue(field(record, "exe"));
  row.ip = field(record, "ip");
  const arch = auditInteger(f, "arch", 16) ?? 0;
  row.arch = ARCH_NAMES.get(arch) ?? `${arch}(unknown)`;
  const syscall = auditInteger(f, "syscall") ?? 0;
  row.syscall = arch === AUDIT_ARCH_X86_64 ? x86_64SyscallName(syscall) ?? `${syscall}(unknown)` : String(syscall);
  const code = auditInteger(f, "code", 16) ?? 0;
  // SECCOMP_RET_ACTION_FULL: the low 16 bits carry the action's data (an errno, a trace tag).
  const action = (code & 0xffff0000) >>> 0;
  row.code = SECCOMP_ACTIONS.get(action) ?? `${code}(unknown)`;
  return row;
}
