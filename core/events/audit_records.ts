/**
 * Linux audit records, parsed and assembled into events — pure code, no kernel access.
 *
 * A record is one kernel message (`audit(1700000000.123:456): key=value ...`), arriving over
 * the audit netlink socket with its type in the netlink header, or one line of an audit log
 * (`type=SYSCALL msg=audit(...): ...`). Records sharing an audit id form an event: a SYSCALL
 * record opens it, CWD/PATH/EXECVE/SOCKADDR/... records join it, and EOE closes it. User,
 * SELinux, AppArmor and seccomp messages are events of one record.
 *
 * Field values are kept as the kernel wrote them (quoted text, bare hex or numbers), exactly as
 * osquery's tokenizer splits them; {@linkcode decodeAuditValue} turns one into text. Malformed
 * input never throws: a record that cannot be read is returned as undefined and skipped.
 *
 * @module
 */

/** Record types osq reads (linux/audit.h). */
export const AUDIT = {
  GET: 1000,
  SET: 1001,
  USER: 1005,
  LOGIN: 1006,
  ADD_RULE: 1011,
  DEL_RULE: 1012,
  LIST_RULES: 1013,
  FIRST_USER_MSG: 1100,
  USER_AVC: 1107,
  LAST_USER_MSG: 1199,
  DAEMON_START: 1200,
  DAEMON_CONFIG: 1203,
  SYSCALL: 1300,
  PATH: 1302,
  CONFIG_CHANGE: 1305,
  SOCKADDR: 1306,
  CWD: 1307,
  EXECVE: 1309,
  OBJ_PID: 1318,
  EOE: 1320,
  MMAP: 1323,
  SECCOMP: 1326,
  PROCTITLE: 1327,
  AVC: 1400,
  SELINUX_ERR: 1401,
  AVC_PATH: 1402,
  FIRST_USER_MSG2: 2100,
  LAST_USER_MSG2: 2999,
} as const;

/** SELinux record types and their names (the labels selinux_events shows). */
export const SELINUX_RECORD_LABELS: ReadonlyMap<number, string> = new Map([
  [1107, "USER_AVC"],
  [1400, "AVC"],
  [1401, "SELINUX_ERR"],
  [1402, "AVC_PATH"],
  [1403, "MAC_POLICY_LOAD"],
  [1404, "MAC_STATUS"],
  [1405, "MAC_CONFIG_CHANGE"],
  [1406, "MAC_UNLBL_ALLOW"],
  [1407, "MAC_CIPSOV4_ADD"],
  [1408, "MAC_CIPSOV4_DEL"],
  [1409, "MAC_MAP_ADD"],
  [1410, "MAC_MAP_DEL"],
  [1411, "MAC_IPSEC_ADDSA"],
  [1412, "MAC_IPSEC_DELSA"],
  [1413, "MAC_IPSEC_ADDSPD"],
  [1414, "MAC_IPSEC_DELSPD"],
  [1415, "MAC_IPSEC_EVENT"],
  [1416, "MAC_UNLBL_STCADD"],
  [1417, "MAC_UNLBL_STCDEL"],
]);

