/**
 * `startup_items`: what starts automatically on Linux — XDG autostart entries (system-wide and
 * per user), autostart scripts, SysV init scripts, and the units systemd has loaded.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readPasswd } from "../../core/host/accounts.ts";
import { listDir, readText } from "./_lib.ts";
import { listSystemdUnits, type SystemdUnit } from "./_systemd.ts";

/** A passwd account's name and home directory. */
export interface HomeDirectory {
  user: string;
  home: string;
}

/** Home directories from /etc/passwd under `root` (one per distinct directory; malformed lines skipped). */
export function homeDirectories(root = ""): HomeDirectory[] {
  const seen = new Set<string>();
  const out: HomeDirectory[] = [];
  for (const { username, directory } of readPasswd(root)) {
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

function autostartItems(root: string, dir: string, username: string | undefined): Row[] {
  return listDir(root + dir).filter((e) => !e.isDirectory).map((e) => {
    const entry = parseDesktopEntry(readText(`${root}${dir}${e.name}`) ?? "");
    return { name: entry.name, path: entry.exec, type: "Startup Item", source: dir, status: "enabled", username };
  });
}

function autostartScripts(root: string, dir: string, username: string | undefined): Row[] {
  return listDir(root + dir).filter((e) => !e.isDirectory).map((e) => ({
    name: e.name,
    path: `${dir}${e.name}`,
    type: "Startup Item",
    source: dir,
    status: "enabled",
    username,
  }));
}

/** The row for a systemd unit: its unit file as path, its active state as status. */
export function unitStartupRow(u: SystemdUnit): Row {
  return {
    name: u.id,
    path: u.fragmentPath,
    type: "systemd unit",
    source: u.sourcePath,
    status: u.activeState,
    username: u.user,
  };
}

/** The file-based startup items under `root`: per-user autostart, init.d scripts, system autostart. */
export function fileStartupRows(root = ""): Row[] {
  const rows: Row[] = [];
  for (const { user, home } of homeDirectories(root)) {
    const base = home.endsWith("/") ? home : `${home}/`;
    rows.push(...autostartItems(root, `${base}.config/autostart/`, user));
    rows.push(...autostartScripts(root, `${base}.config/autostart-scripts/`, user));
  }
  rows.push(...autostartScripts(root, "/etc/init.d/", undefined));
  rows.push(...autostartItems(root, "/etc/xdg/autostart/", undefined));
  return rows;
}

export default registerTable(defineTable({
  name: "startup_items",
  description: "Programs started automatically: XDG autostart entries and scripts, init.d scripts, systemd units.",
  attributes: { cacheable: true },
  columns: [
    { name: "name", type: "TEXT" },
    { name: "path", type: "TEXT", description: "Command (Exec=), script path or unit file" },
    { name: "args", type: "TEXT" },
    { name: "type", type: "TEXT", description: "Startup Item or systemd unit" },
    { name: "source", type: "TEXT", description: "Directory of the item, or the unit's source path" },
    { name: "status", type: "TEXT", description: "enabled for files; the unit's active state for units" },
    { name: "username", type: "TEXT" },
  ],
  generate() {
    return [...fileStartupRows(), ...(listSystemdUnits() ?? []).map(unitStartupRow)];
  },
}));
