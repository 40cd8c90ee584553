/**
 * rpm_packages: packages in the RPM database, read through librpm over FFI (librpm.so.9, Debian's
 * librpm9; the database formats - sqlite, ndb, bdb - are librpm's business). A host without an
 * RPM database returns no rows without loading librpm; a host with one but without librpm gets a
 * clear error saying what to install.
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";

export default registerTable(defineTable({
  name: "rpm_packages",
  description: "Packages installed according to the RPM database.",
  columns: [
    { name: "name", type: "TEXT", index: true, optimized: true, description: "The package's name." },
    { name: "version", type: "TEXT", index: true, collate: "version_rhel", description: "The package's version." },
    { name: "release", type: "TEXT", index: true, description: "The package's release, e.g. 4.el9." },
    { name: "source", type: "TEXT", description: "The source RPM it was built from, if recorded." },
    { name: "size", type: "BIGINT", description: "The installed size of its files, in bytes." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "The SHA-1 of the package header." },
    { name: "arch", type: "TEXT", index: true, description: "The architecture it was built for." },
    { name: "epoch", type: "INTEGER", index: true, description: "The version epoch (NULL when the package has none)." },
    { name: "install_time", type: "INTEGER", description: "When it was installed, in seconds since 1970." },
    { name: "vendor", type: "TEXT", description: "The vendor that built it." },
    { name: "package_group", type: "TEXT", description: "The RPM group it declares." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the database of this process's mount namespace (0: the host's).",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace read (empty for the host's).",
    },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const names = ctx.equals("name");
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      const dbpath = RPM_DB_PATHS.find((p) => hasRpmDatabase(view.host.path(p)));
      if (dbpath === undefined) continue; // Not an RPM system: nothing to report, librpm never loaded.
      // librpm reads the database under its root directory, as `rpm --root` does.
      for (const row of readRpmDatabase(dbpath, view.root || "/", names)) {
        rows.push({ ...row, pid_with_namespace: view.pid, mount_namespace_id: view.mountNamespaceId });
      }
    }
    return rows;
  },
}));

/** Where RPM keeps its database on RPM-based systems (newest layout first). */
export const RPM_DB_PATHS = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];
/** Files that mark a directory as an RPM database (sqlite, ndb, Berkeley DB). */
const DB_FILES = ["rpmdb.sqlite", "Packages.db", "Packages"];

const rpmSymbols = {
  rpmReadConfigFiles: { parameters: ["buffer", "buffer"], result: "i32" },
  rpmtsCreate: { parameters: [], result: "pointer" },
  rpmtsFree: { parameters: ["pointer"], result: "pointer" },
  rpmtsSetRootDir: { parameters: ["pointer", "buffer"], result: "i32" },
  rpmtsInitIterator: { parameters: ["pointer", "i32", "buffer", "usize"], result: "pointer" },
  rpmdbNextIterator: { parameters: ["pointer"], result: "pointer" },
  rpmdbFreeIterator: { parameters: ["pointer"], result: "pointer" },
  headerGetString: { parameters: ["pointer", "i32"], result: "pointer" },
  headerGetNumber: { parameters: ["pointer", "i32"], result: "u64" },
  headerIsEntry: { parameters: ["pointer", "i32"], result: "i32" },
  rpmTagGetValue: { parameters: ["buffer"], result: "i32" },
} as const;

const rpmioSymbols = {
  rpmPushMacro: { parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
  rpmPopMacro: { parameters: ["pointer", "buffer"], result: "i32" },
  rpmlogSetCallback: { parameters: ["function", "pointer"], result: "pointer" },
} as const;

/** Macro level of command-line definitions (RMIL_CMDLINE). */
const RMIL_CMDLINE = -7;

interface RpmLib {
  rpm: Deno.DynamicLibrary<typeof rpmSymbols>["symbols"];
  rpmio: Deno.DynamicLibrary<typeof rpmioSymbols>["symbols"];
  tags: Record<
    | "name"
    | "version"
    | "release"
    | "epoch"
    | "size"
    | "installtime"
    | "vendor"
    | "group"
    | "arch"
    | "sourcerpm"
    | "sha1header",
    number
  >;
}

let lib: RpmLib | undefined;
// librpm logs through this callback; returning 0 keeps its messages off our stderr.
let quiet: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "i32" }> | undefined;