/** Record type names as audit logs spell them, for reading `type=NAME` lines. */
const TYPE_NAMES: ReadonlyMap<string, number> = new Map<string, number>([
  ["USER", 1005],
  ["LOGIN", 1006],
  ["USER_AUTH", 1100],
  ["USER_ACCT", 1101],
  ["USER_MGMT", 1102],
  ["CRED_ACQ", 1103],
  ["CRED_DISP", 1104],
  ["USER_START", 1105],
  ["USER_END", 1106],
  ["USER_AVC", 1107],
  ["USER_CHAUTHTOK", 1108],
  ["USER_ERR", 1109],
  ["CRED_REFR", 1110],
  ["USYS_CONFIG", 1111],
  ["USER_LOGIN", 1112],
  ["USER_LOGOUT", 1113],
  ["ADD_USER", 1114],
  ["DEL_USER", 1115],
  ["ADD_GROUP", 1116],
  ["DEL_GROUP", 1117],
  ["DAC_CHECK", 1118],
  ["CHGRP_ID", 1119],
  ["TEST", 1120],
  ["TRUSTED_APP", 1121],
  ["USER_SELINUX_ERR", 1122],
  ["USER_CMD", 1123],
  ["USER_TTY", 1124],
  ["CHUSER_ID", 1125],
  ["GRP_AUTH", 1126],
  ["SYSTEM_BOOT", 1127],
  ["SYSTEM_SHUTDOWN", 1128],
  ["SYSTEM_RUNLEVEL", 1129],
  ["SERVICE_START", 1130],
  ["SERVICE_STOP", 1131],
  ["DAEMON_START", 1200],
  ["DAEMON_END", 1201],
  ["DAEMON_ABORT", 1202],
  ["DAEMON_CONFIG", 1203],
  ["SYSCALL", 1300],
  ["PATH", 1302],
  ["IPC", 1303],
  ["SOCKETCALL", 1304],
  ["CONFIG_CHANGE", 1305],
  ["SOCKADDR", 1306],
  ["CWD", 1307],
  ["EXECVE", 1309],
  ["IPC_SET_PERM", 1311],
  ["MQ_OPEN", 1312],
  ["MQ_SENDRECV", 1313],
  ["MQ_NOTIFY", 1314],
  ["MQ_GETSETATTR", 1315],
  ["KERNEL_OTHER", 1316],
  ["FD_PAIR", 1317],
  ["OBJ_PID", 1318],
  ["TTY", 1319],
  ["EOE", 1320],
  ["BPRM_FCAPS", 1321],
  ["CAPSET", 1322],
  ["MMAP", 1323],
  ["NETFILTER_PKT", 1324],
  ["NETFILTER_CFG", 1325],
  ["SECCOMP", 1326],
  ["PROCTITLE", 1327],
  ["FEATURE_CHANGE", 1328],
  ["REPLACE", 1329],
  ["KERN_MODULE", 1330],
  ["FANOTIFY", 1331],
  ["TIME_INJOFFSET", 1332],
  ["TIME_ADJNTPVAL", 1333],
  ["BPF", 1334],
  ["EVENT_LISTENER", 1335],
  ["URINGOP", 1336],
  ["OPENAT2", 1337],
  ["DM_CTRL", 1338],
  ["DM_EVENT", 1339],
  ...[...SELINUX_RECORD_LABELS].filter(([n]) => n >= 1400).map(([n, name]) => [name, n] as [string, number]),
  ["ANOM_PROMISCUOUS", 1700],
  ["ANOM_ABEND", 1701],
  ["ANOM_LINK", 1702],
  ["ANOM_CREAT", 1703],
  ["KERNEL", 2000],
]);

/** The record type number for a log's `type=` word (`SYSCALL`, `UNKNOWN[1334]`, `1300`). */
export function auditTypeNumber(name: string): number | undefined {
  const known = TYPE_NAMES.get(name);
  if (known !== undefined) return known;
  const m = /^(?:UNKNOWN\[(\d+)\]|(\d+))$/.exec(name);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** One audit record. */
export interface AuditRecord {
  /** The record type (AUDIT_*). */
  type: number;
  /** The event id shared by an event's records: `<seconds>.<millis>:<serial>`. */
  auditId: string;
  /** Seconds since the epoch from the record's stamp. */
  time: number;
  /** The fields in the order written; values as the kernel wrote them (quotes kept). */
  fields: Map<string, string>;
  /** The whole message text, `audit(...): ...`. */
  raw: string;
}

/**
 * Splits the text after the `): ` preamble into fields the way osquery does: space-separated
 * `key=value` tokens, where a value opening with `"` runs to the next `"` (spaces included) and
 * keeps its quotes. The first occurrence of a key wins.
 */
export function tokenizeAuditFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let key = "";
  let value = "";
  let assigned = false;
  let enclosed = false;
  const emit = () => {
    if (key && !fields.has(key)) fields.set(key, value);
    key = "";
    value = "";
    assigned = false;
    enclosed = false;
  };
  for (const c of text) {
    if ((enclosed && c === '"') || (!enclosed && c === " ")) {
      if (c === '"') value += c;
      emit();
    } else if (assigned) {
      if (c === '"' && value === "") enclosed = true;
      value += c;
    } else if (c === "=") {
      assigned = true;
    } else if (c !== "\n" && c !== "\0") {
      key += c;
    }
  }
  emit();
  return fields;
}

const STAMP = /^audit\((\d+)\.(\d+):(\d+)\):\s?/;

/**
 * Parses one record's message text (`audit(1700000000.123:456): fields...`) of the given type,
 * or undefined when the stamp is missing or malformed.
 */
export function parseAuditMessage(type: number, message: string): AuditRecord | undefined {
  const text = message.replace(/\0+$/, "");
  const m = STAMP.exec(text);
  if (!m) return undefined;
  const fields = tokenizeAuditFields(text.slice(m[0].length));
  return { type, auditId: `${m[1]}.${m[2]}:${m[3]}`, time: Number(m[1]), fields, raw: text };
}

/**
 * Parses one audit log line (`type=SYSCALL msg=audit(...): ...`, as auditd writes
 * /var/log/audit/audit.log), or undefined for anything else.
 */
