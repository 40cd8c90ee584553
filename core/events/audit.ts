/**
 * The audit publisher: the kernel's audit records over a NETLINK_AUDIT socket, assembled into
 * events for process_events, socket_events, user_events, process_file_events, selinux_events,
 * apparmor_events and seccomp_events.
 *
 * Like osquery it is off unless `--disable_audit=false`. It then registers itself as the
 * kernel's audit daemon (which needs CAP_AUDIT_CONTROL and no auditd running); with
 * `--audit_allow_config` it also enables auditing, sets the backlog, and installs one exit rule
 * for the syscalls the enabled tables need. On stop it removes the rules it installed and puts
 * back the status it found.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import {
  EAGAIN,
  errno,
  lastErrorMessage,
  libc,
  MSG_DONTWAIT,
  openNetlinkSocket,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOCK_RAW,
  SOL_SOCKET,
  waitReadable,
} from "../host/libc.ts";
import type { EventPublisher } from "./system.ts";
import { patternToRegExp } from "./inotify.ts";
import {
  AUDIT,
  AuditAssembler,
  type AuditEvent,
  type NetlinkMessage,
  recordFromNetlink,
  splitNetlinkMessages,
} from "./audit_records.ts";

defineFlag({
  name: "disable_audit",
  type: "bool",
  default: true,
  description: "Disable receiving events from the audit subsystem",
});
defineFlag({
  name: "audit_allow_config",
  type: "bool",
  default: false,
  description: "Allow the audit publisher to enable auditing and install its syscall rules",
});
defineFlag({
  name: "audit_persist",
  type: "bool",
  default: true,
  description: "Take back the audit socket when another process claims it",
});
defineFlag({
  name: "audit_backlog_limit",
  type: "int32",
  default: 4096,
  description: "The kernel's audit backlog limit (set with --audit_allow_config)",
});
defineFlag({
  name: "audit_backlog_wait_time",
  type: "int32",
  default: 0,
  description: "The kernel's audit backlog wait time (set with --audit_allow_config)",
});
defineFlag({
  name: "audit_force_reconfigure",
  type: "bool",
  default: false,
  description: "Remove every audit rule before installing osq's (with --audit_allow_config)",
});
defineFlag({
  name: "audit_force_unconfigure",
  type: "bool",
  default: false,
  description: "On exit remove osq's audit rules even if they existed before it started",
});
defineFlag({
  name: "audit_allow_process_events",
  type: "bool",
  default: true,
  description: "Audit execve/execveat for process_events",
});
defineFlag({
  name: "audit_allow_fork_process_events",
  type: "bool",
  default: false,
  description: "Also audit fork, vfork and clone for process_events",
});
defineFlag({
  name: "audit_allow_kill_process_events",
  type: "bool",
  default: false,
  description: "Also audit kill, tkill and tgkill for process_events",
});
defineFlag({
  name: "audit_allow_sockets",
  type: "bool",
  default: false,
  description: "Audit bind, connect and accept for socket_events",
});
defineFlag({
  name: "audit_allow_unix",
  type: "bool",
  default: false,
  hidden: true,
  description: "Include UNIX domain sockets in socket_events",
});
defineFlag({
  name: "audit_allow_failed_socket_events",
  type: "bool",
  default: false,
  description: "Include failed socket calls in socket_events",
});
defineFlag({
  name: "audit_allow_accept_socket_events",
  type: "bool",
  default: true,
  description: "Include accept and accept4 in socket_events",
});
defineFlag({
  name: "audit_allow_null_accept_socket_events",
  type: "bool",
  default: false,
  description: "Include non-blocking accept calls that found no client (EAGAIN) in socket_events",
});
defineFlag({
  name: "audit_allow_user_events",
  type: "bool",
  default: true,
  description: "Record user-space audit messages (logins, PAM, sudo) in user_events",
});
defineFlag({
  name: "audit_allow_fim_events",
  type: "bool",
  default: false,
  description: "Audit file syscalls for process_file_events",
});
defineFlag({
  name: "audit_fim_show_accesses",
  type: "bool",
  default: false,
  hidden: true,
  description: "Also report opens, reads and closes in process_file_events (not only changes)",
});
defineFlag({
  name: "audit_allow_selinux_events",
  type: "bool",
  default: false,
  description: "Record SELinux audit messages in selinux_events",
});
defineFlag({
  name: "audit_allow_apparmor_events",
  type: "bool",
  default: false,
  description: "Record AppArmor audit messages in apparmor_events",
});
defineFlag({
  name: "audit_allow_seccomp_events",
  type: "bool",
  default: false,
  description: "Record seccomp audit messages in seccomp_events",
});

/** Syscall numbers of the host architecture that the audit tables interpret. */
export interface SyscallNumbers {
  execve: number;
  execveat: number;
  clone: number;
  fork?: number;
  vfork?: number;
  kill: number;
  tkill: number;
  tgkill: number;
  bind: number;
  connect: number;
  accept?: number;
  accept4: number;
  /** File syscalls process_file_events follows. */
  file: Record<string, number>;
}