function cString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${s}\0`);
}

/** Loads librpm and reads its configuration once, or throws a TableError naming the package. */
export function rpmLibrary(): RpmLib {
  if (lib) return lib;
  const { rpm, rpmio } = openRpmLibraries();
  lib = configure(rpm, rpmio);
  return lib;
}

/** Opens librpm and librpmio by soname (tests pass missing names to see the error). */
export function openRpmLibraries(
  rpmName = "librpm.so.9",
  rpmioName = "librpmio.so.9",
): { rpm: RpmLib["rpm"]; rpmio: RpmLib["rpmio"] } {
  try {
    const rpmio = Deno.dlopen(rpmioName, rpmioSymbols).symbols;
    const rpm = Deno.dlopen(rpmName, rpmSymbols).symbols;
    return { rpm, rpmio };
  } catch (e) {
    throw new TableError(
      `An RPM database exists but librpm is not available (${
        e instanceof Error ? e.message : e
      }): install the librpm9 package (Debian/Ubuntu) or rpm-libs (RHEL).`,
    );
  }
}

function configure(rpm: RpmLib["rpm"], rpmio: RpmLib["rpmio"]): RpmLib {
  quiet = new Deno.UnsafeCallback({ parameters: ["pointer", "pointer"], result: "i32" }, () => 0);
  rpmio.rpmlogSetCallback(quiet.pointer, null);
  // As osquery: read RPM's canonical configuration unless the caller chose one.
  if (Deno.env.get("RPM_CONFIGDIR") === undefined) Deno.env.set("RPM_CONFIGDIR", "/usr/lib/rpm");
  if (rpm.rpmReadConfigFiles(null, null) !== 0) {
    throw new TableError("librpm could not read its configuration (/usr/lib/rpm/rpmrc, macros); check RPM_CONFIGDIR.");
  }
  const tag = (name: string) => rpm.rpmTagGetValue(cString(name));
  return {
    rpm,
    rpmio,
    tags: {
      name: tag("NAME"),
      version: tag("VERSION"),
      release: tag("RELEASE"),
      epoch: tag("EPOCH"),
      size: tag("SIZE"),
      installtime: tag("INSTALLTIME"),
      vendor: tag("VENDOR"),
      group: tag("GROUP"),
      arch: tag("ARCH"),
      sourcerpm: tag("SOURCERPM"),
      sha1header: tag("SHA1HEADER"),
    },
  };
}

/** True when `dir` holds an RPM database. */
export function hasRpmDatabase(dir: string): boolean {
  return DB_FILES.some((f) => {
    try {
      return Deno.statSync(`${dir}/${f}`).isFile;
    } catch {
      return false;
    }
  });
}

/**
 * Visits every header of the database at `dbpath` (inside `root`) — or only the packages named —
 * with the transaction set that holds it; a visit that returns `false` ends the read (an interrupted
 * query). The database location is a macro, set for this read only.
 */
export function forEachRpmHeader(
  dbpath: string,
  root: string,
  names: string[],
  visit: (ts: Deno.PointerObject, header: Deno.PointerObject) => boolean | void,
): void {
  const { rpm, rpmio, tags } = rpmLibrary();
  const macro = cString("_dbpath");
  rpmio.rpmPushMacro(null, macro, null, cString(dbpath), RMIL_CMDLINE);
  const ts = rpm.rpmtsCreate();
  try {
    if (ts === null) throw new TableError("librpm could not create a transaction set.");
    rpm.rpmtsSetRootDir(ts, cString(root));
    for (const key of names.length ? names : [undefined]) {
      const mi = rpm.rpmtsInitIterator(ts, tags.name, key === undefined ? null : cString(key), 0n);
      if (mi === null) continue; // No database, or no package by that name.
      try {
        for (let h = rpm.rpmdbNextIterator(mi); h !== null; h = rpm.rpmdbNextIterator(mi)) {
          if (visit(ts, h) === false) return;
        }
      } finally {
        rpm.rpmdbFreeIterator(mi);
      }
    }
  } finally {
    if (ts !== null) rpm.rpmtsFree(ts);
    rpmio.rpmPopMacro(null, macro);
  }
}

/** Reads the packages of the database at `dbpath` (inside `root`), optionally only the named ones. */
export function readRpmDatabase(dbpath: string, root = "/", names: string[] = []): Row[] {
  const { rpm, tags } = rpmLibrary();
  const str = (h: Deno.PointerObject, tag: number) => {
    const p = rpm.headerGetString(h, tag);
    return p === null ? "" : Deno.UnsafePointerView.getCString(p);
  };
  const num = (h: Deno.PointerObject, tag: number) =>
    rpm.headerIsEntry(h, tag) ? Number(rpm.headerGetNumber(h, tag)) : undefined;
  const rows: Row[] = [];
  forEachRpmHeader(dbpath, root, names, (_ts, h) => {
    rows.push({
      name: str(h, tags.name),
      version: str(h, tags.version),
      release: str(h, tags.release),
      source: str(h, tags.sourcerpm),
      size: num(h, tags.size),
      sha1: str(h, tags.sha1header),
      arch: str(h, tags.arch),
      epoch: num(h, tags.epoch),
      install_time: num(h, tags.installtime),
      vendor: str(h, tags.vendor),
      package_group: str(h, tags.group),
    });
  });
  return rows;
}