export function parseAuditLogLine(line: string): AuditRecord | undefined {
  const m = /^(?:node=\S+ )?type=(\S+) msg=(audit\(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const type = auditTypeNumber(m[1]);
  return type === undefined ? undefined : parseAuditMessage(type, m[2]);
}

/** Every record of an audit log text; unreadable lines are skipped. */
export function parseAuditLog(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split("\n")) {
    const record = parseAuditLogLine(line);
    if (record) out.push(record);
  }
  return out;
}

/** A netlink message: its header's type, sequence number and payload. */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Uint8Array;
}

/** Whether a message type carries a text record (not a control reply such as AUDIT_GET). */
export function isRecordType(type: number): boolean {
  return type === AUDIT.USER || type === AUDIT.LOGIN || type >= AUDIT.FIRST_USER_MSG;
}

/**
 * Splits a netlink datagram into messages; a truncated tail is dropped. The kernel writes an
 * audit record's `nlmsg_len` as the length of its text alone (without the 16-byte header),
 * while control replies count the header as netlink does; both are read.
 */
export function splitNetlinkMessages(data: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos + 16 <= data.length) {
    const len = view.getUint32(pos, true);
    const type = view.getUint16(pos + 4, true);
    const record = isRecordType(type);
    const end = record ? Math.min(data.length, pos + 16 + len) : pos + len;
    if ((!record && len < 16) || end > data.length) break;
    out.push({
      type,
      flags: view.getUint16(pos + 6, true),
      seq: view.getUint32(pos + 8, true),
      pid: view.getUint32(pos + 12, true),
      payload: data.subarray(pos + 16, end),
    });
    pos = (end + 3) & ~3;
  }
  return out;
}

const decoder = new TextDecoder();

/** The audit record carried by a netlink message, or undefined if it carries none. */
export function recordFromNetlink(message: NetlinkMessage): AuditRecord | undefined {
  if (message.type < AUDIT.USER || message.type === AUDIT.GET) return undefined;
  if (message.type >= AUDIT.ADD_RULE && message.type <= AUDIT.LIST_RULES) return undefined;
  return parseAuditMessage(message.type, decoder.decode(message.payload));
}

/**
 * A field value as text: a quoted value loses its quotes, a bare even-length hex value is
 * decoded (the kernel hex-encodes text containing spaces, quotes or control bytes), anything
 * else is returned as written.
 */