const X86_64: SyscallNumbers = {
  execve: 59,
  execveat: 322,
  clone: 56,
  fork: 57,
  vfork: 58,
  kill: 62,
  tkill: 200,
  tgkill: 234,
  bind: 49,
  connect: 42,
  accept: 43,
  accept4: 288,
  file: {
    read: 0,
    write: 1,
    open: 2,
    close: 3,
    mmap: 9,
    pread64: 17,
    pwrite64: 18,
    readv: 19,
    writev: 20,
    dup: 32,
    dup2: 33,
    truncate: 76,
    ftruncate: 77,
    rename: 82,
    creat: 85,
    link: 86,
    unlink: 87,
    symlink: 88,
    mknod: 133,
    openat: 257,
    mknodat: 259,
    unlinkat: 263,
    renameat: 264,
    linkat: 265,
    symlinkat: 266,
    preadv: 295,
    pwritev: 296,
    dup3: 292,
    name_to_handle_at: 303,
    open_by_handle_at: 304,
    renameat2: 316,
  },
};

const AARCH64: SyscallNumbers = {
  execve: 221,
  execveat: 281,
  clone: 220,
  kill: 129,
  tkill: 130,
  tgkill: 131,
  bind: 200,
  connect: 203,
  accept: 202,
  accept4: 242,
  file: {
    dup: 23,
    dup3: 24,
    mknodat: 33,
    unlinkat: 35,
    symlinkat: 36,
    linkat: 37,
    renameat: 38,
    truncate: 45,
    ftruncate: 46,
    openat: 56,
    close: 57,
    read: 63,
    write: 64,
    readv: 65,
    writev: 66,
    pread64: 67,
    pwrite64: 68,
    preadv: 69,
    pwritev: 70,
    mmap: 222,
    name_to_handle_at: 264,
    open_by_handle_at: 265,
    renameat2: 276,
  },
};

/** The host's syscall numbers. */
export const SYSCALLS: SyscallNumbers = Deno.build.arch === "aarch64" ? AARCH64 : X86_64;

/** The socket syscalls socket_events follows (accepts only with --audit_allow_accept_socket_events). */
export function socketSyscalls(allowAccept = flags.bool("audit_allow_accept_socket_events")): Set<number> {
  const set = new Set([SYSCALLS.bind, SYSCALLS.connect]);
  if (allowAccept) {
    if (SYSCALLS.accept !== undefined) set.add(SYSCALLS.accept);
    set.add(SYSCALLS.accept4);
  }
  return set;
}

/** True when the flags turn the audit publisher on (osquery's rule). */
export function auditEnabled(): boolean {
  if (flags.bool("disable_audit")) return false;
  return [
    "audit_allow_fim_events",
    "audit_allow_process_events",
    "audit_allow_sockets",
    "audit_allow_user_events",
    "audit_allow_selinux_events",
    "audit_allow_kill_process_events",
    "audit_allow_apparmor_events",
    "audit_allow_seccomp_events",
  ].some((name) => flags.bool(name));
}

/** The syscalls osq's audit rule covers under the current flags. */
export function ruleSyscalls(): number[] {
  const set = new Set<number>();
  if (flags.bool("audit_allow_sockets")) { for (const n of socketSyscalls()) set.add(n); }
  if (flags.bool("audit_allow_process_events")) {
    set.add(SYSCALLS.execve).add(SYSCALLS.execveat);
    if (flags.bool("audit_allow_fork_process_events")) {
      for (const n of [SYSCALLS.clone, SYSCALLS.fork, SYSCALLS.vfork]) if (n !== undefined) set.add(n);
    }
    if (flags.bool("audit_allow_kill_process_events")) {
      set.add(SYSCALLS.kill).add(SYSCALLS.tkill).add(SYSCALLS.tgkill);
    }
  }
  if (flags.bool("audit_allow_fim_events")) {
    for (const n of Object.values(SYSCALLS.file)) set.add(n);
    set.add(SYSCALLS.clone);
    if (SYSCALLS.fork !== undefined) set.add(SYSCALLS.fork);
    if (SYSCALLS.vfork !== undefined) set.add(SYSCALLS.vfork);
  }
  return [...set].sort((a, b) => a - b);
}

