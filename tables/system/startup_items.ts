/**
 * `startup_items`: what starts automatically on Linux — XDG autostart entries (system-wide and
 * per user), autostart scripts, SysV init scripts, and the units systemd has loaded.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readPasswd } from "../../core/host/accounts.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir, readText } from "./_lib.ts";
import { hostSystemdUnits, type SystemdUnit } from "./_systemd.ts";

export default registerTable(defineTable({
  name: "startup_items",
  description: "Programs started automatically: XDG autostart entries and scripts, init.d scripts, systemd units.",
  attributes: { cacheable: true },
  columns: [
    { name: "name", type: "TEXT", description: "The item's name: the entry's Name=, the script's or the unit's name." },
    { name: "path", type: "TEXT", description: "The command (Exec=), the script's path or the unit file." },
    { name: "args", type: "TEXT", description: "Arguments given to the program (not split out on Linux)." },
    { name: "type", type: "TEXT", description: "Startup Item or systemd unit." },
    { name: "source", type: "TEXT", description: "The directory holding the item, or the unit's source path." },
    { name: "status", type: "TEXT", description: "enabled for files; the unit's active state for units." },
    {
      name: "username",
      type: "TEXT",
      description: "The user whose autostart directory holds the item, or the service's User=.",
    },
  ],
  generate(ctx) {
    return [...fileStartupRows(ctx.host), ...(hostSystemdUnits(ctx.host, true) ?? []).map(unitStartupRow)];
  },
}));

/** A passwd account's name and home directory. */
export interface HomeDirectory {
  user: string;
  home: string;
}

/** Home directories from `host`'s /etc/passwd (one per distinct directory; malformed lines skipped). */
export function homeDirectories(host: Host): HomeDirectory[] {
  const seen = new Set<string>();
  const out: HomeDirectory[] = [];
  for (const { username, directory } of readPasswd(host.root)) {
    if (directory === "" || seen.has(directory)) continue;
    seen.add(directory);
    out.push({ user: username, home: directory });
  }
  return out;
}

/** Reads Name= and Exec= from a .desktop entry (lines with a second '=' are ignored, as in osquery). */
export function parseDesktopEntry(text: string): { name?: string; exec?: string } {
  const out: { name?: string; exec?: string } = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const parts = line.split("=").map((p) => p.trim()).filter(Boolean);
    if (parts.length !== 2) continue;
    if (line.startsWith("Name=")) out.name = parts[1];
    else if (line.startsWith("Exec=")) out.exec = parts[1];
  }
  return out;
}

function autostartItems(host: Host, dir: string, username: string | undefined): Row[] {
  return listDir(host.path(dir)).filter((e) => !e.isDirectory).map((e) => {
    const entry = parseDesktopEntry(readText(host.path(`${dir}${e.name}`)) ?? "");
    return { name: entry.name, path: entry.exec, type: "Startup Item", source: dir, status: "enabled", username };
  });
}

function autostartScripts(host: Host, dir: string, username: string | undefined): Row[] {
  return listDir(host.path(dir)).filter((e) => !e.isDirectory).map((e) => ({
    name: e.name,
    path: `${dir}${e.name}`,
    type: "Startup Item",
    source: dir,
    status: "enabled",
    username,
  }));
}

/** The row for a systemd unit: its unit file as path, its active state as status. */
function unitStartupRow(u: SystemdUnit): Row {
  return {
    name: u.id,
    path: u.fragmentPath,
    type: "systemd unit",
    source: u.sourcePath,
    status: u.activeState,
    username: u.user,
  };
}

/** `host`'s file-based startup items: per-user autostart, init.d scripts, system autostart. */
function fileStartupRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const { user, home } of homeDirectories(host)) {
    const base = home.endsWith("/") ? home : `${home}/`;
    rows.push(...autostartItems(host, `${base}.config/autostart/`, user));
    rows.push(...autostartScripts(host, `${base}.config/autostart-scripts/`, user));
  }
  rows.push(...autostartScripts(host, "/etc/init.d/", undefined));
  rows.push(...autostartItems(host, "/etc/xdg/autostart/", undefined));
  return rows;
}
