/**
 * `system_controls`: kernel parameters (sysctls) from /proc/sys, with the values the sysctl
 * configuration files ask for.
 *
 * @module
 */
import { defineTable, OP, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir, readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "system_controls",
  description: "Kernel parameters (sysctls): current values and the values configuration files set.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The dotted sysctl name, e.g. net.ipv4.ip_forward." },
    {
      name: "oid",
      type: "TEXT",
      additional: true,
      description: "The numeric MIB (none on Linux: such lookups find nothing).",
    },
    { name: "subsystem", type: "TEXT", additional: true, description: "The name's first component, e.g. net." },
    { name: "current_value", type: "TEXT", description: "The value the kernel has now." },
    { name: "config_value", type: "TEXT", description: "The value sysctl.conf or a sysctl.d file sets." },
    { name: "type", type: "TEXT", description: "The value's type (always string on Linux)." },
    { name: "field_name", type: "TEXT", linuxHidden: true, description: "The field of an opaque value (macOS only)." },
  ],
  generate(ctx) {
    return systemControlRows(
      new SysctlWalker(ctx.host),
      ctx.equals("name"),
      ctx.valuesOf("oid", OP.EQUALS).map(String),
      ctx.equals("subsystem"),
    );
  },
}));

/** Configuration files in the order osquery reads them: later files override earlier ones. */
const CONFIG_FILES = ["/etc/sysctl.conf"];
const CONFIG_DIRS = ["/run/sysctl.d", "/etc/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];

/** Parses sysctl.conf-style text into `config` (name → value); comments and odd lines are skipped. */
export function parseSysctlConf(text: string, config: Map<string, string>): void {
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line[0] === "#" || line[0] === ";") continue;
    const parts = splitTrim(line, "=");
    if (parts.length === 2) config.set(parts[0], parts[1]);
  }
}

/** The sysctl values `host`'s configuration files set. */
function readSysctlConfig(host: Host): Map<string, string> {
  const config = new Map<string, string>();
  for (const file of CONFIG_FILES) parseSysctlConf(readText(host.path(file)) ?? "", config);
  for (const dir of CONFIG_DIRS) {
    for (const entry of listDir(host.path(dir))) {
      if (entry.name.endsWith(".conf")) parseSysctlConf(readText(host.path(`${dir}/${entry.name}`)) ?? "", config);
    }
  }
  return config;
}

function deviceOf(path: string): number | undefined {
  try {
    return Deno.statSync(path).dev;
  } catch {
    return undefined;
  }
}

/** Walks `host`'s sysctl tree (/proc/sys) for the controls at or below `relative` (slash-separated). */
class SysctlWalker {
  readonly #base: string;
  readonly #config: Map<string, string>;
  readonly #dev: number | undefined;

  constructor(host: Host) {
    this.#base = host.path("/proc/sys");
    this.#config = readSysctlConfig(host);
    this.#dev = deviceOf(this.#base);
  }

  /** Rows for the control or subtree at `relative` ("" for everything). */
  rows(relative: string): Row[] {
    const out: Row[] = [];
    this.#walk(relative, out);
    return out;
  }

  /**
   * The row osquery reports for a `name` that /proc/sys lacks but a configuration file sets (a
   * module not loaded, a key of another kernel): its `config_value`, an empty current value.
   */
  configOnly(name: string): Row | undefined {
    const value = this.#config.get(name);
    if (value === undefined) return undefined;
    // current_value reads '' as osquery's (its row map fills an unset text column with '').
    return { name, subsystem: name.split(".")[0], current_value: "", config_value: value, type: "string" };
  }

  #walk(relative: string, out: Row[]): void {
    const path = relative ? `${this.#base}/${relative}` : this.#base;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch {
      return;
    }
    if (info.isDirectory) this.#walkDirectory(relative, info, out);
    else if (relative) out.push(this.#row(relative));
  }

  /** Directories first, then files, as osquery lists them; files are read without a stat each. */
  #walkDirectory(relative: string, info: Deno.FileInfo, out: Row[]): void {
    // Other filesystems mounted inside /proc/sys (binfmt_misc, often an automount) are not sysctls.
    if (relative && this.#dev !== undefined && info.dev !== this.#dev) return;
    const path = relative ? `${this.#base}/${relative}` : this.#base;
    const entries = listDir(path);
    for (const e of entries) {
      if (!e.isDirectory) continue;
      const child = relative ? `${relative}/${e.name}` : e.name;
      try {
        this.#walkDirectory(child, Deno.statSync(`${this.#base}/${child}`), out);
      } catch {
        // vanished while walking
      }
    }
    for (const e of entries) {
      if (!e.isDirectory) out.push(this.#row(relative ? `${relative}/${e.name}` : e.name));
    }
  }

  #row(relative: string): Row {
    const name = relative.replaceAll("/", ".");
    const value = readText(`${this.#base}/${relative}`);
    return {
      name,
      subsystem: name.split(".")[0],
      current_value: value === undefined ? undefined : value.trim(),
      config_value: this.#config.get(name),
      type: "string",
    };
  }
}

/** The rows for the constraints osquery honours (name, then oid, then subsystem). */
function systemControlRows(walker: SysctlWalker, names: string[], oids: string[], subsystems: string[]): Row[] {
  if (names.length) {
    // A name maps to a path under /proc/sys; anything that could step outside it is no sysctl.
    return names.filter((n) => n && !n.includes("/") && !n.includes("\0")).flatMap((n) => {
      const rows = walker.rows(n.replaceAll(".", "/").replace(/^\/+|\/+$/g, "")).filter((r) => r.name);
      if (rows.length) return rows;
      // Only in a config file: osquery still reports the row. (For a name found nowhere it reports
      // a row of empty values; osq returns none, so a lookup tells whether the sysctl exists.)
      const configured = walker.configOnly(n);
      return configured ? [configured] : [];
    });
  }
  // Linux has no numeric MIBs (sysctl(2) is gone): an oid lookup finds nothing, as in osquery.
  if (oids.length) return [];
  if (subsystems.length) {
    return subsystems.filter((s) => /^[^/.\0]+$/.test(s)).flatMap((s) => walker.rows(s));
  }
  return walker.rows("");
}