// struct audit_rule_data: flags, action, field_count, mask[64], fields[64], values[64],
// fieldflags[64], buflen, buf[].
const RULE_SIZE = 12 + 64 * 4 * 4 + 4;
const AUDIT_FILTER_EXIT = 0x04;
const AUDIT_ALWAYS = 2;

/** The AUDIT_ADD_RULE/AUDIT_DEL_RULE payload: always audit these syscalls at exit. */
export function encodeSyscallRule(syscalls: readonly number[]): Uint8Array<ArrayBuffer> {
  const rule = new Uint8Array(new ArrayBuffer(RULE_SIZE));
  const view = new DataView(rule.buffer);
  view.setUint32(0, AUDIT_FILTER_EXIT, true);
  view.setUint32(4, AUDIT_ALWAYS, true);
  for (const nr of syscalls) {
    const word = 12 + Math.floor(nr / 32) * 4;
    view.setUint32(word, (view.getUint32(word, true) | (1 << (nr % 32))) >>> 0, true);
  }
  return rule;
}

/** The kernel's audit status (struct audit_status). */
export interface AuditStatus {
  enabled: number;
  failure: number;
  pid: number;
  rateLimit: number;
  backlogLimit: number;
  lost: number;
  backlog: number;
  backlogWaitTime: number;
}

/** Reads an AUDIT_GET reply's payload. */
export function decodeAuditStatus(payload: Uint8Array): AuditStatus | undefined {
  if (payload.length < 32) return undefined;
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    enabled: v.getUint32(4, true),
    failure: v.getUint32(8, true),
    pid: v.getUint32(12, true),
    rateLimit: v.getUint32(16, true),
    backlogLimit: v.getUint32(20, true),
    lost: v.getUint32(24, true),
    backlog: v.getUint32(28, true),
    backlogWaitTime: payload.length >= 40 ? v.getUint32(36, true) : 0,
  };
}

const STATUS_ENABLED = 0x1;
const STATUS_FAILURE = 0x2;
const STATUS_PID = 0x4;
const STATUS_BACKLOG_LIMIT = 0x10;
const STATUS_BACKLOG_WAIT_TIME = 0x20;

function encodeStatus(mask: number, values: Partial<AuditStatus>): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(40));
  const v = new DataView(out.buffer);
  v.setUint32(0, mask, true);
  v.setUint32(4, values.enabled ?? 0, true);
  v.setUint32(8, values.failure ?? 0, true);
  v.setUint32(12, values.pid ?? 0, true);
  v.setUint32(20, values.backlogLimit ?? 0, true);
  v.setUint32(36, values.backlogWaitTime ?? 0, true);
  return out;
}

/** A failed audit netlink request, with the kernel's errno. */
export class AuditRequestError extends Error {
  readonly errno: number;
  constructor(message: string, errno: number) {
    super(message);
    this.name = "AuditRequestError";
    this.errno = errno;
  }
}

const NETLINK_AUDIT = 9;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const EPERM = 1;
const EEXIST = 17;
const ENOENT = 2;
const RECEIVE_BUFFER = 8 << 20;
const STATUS_POLL_MS = 10_000;

function errnoName(code: number): string {
  return ({ 1: "EPERM", 13: "EACCES", 17: "EEXIST", 22: "EINVAL", 111: "ECONNREFUSED" } as Record<number, string>)[
    code
  ] ?? `errno ${code}`;
}

/** Reads audit records from the kernel and hands assembled events to listeners. */
export class AuditPublisher implements EventPublisher {
  readonly name = "auditeventpublisher";
  refreshes = 0;
  /** Records read since start. */
  records = 0;
  #fd = -1;
  #seq = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #assembler = new AuditAssembler();
  #initial: AuditStatus | undefined;
  #installedRule: Uint8Array<ArrayBuffer> | undefined;
  #stopping: Promise<void> | undefined;
  #requesting = 0;
  readonly #listeners: ((event: AuditEvent) => void)[] = [];
  #fileMatchers: RegExp[] = [];
  readonly #buf = new Uint8Array(new ArrayBuffer(1 << 16));

