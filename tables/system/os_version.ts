/**
 * `os_version`: the distribution's name and version from os-release, with osquery's fallbacks
 * for Red Hat and Gentoo release files; with `pid_with_namespace`, as a process's mount namespace
 * sees them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "os_version",
  description: "The operating system's name, version numbers, platform family and architecture.",
  columns: [
    { name: "name", type: "TEXT", description: "The distribution's name, e.g. Ubuntu." },
    { name: "version", type: "TEXT", collate: "version", description: "The distribution's full version string." },
    { name: "major", type: "INTEGER", description: "The major version number." },
    { name: "minor", type: "INTEGER", description: "The minor version number." },
    { name: "patch", type: "INTEGER", description: "The patch version number." },
    { name: "build", type: "TEXT", description: "The build id, when the distribution gives one." },
    { name: "platform", type: "TEXT", description: "The distribution's id (os-release ID), e.g. ubuntu, rhel." },
    {
      name: "platform_like",
      type: "TEXT",
      description: "The families the distribution follows (os-release ID_LIKE), e.g. debian.",
    },
    { name: "codename", type: "TEXT", description: "The release's codename, e.g. jammy." },
    { name: "arch", type: "TEXT", description: "The CPU architecture osq runs on, e.g. x86_64." },
    { name: "extra", type: "TEXT", linuxHidden: true, description: "Extra version text (macOS only)." },
    {
      name: "install_date",
      type: "BIGINT",
      linuxHidden: true,
      description: "When the OS was installed (Windows only).",
    },
    { name: "revision", type: "INTEGER", linuxHidden: true, description: "The update build revision (Windows only)." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the release files in this process's mount namespace (0: the host's).",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace the row was read in.",
    },
  ],
  generate(ctx) {
    // Like osquery, a pid_with_namespace constraint reads the release files in that process's mount namespace.
    return namespaceRoots(ctx).map((view) => ({
      ...osVersionRow(view.host),
      pid_with_namespace: view.pid,
      mount_namespace_id: view.mountNamespaceId,
    }));
  },
}));

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

/** The row for the system `host` holds. */
function osVersionRow(host: Host): Row {
  const row: Row = { name: "Unknown", major: 0, minor: 0, patch: 0, platform: "posix" };
  // osquery reads /etc/os-release only; /usr/lib/os-release is the standard's fallback location.
  const release = readText(host.path("/etc/os-release")) ?? readText(host.path("/usr/lib/os-release"));
  if (release) applyOsRelease(row, release);
  row.arch = Deno.build.arch;
  const redhat = readText(host.path("/etc/redhat-release"));
  if (redhat !== undefined) applyLegacyRelease(row, redhat, "rhel");
  else {
    const gentoo = readText(host.path("/etc/gentoo-release"));
    if (gentoo !== undefined) applyLegacyRelease(row, gentoo, "gentoo");
  }
  return row;
}
