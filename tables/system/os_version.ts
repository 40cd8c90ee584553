/**
 * `os_version`: the distribution's name and version from os-release, with osquery's fallbacks
 * for Red Hat and Gentoo release files.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readLink, readText, splitTrim } from "./_lib.ts";

/** os-release keys and the columns they fill (`_id` feeds major/minor/patch). */
const OS_RELEASE_COLUMNS: Record<string, string> = {
  NAME: "name",
  VERSION: "version",
  BUILD_ID: "build",
  ID: "platform",
  ID_LIKE: "platform_like",
  VERSION_CODENAME: "codename",
  VERSION_ID: "_id",
};

/** Applies an os-release file's fields to `row`, as osquery reads them. */
export function applyOsRelease(row: Row, content: string): void {
  for (const line of splitTrim(content, "\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (!key || !value) continue;
    // Distributions invent their own *CODENAME keys (UBUNTU_CODENAME, ...): they fill codename too.
    const column = OS_RELEASE_COLUMNS[key] ?? (key.includes("CODENAME") ? "codename" : undefined);
    if (!column) continue;
    if (value.startsWith('"')) value = value.slice(1, value.endsWith('"') && value.length > 1 ? -1 : undefined);
    if (column === "_id") {
      const [major, minor, ...patch] = value.split(".");
      row.major = major;
      if (minor !== undefined) row.minor = minor;
      if (patch.length) row.patch = patch.join(".");
    } else {
      row[column] = value;
    }
  }
}

/** Applies a Red Hat / Gentoo style one-line release file ("CentOS release 6.10 (Final)"). */
export function applyLegacyRelease(row: Row, content: string, platform: "rhel" | "gentoo"): void {
  row.platform = platform;
  row.platform_like = platform;
  const text = content.trim().replace(/\s+/g, " ");
  const m = /([\w+\s]+) .* ([0-9]+)\.([0-9]+)\.?(\w+)?/.exec(text);
  if (m) {
    row.name = m[1];
    row.major = m[2];
    row.minor = m[3];
    row.patch = m[4] || "0";
  }
  row.version = text;
  row.build = "";
}

/** The `os_version` row for the system under `root`. */
export function osVersionRow(root = ""): Row {
  const row: Row = { name: "Unknown", major: 0, minor: 0, patch: 0, platform: "posix" };
  // osquery reads /etc/os-release only; /usr/lib/os-release is the standard's fallback location.
  const release = readText(`${root}/etc/os-release`) ?? readText(`${root}/usr/lib/os-release`);
  if (release) applyOsRelease(row, release);
  row.arch = Deno.build.arch;
  const redhat = readText(`${root}/etc/redhat-release`);
  if (redhat !== undefined) applyLegacyRelease(row, redhat, "rhel");
  else {
    const gentoo = readText(`${root}/etc/gentoo-release`);
    if (gentoo !== undefined) applyLegacyRelease(row, gentoo, "gentoo");
  }
  return row;
}

export default registerTable(defineTable({
  name: "os_version",
  description: "The operating system's name, version numbers, platform family and architecture.",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "version", type: "TEXT", collate: "version" },
    { name: "major", type: "INTEGER" },
    { name: "minor", type: "INTEGER" },
    { name: "patch", type: "INTEGER" },
    { name: "build", type: "TEXT" },
    { name: "platform", type: "TEXT", description: "Distribution id (os-release ID)" },
    { name: "platform_like", type: "TEXT" },
    { name: "codename", type: "TEXT" },
    { name: "arch", type: "TEXT" },
    { name: "extra", type: "TEXT", linuxHidden: true },
    { name: "install_date", type: "BIGINT", linuxHidden: true },
    { name: "revision", type: "INTEGER", linuxHidden: true },
    { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    { name: "mount_namespace_id", type: "TEXT", hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    // Like osquery, a pid_with_namespace constraint reads the release files inside that process's mount namespace.
    const pids = ctx.integerEquals("pid_with_namespace");
    if (pids.length === 0) return [{ ...osVersionRow(), pid_with_namespace: 0 }];
    const rows: Row[] = [];
    for (const pid of pids) {
      const ns = readLink(`/proc/${pid}/ns/mnt`);
      if (!ns) continue;
      rows.push({
        ...osVersionRow(`/proc/${pid}/root`),
        pid_with_namespace: pid,
        mount_namespace_id: /\[(\d+)\]/.exec(ns)?.[1] ?? ns,
      });
    }
    return rows;
  },
}));