  get active(): boolean {
    return this.#running;
  }

  /** Adds a listener called with every completed event. */
  listen(listener: (event: AuditEvent) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Sets the paths process_file_events reports: the config's `file_paths` (category → patterns,
   * `%` one level, `%%` everything below). The daemon calls it whenever the config loads.
   */
  configureFilePaths(filePaths: Record<string, string[]>): void {
    this.#fileMatchers = Object.values(filePaths).flat().map(patternToRegExp);
    this.refreshes++;
  }

  /** Whether a path is under the configured file_paths. */
  watchesFile(path: string): boolean {
    return this.#fileMatchers.some((m) => m.test(path));
  }

  /** Number of configured file_paths patterns. */
  get filePathCount(): number {
    return this.#fileMatchers.length;
  }

  /** A fresh assembler with the current flags (also used by tests). */
  newAssembler(): AuditAssembler {
    return new AuditAssembler({ syscallsAllowedToFail: socketSyscalls(), ownPid: Deno.pid });
  }

  /** Hands events to the listeners (used for netlink input and by tests). */
  dispatch(events: readonly AuditEvent[]): void {
    for (const event of events) {
      for (const l of this.#listeners) {
        try {
          l(event);
        } catch (err) {
          console.error(`W audit subscriber failed: ${(err as Error).message}`);
        }
      }
    }
  }

  /** Handles one netlink datagram: status replies and audit records. */
  handleDatagram(data: Uint8Array): void {
    for (const message of splitNetlinkMessages(data)) this.#handle(message);
  }

  #handle(message: NetlinkMessage): void {
    if (message.type === AUDIT.GET) {
      const status = decodeAuditStatus(message.payload);
      if (status && this.#running && status.pid !== Deno.pid && flags.bool("audit_persist")) {
        console.error(`W Audit control lost to pid ${status.pid}; taking it back (--audit_persist)`);
        this.#send(AUDIT.SET, encodeStatus(STATUS_PID, { pid: Deno.pid }), false);
      }
      return;
    }
    if (message.type === NLMSG_ERROR || message.type < AUDIT.USER) return;
    if (message.type >= AUDIT.DAEMON_START && message.type <= AUDIT.DAEMON_CONFIG) return;
    if (message.type === AUDIT.CONFIG_CHANGE) return;
    const record = recordFromNetlink(message);
    if (!record) return;
    this.records++;
    this.dispatch(this.#assembler.push(record));
  }

  async start(): Promise<void> {
    if (!auditEnabled() || this.#running) return;
    const c = libc();
    const fd = openNetlinkSocket(NETLINK_AUDIT, SOCK_RAW, 0, "the audit netlink socket");
    // Room for bursts (FIM audits every read and write): 8 MiB, beyond rmem_max when root.
    const size = new Uint8Array(new Int32Array([RECEIVE_BUFFER]).buffer);
    if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) !== 0) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
    this.#fd = fd;
    this.#assembler = this.newAssembler();
    try {
      const status = await this.requestStatus();
      this.#initial = status;
      if (status.pid !== 0 && status.pid !== Deno.pid && this.#processExists(status.pid)) {
        throw new Error(
          `The audit socket belongs to pid ${status.pid} (auditd?); stop it to let osq read audit events`,
        );
      }
      await this.#request(AUDIT.SET, encodeStatus(STATUS_PID, { pid: Deno.pid }));
      if (flags.bool("audit_allow_config")) await this.#configure(status);
      else if (status.enabled === 0) {
        console.error("W Auditing is disabled in the kernel; pass --audit_allow_config=true to let osq enable it");
      }
    } catch (err) {
      c.close(fd);
      this.#fd = -1;
      const code = err instanceof AuditRequestError ? err.errno : 0;
      const hint = code === EPERM ? " (osq needs root with CAP_AUDIT_CONTROL in the initial namespaces)" : "";
      throw new Error(`Cannot take the audit socket: ${(err as Error).message}${hint}`);
    }
    this.#running = true;
    this.refreshes++;
    this.#loop = this.#read();
    // A daemon that exits (Deno.exit) before stop() completes still leaves the kernel as found.
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /** Sends AUDIT_GET and waits for the kernel's status (the socket must be open). */
  async requestStatus(): Promise<AuditStatus> {
    const replies = await this.#request(AUDIT.GET, new Uint8Array(new ArrayBuffer(0)), AUDIT.GET);
    const status = replies.length ? decodeAuditStatus(replies[0].payload) : undefined;
    if (!status) throw new AuditRequestError("the kernel sent no audit status", 0);
    return status;
  }

