/**
 * `selinux_settings`: the active SELinux configuration as selinuxfs exposes it.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir, readMounts, readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "selinux_settings",
  description: "Active SELinux settings: enforcement, booleans, policy capabilities, contexts and classes.",
  columns: [
    { name: "scope", type: "TEXT", description: "The directory inside selinuxfs (empty for top-level keys)." },
    { name: "key", type: "TEXT", description: "The setting's file name, or a class's permission directory." },
    {
      name: "value",
      type: "TEXT",
      description: "The setting's value (on/off for booleans, the permission for classes).",
    },
  ],
  generate(ctx) {
    return selinuxRows(ctx.host);
  },
}));

const ROOT_KEYS = ["checkreqprot", "deny_unknown", "enforce", "mls", "policyvers", "reject_unknown"];
const SCOPES = ["booleans", "policy_capabilities", "initial_contexts"];

/** Where selinuxfs is mounted on `host` (under its root), or `undefined` when SELinux is not active. */
function selinuxfsPath(host: Host): string | undefined {
  const mount = readMounts(host).find((m) => m.type === "selinuxfs");
  return mount ? host.path(mount.path) : undefined;
}

/** A boolean file holds "<current> <pending>": "1 1" is on, "0 0" off; anything else is not reported. */
function booleanValue(raw: string): string | undefined {
  const v = raw.trim();
  return v === "1 1" ? "on" : v === "0 0" ? "off" : undefined;
}

/** Every regular file under `dir`, recursively, as paths relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of listDir(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...filesUnder(`${dir}/${e.name}`, rel));
    else if (e.isFile) out.push(rel);
  }
  return out;
}

/** The rows for the selinuxfs mounted on `host`. */
function selinuxRows(host: Host): Row[] {
  const fs = selinuxfsPath(host);
  if (!fs) return [];
  const rows: Row[] = [];
  for (const key of ROOT_KEYS) {
    // osquery reports a root key even when it cannot be read (value NULL).
    rows.push({ scope: "", key, value: readText(`${fs}/${key}`) });
  }
  for (const scope of SCOPES) {
    for (const e of listDir(`${fs}/${scope}`)) {
      if (!e.isFile) continue;
      const raw = readText(`${fs}/${scope}/${e.name}`);
      if (raw === undefined) continue;
      const value = scope === "booleans" ? booleanValue(raw) : raw.replace(/\0+$/, "");
      if (value === undefined) continue;
      rows.push({ scope, key: e.name, value });
    }
  }
  // Classes: class/<name>/perms/<perm> files; the key is the directory path, the value the file name.
  for (const rel of filesUnder(`${fs}/class`)) {
    const slash = rel.lastIndexOf("/");
    if (slash < 0) continue;
    const value = rel.slice(slash + 1);
    if (value === "index") continue;
    rows.push({ scope: "class", key: rel.slice(0, slash), value });
  }
  return rows;
}