export function decodeAuditValue(value: string): string {
  if (value.length > 1 && value[0] === '"') {
    return value.endsWith('"') ? value.slice(1, -1) : value.slice(1);
  }
  if (value.length === 0 || value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return value;
  const bytes = new Uint8Array(value.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16);
  return decoder.decode(bytes);
}

/** An unsigned integer field (base 10 unless told), or undefined when absent or not a number. */
export function auditInteger(fields: Map<string, string>, name: string, base = 10): number | undefined {
  const v = fields.get(name);
  if (v === undefined) return undefined;
  const digits = base === 16 ? v.replace(/^0x/i, "") : v;
  if (!(base === 16 ? /^[0-9a-fA-F]+$/ : /^-?\d+$/).test(digits)) return undefined;
  const n = parseInt(digits, base);
  return Number.isFinite(n) ? n : undefined;
}

/** The command line of an EXECVE record: the arguments in order, decoded, joined by spaces. */
export function execveCommandLine(fields: Map<string, string>): string {
  const argc = auditInteger(fields, "argc");
  const args: string[] = [];
  // Long arguments are split by the kernel as aN_len=... aN[0]=... aN[1]=...
  for (let i = 0; argc === undefined ? fields.has(`a${i}`) || fields.has(`a${i}[0]`) : i < argc; i++) {
    const whole = fields.get(`a${i}`);
    if (whole !== undefined) {
      args.push(decodeAuditValue(whole));
      continue;
    }
    let part = "";
    for (let j = 0; fields.has(`a${i}[${j}]`); j++) part += decodeAuditValue(fields.get(`a${i}[${j}]`)!);
    if (!part && !fields.has(`a${i}[0]`)) break;
    args.push(part);
  }
  return args.join(" ");
}

/** What kind of event a group of records forms. */
export type AuditEventKind = "user" | "syscall" | "selinux" | "apparmor" | "seccomp";

/** An assembled audit event. */
export interface AuditEvent {
  kind: AuditEventKind;
  /** For syscall events: the syscall number. */
  syscall?: number;
  /** For syscall events: whether it succeeded (`success=yes`, or no success field). */
  success?: boolean;
  /** The records, SYSCALL first for syscall events. */
  records: AuditRecord[];
}

/** The first record of a type in an event. */
export function eventRecord(event: AuditEvent, type: number): AuditRecord | undefined {
  return event.records.find((r) => r.type === type);
}

/** Whether a record is a user-space message (the user_events kind). */
export function isUserRecord(type: number): boolean {
  return type >= AUDIT.FIRST_USER_MSG && type <= AUDIT.LAST_USER_MSG;
}

/** Whether a record is an AppArmor message (an AVC naming `apparmor=`). */
export function isAppArmorRecord(record: AuditRecord): boolean {
  return record.type === AUDIT.AVC && record.raw.includes("apparmor=");
}

/** Whether a record is a SELinux message (not AppArmor's). */
export function isSELinuxRecord(record: AuditRecord): boolean {
  return SELINUX_RECORD_LABELS.has(record.type) && !record.raw.includes("apparmor=");
}

const REQUIRED_SYSCALL_FIELDS = ["pid", "ppid", "uid", "auid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid"];

/** Options for {@linkcode AuditAssembler}. */
export interface AuditAssemblerOptions {
  /** Syscalls kept even when they fail (socket calls: a non-blocking connect "fails"). */
  syscallsAllowedToFail?: ReadonlySet<number>;
  /**
   * The process whose own syscalls are dropped (the agent itself, whose reads of the audit
   * socket and /proc would otherwise feed back). osquery drops by executable path; osq runs on
   * the shared deno binary, so it drops by process id instead of hiding every Deno program.
   */
  ownPid?: number;
  /** Seconds after which an event without its EOE is dropped. */
  maxAge?: number;
}

/**
 * Groups records into events by audit id, as osquery's publisher does: a SYSCALL record opens
 * an event (malformed ones — no exe, syscall or ids — are dropped, as are failed calls other
 * than those allowed to fail), later records join it, EOE completes it. Single-record kinds
 * complete at once. Open events older than `maxAge` seconds (by record time) are dropped.
 */
export class AuditAssembler {
  readonly #open = new Map<string, AuditEvent>();
  readonly #allowedToFail: ReadonlySet<number>;
  readonly #ownPid: number | undefined;
  readonly #maxAge: number;
  #newest = 0;

  constructor(options: AuditAssemblerOptions = {}) {
    this.#allowedToFail = options.syscallsAllowedToFail ?? new Set();
    this.#ownPid = options.ownPid;
    this.#maxAge = options.maxAge ?? 300;
  }

  /** Events still waiting for their EOE. */
  get pending(): number {
    return this.#open.size;
  }

  /** Adds one record; returns the events it completes. */
  push(record: AuditRecord): AuditEvent[] {
    const done: AuditEvent[] = [];
    if (isUserRecord(record.type)) {
      done.push({ kind: "user", records: [record] });
    } else if (SELINUX_RECORD_LABELS.has(record.type)) {
      if (!record.fields.has("apparmor")) done.push({ kind: "selinux", records: [record] });
      else if (decodeAuditValue(record.fields.get("apparmor") ?? "")) {
        done.push({ kind: "apparmor", records: [record] });
      }
    } else if (record.type === AUDIT.SECCOMP) {
      done.push({ kind: "seccomp", records: [record] });
    } else if (record.type === AUDIT.SYSCALL) {
      this.#open.delete(record.auditId);
      const event = this.#openSyscall(record);
      if (event) this.#open.set(record.auditId, event);
    } else if (record.type === AUDIT.EOE) {
      const event = this.#open.get(record.auditId);
      if (event) {
        this.#open.delete(record.auditId);
        done.push(event);
      }
    } else {
      this.#open.get(record.auditId)?.records.push(record);
    }
    if (record.time > this.#newest) {
      this.#newest = record.time;
      this.#prune();
    }
    return done;
  }

  /** Completes every open event (for audit logs, where auditd leaves EOE records out). */
  flush(): AuditEvent[] {
    const events = [...this.#open.values()];
    this.#open.clear();
    return events;
  }

  #openSyscall(record: AuditRecord): AuditEvent | undefined {
    const f = record.fields;
    const exe = f.get("exe");
    const syscall = auditInteger(f, "syscall");
    if (exe === undefined || syscall === undefined) return undefined;
    const success = (f.get("success") ?? "yes") === "yes";
    if (!success && !this.#allowedToFail.has(syscall)) return undefined;
    if (REQUIRED_SYSCALL_FIELDS.some((name) => auditInteger(f, name) === undefined)) return undefined;
    if (this.#ownPid !== undefined && auditInteger(f, "pid") === this.#ownPid) return undefined;
    return { kind: "syscall", syscall, success, records: [record] };
  }

  #prune(): void {
    for (const [id, event] of this.#open) {
      if (this.#newest - event.records[0].time >= this.#maxAge) this.#open.delete(id);
    }
  }
}

/** Assembles a whole audit log's text into events (open events are completed at the end). */
export function auditLogEvents(text: string, options: AuditAssemblerOptions = {}): AuditEvent[] {
  const assembler = new AuditAssembler(options);
  const events: AuditEvent[] = [];
  for (const record of parseAuditLog(text)) events.push(...assembler.push(record));
  events.push(...assembler.flush());
  return events;
}