  async #configure(status: AuditStatus): Promise<void> {
    if (status.enabled === 2) {
      console.error("W The audit configuration is immutable (enabled=2); reading without installing rules");
      return;
    }
    const mask = STATUS_ENABLED | STATUS_FAILURE | STATUS_BACKLOG_LIMIT | STATUS_BACKLOG_WAIT_TIME;
    await this.#request(
      AUDIT.SET,
      encodeStatus(mask, {
        enabled: 1,
        failure: 0, // AUDIT_FAIL_SILENT
        backlogLimit: Math.max(0, flags.number("audit_backlog_limit")),
        backlogWaitTime: Math.max(0, flags.number("audit_backlog_wait_time")),
      }),
    );
    if (flags.bool("audit_force_reconfigure")) await this.#deleteAllRules();
    const syscalls = ruleSyscalls();
    if (!syscalls.length) return;
    const rule = encodeSyscallRule(syscalls);
    try {
      await this.#request(AUDIT.ADD_RULE, rule);
      this.#installedRule = rule;
    } catch (err) {
      const code = err instanceof AuditRequestError ? err.errno : 0;
      // An identical rule already installed still delivers our events; remove it only if forced.
      if (flags.bool("audit_force_unconfigure")) this.#installedRule = rule;
      if (code !== EEXIST) {
        console.error(`E Failed to install the audit rule: ${(err as Error).message}; audit tables may miss events`);
      }
    }
  }

  /** The kernel's audit rules (struct audit_rule_data each); the socket must be open. */
  async listRules(): Promise<Uint8Array[]> {
    const replies = await this.#request(AUDIT.LIST_RULES, new Uint8Array(new ArrayBuffer(0)), AUDIT.LIST_RULES, true);
    return replies.map((r) => r.payload.slice());
  }

  async #deleteAllRules(): Promise<void> {
    for (const rule of await this.listRules()) {
      await this.#request(AUDIT.DEL_RULE, rule, undefined, false, [ENOENT]).catch((err) =>
        console.error(`W Could not remove an audit rule: ${(err as Error).message}`)
      );
    }
  }

  #processExists(pid: number): boolean {
    try {
      Deno.statSync(`/proc/${pid}`);
      return true;
    } catch {
      return false;
    }
  }

  #send(type: number, payload: Uint8Array, ack = true): number {
    const seq = ++this.#seq;
    const msg = new Uint8Array(new ArrayBuffer((16 + payload.length + 3) & ~3));
    const v = new DataView(msg.buffer);
    v.setUint32(0, 16 + payload.length, true);
    v.setUint16(4, type, true);
    v.setUint16(6, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0), true);
    v.setUint32(8, seq, true);
    msg.set(payload, 16);
    const n = Number(libc().send(this.#fd, msg, BigInt(msg.length), 0));
    if (n < 0) throw new AuditRequestError(`send failed: ${lastErrorMessage()}`, errno());
    return seq;
  }

  /**
   * Sends a request and waits for its acknowledgement and, when `replyType` is given, the
   * replies of that type (all of them until NLMSG_DONE when `multi`). Records read meanwhile
   * are handled as usual. Under a flood of records the kernel may drop the acknowledgement
   * (the socket buffer is full), so the request is sent up to three times; errors listed in
   * `okErrnos` (EEXIST, ENOENT after a lost acknowledgement) count as success.
   */
  async #request(
    type: number,
    payload: Uint8Array,
    replyType?: number,
    multi = false,
    okErrnos: readonly number[] = [],
  ): Promise<NetlinkMessage[]> {
    // The read loop stands aside meanwhile, so it does not take the replies.
    this.#requesting++;
    try {
      return await this.#exchange(type, payload, replyType, multi, okErrnos);
    } finally {
      this.#requesting--;
    }
  }

  async #exchange(
    type: number,
    payload: Uint8Array,
    replyType: number | undefined,
    multi: boolean,
    okErrnos: readonly number[],
  ): Promise<NetlinkMessage[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const seq = this.#send(type, payload, !multi);
      const replies: NetlinkMessage[] = [];
      let acked = multi;
      let done = replyType === undefined;
      const deadline = Date.now() + 1500;
      while ((!acked || !done) && Date.now() < deadline) {
        if (!await waitReadable(this.#fd, Math.max(1, deadline - Date.now()))) continue;
        for (let i = 0; i < 512 && (!acked || !done); i++) {
          const n = Number(libc().recv(this.#fd, this.#buf, BigInt(this.#buf.length), MSG_DONTWAIT));
          if (n <= 0) break;
          for (const m of splitNetlinkMessages(this.#buf.slice(0, n))) {
            if (m.seq !== seq) {
              this.#handle(m);
            } else if (m.type === NLMSG_ERROR) {
              const code = -new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true);
              if (code !== 0 && !okErrnos.includes(code)) throw new AuditRequestError(errnoName(code), code);
              acked = true;
            } else if (m.type === NLMSG_DONE) {
              done = true;
            } else if (m.type === replyType) {
              replies.push(m);
              if (!multi) done = true;
            }
          }
        }
      }
      if (acked && done) return replies;
    }
    throw new AuditRequestError("the kernel did not answer in time", EAGAIN);
  }

  async #read(): Promise<void> {
    let nextStatus = Date.now() + STATUS_POLL_MS;
    while (this.#running) {
      if (Date.now() >= nextStatus) {
        nextStatus = Date.now() + STATUS_POLL_MS;
        try {
          this.#send(AUDIT.GET, new Uint8Array(new ArrayBuffer(0)), false);
        } catch {
          // ENOBUFS under load: ask again later.
        }
      }
      if (this.#requesting) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (!await waitReadable(this.#fd, 500) || this.#requesting) continue;
      for (let i = 0; i < 256 && this.#running && !this.#requesting; i++) {
        const n = Number(libc().recv(this.#fd, this.#buf, BigInt(this.#buf.length), MSG_DONTWAIT));
        if (n <= 0) break;
        this.handleDatagram(this.#buf.subarray(0, n));
      }
    }
  }

  /**
   * What stop() undoes, in order: pause auditing (the flood stops, so acknowledgements get
   * through), remove our rule, put back the status found at start, give up the socket.
   */
  #restoreSteps(): { type: number; payload: Uint8Array; ok?: number[] }[] {
    const before = this.#initial;
    const configured = flags.bool("audit_allow_config") && before !== undefined && before.enabled !== 2;
    const mask = STATUS_ENABLED | STATUS_FAILURE | STATUS_BACKLOG_LIMIT | STATUS_BACKLOG_WAIT_TIME;
    return [
      ...(configured ? [{ type: AUDIT.SET, payload: encodeStatus(STATUS_ENABLED, { enabled: 0 }) }] : []),
      ...(this.#installedRule ? [{ type: AUDIT.DEL_RULE, payload: this.#installedRule, ok: [ENOENT] }] : []),
      ...(configured ? [{ type: AUDIT.SET, payload: encodeStatus(mask, before) }] : []),
      { type: AUDIT.SET, payload: encodeStatus(STATUS_PID, { pid: 0 }) },
    ];
  }

  /**
   * The exit path: the kernel applies audit requests while they are sent, so the restore is
   * sent without waiting for acknowledgements (a process exiting cannot wait for them).
   */
  readonly #onUnload = (): void => {
    if (this.#fd < 0) return;
    for (const step of this.#restoreSteps()) {
      try {
        this.#send(step.type, step.payload, false);
      } catch {
        // Nothing more can be done while exiting.
      }
    }
    libc().close(this.#fd);
    this.#fd = -1;
  };

  stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => (this.#stopping = undefined));
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.#loop;
    try {
      for (const step of this.#restoreSteps()) await this.#request(step.type, step.payload, undefined, false, step.ok);
    } catch (err) {
      console.error(`W Could not restore the audit configuration: ${(err as Error).message}`);
    }
    this.#installedRule = undefined;
    globalThis.removeEventListener("unload", this.#onUnload);
    libc().close(this.#fd);
    this.#fd = -1;
  }
}
